import Testing
@testable import SwiftPM2Core

/// A file system made of sets: what is executable, readable, a folder, and on `$PATH`.
struct EcosystemFakeProbe: ExecutableProbe {
    var executables: Set<String> = []
    var readable: Set<String> = []
    var directories: Set<String> = ["/srv/app"]
    var path: [String: String] = [:]

    func checkExecutable(_ path: String) -> String? {
        if executables.contains(path) { return nil }
        if directories.contains(path) { return "Is a directory (EISDIR)" }
        return readable.contains(path) ? "Permission denied: not executable (EACCES)" : "No such file or directory (ENOENT)"
    }

    func checkReadable(_ path: String) -> String? {
        if readable.contains(path) || executables.contains(path) { return nil }
        return directories.contains(path) ? "Is a directory (EISDIR)" : "No such file or directory (ENOENT)"
    }

    func checkDirectory(_ path: String) -> String? {
        directories.contains(path) ? nil : "No such file or directory (ENOENT)"
    }

    func which(_ name: String) -> String? { path[name] }
}

/// Validation and resolution of apps, with a fake file system.
@Suite struct EcosystemValidateTests {
    let probe = EcosystemFakeProbe(
        executables: ["/srv/app/server", "/srv/app/bin/worker", "/usr/bin/python3", "/usr/bin/npm", "/usr/bin/node"],
        readable: ["/srv/app/app.js", "/srv/app/job.py"],
        directories: ["/srv/app", "/srv/app/bin", "/srv"],
        path: ["python3": "/usr/bin/python3", "npm": "/usr/bin/npm", "node": "/usr/bin/node"]
    )

    private func load(_ text: String, source: String = "/srv/app/eco.json", env: String? = nil) throws(EcosystemError) -> EcosystemLoadResult {
        try Ecosystem.load(Array(text.utf8), source: source, baseDirectory: "/srv/app", envName: env, probe: probe)
    }

    /// The issues of a load that must fail.
    private func issues(_ text: String, source: String = "/srv/app/eco.json") -> [EcosystemIssue] {
        do {
            _ = try load(text, source: source)
            Issue.record("loaded without issues")
            return []
        } catch {
            return error.issues
        }
    }

    @Test func minimalJSONGetsDefaults() throws {
        let result = try load(#"{"apps": [{"script": "./server"}]}"#)
        var expected = AppSpec(name: "server", script: "/srv/app/server", cwd: "/srv/app")
        expected.instances = .count(1)
        #expect(result.apps == [expected])
        #expect(result.warnings.isEmpty)
    }

    @Test func minimalYAMLAndOtherShapes() throws {
        let yaml = try load("apps:\n  - name: api\n    script: server\n", source: "/srv/app/eco.yaml")
        #expect(yaml.apps.map(\.name) == ["api"])
        #expect(yaml.apps.first?.script == "/srv/app/server")  // bare name found in cwd first
        let single = try load(#"{"script": "server", "name": "one"}"#)
        #expect(single.apps.map(\.name) == ["one"])
        let array = try load(#"[{"script": "server"}, {"script": "bin/worker"}]"#)
        #expect(array.apps.map(\.name) == ["server", "worker"])
    }

    @Test func pm2SampleFileStartsWithWarnings() throws {
        let result = try load("""
            {
              "apps": [{
                "name": "api", "script": "app.js", "interpreter": "node", "node_args": "--harmony",
                "instances": "max", "exec_mode": "cluster_mode", "watch": false, "merge_logs": true,
                "max_memory_restart": "500M", "autorestart": "true", "source_map_support": true,
                "output": "./logs/out.log", "error": "/dev/null", "log_date_format": "YYYY-MM-DD HH:mm Z",
                "env": {"NODE_ENV": "development", "PORT": 3000, "DEBUG": false},
                "env_production": {"NODE_ENV": "production"}, "min_uptime": "10s", "port": 3000
              }, {
                "name": "job", "script": "job.py", "interpreter": "python3", "node_args": [], "vizion": false
              }],
              "deploy": {"production": {"user": "node"}}
            }
            """, env: "production")
        let api = try #require(result.apps.first)
        #expect(api.interpreter == "/usr/bin/node")
        #expect(api.script == "/srv/app/app.js")
        #expect(api.instances == .max)
        #expect(api.execMode == .cluster)
        #expect(api.maxMemoryRestart == 500 * 1024 * 1024)
        #expect(api.outFile == "/srv/app/logs/out.log")
        #expect(api.errorFile == "/dev/null")
        #expect(api.env == ["NODE_ENV": "production", "PORT": "3000", "DEBUG": "false"])
        #expect(api.minUptimeMs == 10_000)
        #expect(api.listen == ["tcp://0.0.0.0:3000"])
        #expect(api.watch.isEmpty)
        #expect(result.apps[1].interpreter == "/usr/bin/python3")
        #expect(result.warnings == [
            "apps[0].node_args: ignored by swiftpm2 (Node.js-only) (and 1 more)",
            "apps[0].source_map_support: ignored by swiftpm2 (Node.js-only)",
            "apps[1].vizion: ignored by swiftpm2 (PM2-only)",
            "deploy: ignored by swiftpm2 (no deploy support)",
        ])
    }

    @Test func balanceDefaultsToRoundRobinAndRefusesPerSlotUnixSockets() throws {
        func balance(_ keys: String) throws -> Balance {
            try load(#"{"script": "server", "exec_mode": "cluster", \#(keys)}"#).apps[0].balance
        }
        #expect(try balance(#""port": 3000"#) == .roundRobin)
        #expect(try balance(#""listen": "unix:/run/a.sock""#) == .shared)
        #expect(try balance(#""listen": ["tcp://127.0.0.1:1", "unix:/run/a.sock"]"#) == .shared)
        #expect(try balance(#""port": 3000, "balance": "shared""#) == .shared)
        #expect(try balance(#""port": 3000, "balance": "reuseport""#) == .reuseport)
        let refused = issues(#"{"apps": [{"script": "server", "listen": "unix:/run/a.sock", "balance": "roundrobin"}]}"#)
        #expect(refused.map(\.path) == ["apps[0].balance"])
        #expect(refused.first?.message == "balance \"roundrobin\" needs tcp:// addresses; `unix:/run/a.sock` is a Unix socket")
        let wrong = issues(#"{"apps": [{"script": "server", "balance": "random"}]}"#)
        #expect(wrong.first?.message == "expected \"roundrobin\", \"shared\" or \"reuseport\", got \"random\"")
    }

    @Test func envSelectionAndMissingEnvWarning() throws {
        let text = #"{"apps": [{"script": "server", "env": {"A": "1", "B": 2.5}, "env_staging": {"A": "s"}}]}"#
        #expect(try load(text).apps[0].env == ["A": "1", "B": "2.5"])
        #expect(try load(text, env: "staging").apps[0].env == ["A": "s", "B": "2.5"])
        let other = try load(text, env: "production")
        #expect(other.apps[0].env == ["A": "1", "B": "2.5"])
        #expect(other.warnings == ["--env production: no app has `env_production`; only `env` applies"])
        let nested = issues(#"{"apps": [{"script": "server", "env": {"A": {"x": 1}, "B": null}}]}"#)
        #expect(nested.map(\.path) == ["apps[0].env.A", "apps[0].env.B"])
        #expect(nested.first?.message == "expected a string, number or boolean, got an object")
    }

    @Test func instancesForms() throws {
        func instances(_ json: String) throws -> InstanceCount {
            try load(#"{"script": "server", "instances": \#(json)}"#).apps[0].instances
        }
        #expect(try instances("4") == .count(4))
        #expect(try instances("\"4\"") == .count(4))
        #expect(try instances("0") == .max)
        #expect(try instances("\"max\"") == .max)
        #expect(try instances("\"-0\"") == .max)
        #expect(try instances("-1") == .allBut(1))
        #expect(try instances("2.0") == .count(2))
        let bad = issues(#"{"script": "server", "instances": "lots"}"#)
        #expect(bad.map(\.description) == [#"/srv/app/eco.json:1:35: instances: expected a number, "max" or a negative number, got "lots""#])
    }

    @Test func relativePathsResolve() throws {
        let app = try load(#"{"script": "../bin/./worker", "cwd": "bin", "out_file": "logs/o.log", "watch": ["src", "/etc/x"]}"#).apps[0]
        #expect(app.cwd == "/srv/app/bin")
        #expect(app.script == "/srv/app/bin/worker")
        #expect(app.name == "worker")
        #expect(app.outFile == "/srv/app/logs/o.log")  // log paths: against the file's folder
        #expect(app.watch == ["/srv/app/bin/src", "/etc/x"])  // watch paths: against cwd
        let onPath = try load(#"{"script": "npm", "args": "run start"}"#).apps[0]
        #expect(onPath.script == "/usr/bin/npm")
        #expect(onPath.args == ["run", "start"])
        #expect(try load(#"{"script": "server", "watch": true}"#).apps[0].watch == ["/srv/app"])
        let missingCwd = issues(#"{"script": "server", "cwd": "nope"}"#)
        #expect(missingCwd.map(\.message) == ["cwd /srv/app/nope: No such file or directory (ENOENT)"])
    }

    @Test func unknownKeySuggestsTheClosest() {
        let found = issues("apps:\n  - script: server\n    instnaces: 2\n    killTimeout: 3\n    env_anything: {}\n", source: "/srv/app/e.yml")
        #expect(found.map(\.description) == [
            "/srv/app/e.yml:3:5: apps[0].instnaces: unknown key `instnaces` (did you mean `instances`?)",
            "/srv/app/e.yml:4:5: apps[0].killTimeout: unknown key `killTimeout` (did you mean `kill_timeout`?)",
        ])
        #expect(KeySuggestion.closest(to: "zzzzzz", in: EcosystemKeys.suggestible) == nil)
        #expect(KeySuggestion.closest(to: "max_memory", in: EcosystemKeys.suggestible) == "max_memory_restart")
        let top = issues(#"{"apps": [{"script": "server"}], "aps": 1}"#)
        #expect(top.map(\.hint) == ["did you mean `apps`?"])
    }

    @Test func wrongTypesSayWhatWasExpectedAndFound() {
        let found = issues("""
            {"apps": [{
              "script": "server", "autorestart": "yes", "max_restarts": -1, "name": 12,
              "args": {"a": 1}, "exec_mode": "thread", "kill_signal": "SIGFOO", "stop_exit_codes": [0, 300],
              "listen": ["tcp://localhost", "udp://x:1"], "port": 70000, "instance_var": "1X", "namespace": ""
            }]}
            """)
        #expect(found.map(\.message) == [
            "expected true or false, got \"yes\"",
            "expected an integer ≥ 0, got -1",
            "expected a string, got 12",
            "expected an array of strings, or one string, got an object",
            "expected \"fork\" or \"cluster\", got \"thread\"",
            "expected a signal name like \"SIGTERM\" or a number 1...64, got \"SIGFOO\"",
            "expected an exit code 0...255 or an array of them, got 300",
            "`tcp://localhost` has no port",
            "expected a port 1...65535, got 70000",
            "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got \"1X\"",
            "must not be empty",
        ])
        #expect(found.map(\.line) == [2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])
        #expect(found[0].column == 38)
    }

    @Test func scriptProblemsCarryTheOSError() {
        let notExec = issues(#"{"apps": [{"script": "app.js"}]}"#)
        #expect(notExec.map(\.description) == [
            "/srv/app/eco.json:1:22: apps[0].script: cannot run /srv/app/app.js: Permission denied: not executable (EACCES) (chmod +x /srv/app/app.js, or set `interpreter` (e.g. \"interpreter\": \"node\"))",
        ])
        let missing = issues(#"{"apps": [{"script": "./gone"}, {"script": "nowhere"}, {"name": "x"}]}"#)
        #expect(missing.map(\.message) == [
            "cannot run /srv/app/gone: No such file or directory (ENOENT)",
            "cannot find `nowhere` in cwd (/srv/app) nor in $PATH",
            "missing required key `script`",
        ])
        #expect(missing[2].path == "apps[2]")
        let badInterpreter = issues(#"{"script": "job.py", "interpreter": "python9"}"#)
        #expect(badInterpreter.map(\.message) == ["interpreter `python9` not found in $PATH"])
        let dir = issues(#"{"script": "bin"}"#)
        #expect(dir.map(\.message) == ["cannot run /srv/app/bin: Is a directory (EISDIR)"])
        let none = issues(#"{"script": "app.js", "interpreter": "none"}"#)  // "none": exec it directly
        #expect(none.map(\.message) == ["cannot run /srv/app/app.js: Permission denied: not executable (EACCES)"])
    }

    @Test func namesAreCheckedAndUnique() {
        let found = issues("""
            {"apps": [
              {"name": "api", "script": "server"},
              {"name": "api", "script": "bin/worker"},
              {"name": "all", "script": "server"},
              {"name": "42", "script": "server"},
              {"script": "server"},
              {"name": "a/b", "script": "server"}
            ]}
            """)
        #expect(found.map(\.description) == [
            "/srv/app/eco.json:3:12: apps[1].name: duplicate app name \"api\" (also apps[0].name) (app names must be unique; set `name`)",
            "/srv/app/eco.json:4:12: apps[2].name: app name \"all\" must not be `all` (it selects every app)",
            "/srv/app/eco.json:5:12: apps[3].name: app name \"42\" must not be all digits (numbers select apps by id)",
            "/srv/app/eco.json:7:12: apps[5].name: app name \"a/b\" must not contain `/`",
        ])
        #expect(issues(#"{"apps": []}"#).map(\.message) == ["no apps: the list is empty"])
        #expect(issues("[]").map(\.path) == [""])
    }

    @Test func severalProblemsComeInDocumentOrder() {
        let found = issues("apps:\n- script: gone\n  cwd: bin\n  instances: x\n- nme: y\n  script: server\n", source: "/srv/app/e.yaml")
        #expect(found.map(\.path) == ["apps[0].script", "apps[0].instances", "apps[1].nme"])
        #expect(found.map { $0.line ?? 0 } == [2, 4, 5])
    }

    @Test func javascriptFilesAreRefused() {
        let found = issues("module.exports = {}", source: "/srv/app/ecosystem.config.js")
        #expect(found.count == 1)
        #expect(found[0].message.hasPrefix("JavaScript ecosystem files are not supported; write the same object as JSON or YAML"))
        #expect(found[0].hint?.contains(#"require(\"./ecosystem.config.js\")"#) == false)
        #expect(found[0].hint?.contains(#"require("./ecosystem.config.js")"#) == true)
    }

    @Test func validateWorksWithoutPositions() throws {
        let document: EcosystemValue = .object([(key: "apps", value: .array([.object([
            (key: "script", value: .string("server")), (key: "crash_window", value: .string("2m")),
            (key: "kill_signal", value: .string("term")), (key: "stop_exit_codes", value: .int(0)),
            (key: "exp_backoff_restart_delay", value: .int(100)), (key: "listen", value: .string("unix:run/a.sock")),
            (key: "uid", value: .int(0)),
        ])]))])
        do {
            _ = try Ecosystem.validate(document, source: "<request>", baseDirectory: "/srv/app", envName: nil, probe: probe)
            Issue.record("uid accepted")
        } catch {
            #expect(error.description == "<request>: apps[0].uid: not supported: apps run as the daemon's user (remove it, or run a daemon as that user)")
        }
        guard case .object(var top) = document, case .array(let apps) = top[0].value, case .object(var app) = apps[0] else { return }
        app.removeLast()
        top[0].value = .array([.object(app)])
        let spec = try Ecosystem.validate(.object(top), source: "<request>", baseDirectory: "/srv/app", envName: nil, probe: probe).apps[0]
        #expect(spec.crashWindowMs == 120_000)
        #expect(spec.killSignal == 15)
        #expect(spec.stopExitCodes == [0])
        #expect(spec.expBackoffRestartDelayMs == 100)
        #expect(spec.listen == ["unix:/srv/app/run/a.sock"])
    }
}
