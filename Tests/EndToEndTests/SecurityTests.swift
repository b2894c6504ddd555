import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// Who may reach the daemon and what leaks: modes of the home and everything in it (even
/// under umask 000), a real second user refused by the CLI and by the socket, arguments never
/// seen by a shell, and environment values kept out of what the CLI prints.
@Suite(.timeLimit(.minutes(1)))
struct SecurityTests {
    /// Started under umask 000, the daemon still keeps its home 0700, the socket 0600, its
    /// files 0600 and the logs folder 0700; nothing in the home is writable by others.
    @Test func homeAndSocketModesHoldUnderUmaskZero() async throws {
        try await withTestDaemon { d in
            let run = try TestDaemon.run("/bin/sh", ["-c", "umask 000; exec \"$0\" start /bin/sleep --name s -- 100000", d.bin + "/swiftpm2"],
                                         environment: ["SWIFTPM2_HOME": d.home])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try d.cli(["save"]).status == 0)
            #expect(Self.mode(d.home) == 0o700)
            #expect(Self.mode(d.socketPath) == 0o600)
            #expect(Self.mode(d.home + "/logs") == 0o700)
            for file in ["daemon.pid", "daemon.lock", "daemon.log", "state.json", "dump.json"] {
                #expect(Self.mode(d.home + "/" + file) == 0o600, "\(file): \(String(Self.mode(d.home + "/" + file) ?? 0, radix: 8))")
            }
            let apps = try await d.client.apps().apps
            for path in [apps[0].instances[0].outLog, apps[0].instances[0].errLog] {
                #expect((Self.mode(path) ?? 0o777) & 0o007 == 0, "\(path) is open to others")
            }
            // Every entry of the home: nothing writable by group or others. Sockets the daemon
            // binds besides daemon.sock are listed with their modes in docs/reliability.md.
            var openToOthers: [String] = []
            for name in (try? FileManager.default.subpathsOfDirectory(atPath: d.home)) ?? [] {
                if let m = Self.mode(d.home + "/" + name), m & 0o022 != 0 { openToOthers.append("\(name) \(String(m, radix: 8))") }
            }
            #expect(openToOthers.isEmpty, "\(openToOthers)")
            ReliabilityFigures.record("modes-umask-000", ["writableByOthers": openToOthers.joined(separator: ", ")])
        }
    }

    /// A real second user, with the daemon's home as its SWIFTPM2_HOME: the CLI is refused
    /// (the 0700 home first; with the home and socket opened up, SO_PEERCRED), for reading and
    /// for `kill`, `stop` and `start`; no second daemon starts and the apps are untouched.
    @Test(.enabled(if: getuid() == 0, "needs root to create and act as another user"))
    func anotherUserIsRefused() async throws {
        let user = try TestUser.ensure()
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "100000"]).status == 0)
            let daemonPID = try #require(d.daemonPID)
            let pid = try await d.client.apps().apps[0].instances[0].pid
            func asOther(_ args: [String]) throws -> TestDaemon.Run {
                try TestDaemon.run("/usr/bin/setpriv", user.setpriv + ["/usr/bin/env", "SWIFTPM2_HOME=\(d.home)", "HOME=/nonexistent",
                                                                        "NO_COLOR=1", d.bin + "/swiftpm2"] + args)
            }
            // The home is 0700: the socket cannot even be reached.
            for args in [["list"], ["stop", "all"], ["start", "/bin/true"]] {
                let run = try asOther(args)
                #expect(run.status != 0, "\(args): \(run.stdout)")
                #expect(run.stderr.contains("Permission denied"), "\(args): \(run.stderr)")
            }
            let kill = try asOther(["kill"])
            withKnownIssue("`kill` takes a socket it may not reach for no daemon: prints `no daemon runs for HOME` and exits 0") {
                #expect(kill.status != 0 && kill.stderr.contains("Permission denied"), "\(kill.status) \(kill.stdout) \(kill.stderr)")
            }
            // Opened up, the socket still answers 403 for another uid, and the CLI says so.
            chmod(d.home, 0o711)
            chmod(d.socketPath, 0o666)
            defer { chmod(d.home, 0o700); chmod(d.socketPath, 0o600) }
            for args in [["list"], ["kill"], ["stop", "all"], ["delete", "all"], ["save"]] {
                let run = try asOther(args)
                #expect(run.status == 1, "\(args): \(run.status) \(run.stdout)")
                #expect(run.stderr.contains("uid \(user.uid) may not use this daemon"), "\(args): \(run.stderr)")
            }
            let curl = try TestDaemon.run("/usr/bin/setpriv", user.setpriv + ["/usr/bin/curl", "-s", "-w", "\n%{http_code}", "-X", "POST",
                                                                            "--unix-socket", d.socketPath, "http://localhost/v1/kill"])
            #expect(curl.stdout.hasSuffix("403"), "\(curl.stdout)")
            // Nothing changed, and no daemon of that user appeared.
            #expect(d.daemonPID == daemonPID && processExists(daemonPID))
            let apps = try await d.client.apps().apps
            #expect(apps.map(\.name) == ["s"] && apps[0].instances[0].pid == pid && apps[0].instances[0].state == .online)
            // (Another test runs a daemon as this user at the same time: look in this home only.)
            let theirs = ProcView.processes(ofHome: d.home).filter { ProcView.uid(of: $0) == user.uid }
            #expect(theirs.isEmpty, "processes of uid \(user.uid) run for this home: \(theirs)")
        }
    }

    /// Arguments, names and environment values that a shell would expand are passed as they
    /// are: no marker file appears, and the program prints them verbatim.
    @Test func argumentsNeverGoThroughAShell() async throws {
        try await withTestDaemon { d in
            let dir = d.home + "/files"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let hostile = ["$(touch \(dir)/m1)", "`touch \(dir)/m2`", "; touch \(dir)/m3", "| touch \(dir)/m4",
                           "&& touch \(dir)/m5", "\ntouch \(dir)/m6", "; rm -rf \(dir)/keep", "$HOME", "*"]
            _ = FileManager.default.createFile(atPath: dir + "/keep", contents: Data("x".utf8))
            let args = "[\"%s\\n\"," + hostile.map(FaultTests.json).joined(separator: ",") + "]"
            let eco = try d.write("eco.json", """
            {"apps":[
              {"name":"array-args","script":"/usr/bin/printf","args":\(args),"autorestart":false,"cwd":"\(dir)"},
              {"name":"string-args","script":"/usr/bin/printf","args":"'%s\\\\n' '$(touch \(dir)/m7)' \\"`touch \(dir)/m8`\\" ; touch \(dir)/m9",
               "autorestart":false,"cwd":"\(dir)"},
              {"name":"$(touch m10)","script":"/usr/bin/printf","args":["%s\\n","x"],"autorestart":false,"cwd":"\(dir)"},
              {"name":"env","script":"/usr/bin/printenv","args":["HOSTILE"],"env":{"HOSTILE":"$(touch \(dir)/m11)"},"autorestart":false,"cwd":"\(dir)"}
            ]}
            """)
            let start = try d.cli(["start", eco, "--settle", "0"])
            #expect(start.status == 0, "\(start.stderr)")
            // From the command line: a script that prints its arguments, then stays (the CLI has
            // no autorestart option); "$@" hands them over as they are.
            let cli = try d.cli(["start", "/bin/sh", "--name", "cli-args", "--settle", "0", "--", "-c", #"printf "%s\n" "$@"; exec sleep 100000"#, "sh",
                                 "$(touch \(dir)/m12)", ";", "touch", "\(dir)/m13"])
            #expect(cli.status == 0, "\(cli.stderr)")
            let apps = try await d.waitFor("every printer to print") { apps in
                apps.allSatisfy { app in
                    app.name == "cli-args" ? ((try? String(contentsOfFile: app.instances[0].outLog, encoding: .utf8))?.hasSuffix("m13\n") == true)
                        : app.instances[0].state == .stopped
                }
            }
            func out(_ name: String) -> String {
                apps.first { $0.name == name }.flatMap { try? String(contentsOfFile: $0.instances[0].outLog, encoding: .utf8) } ?? ""
            }
            #expect(out("array-args") == hostile.map { $0 + "\n" }.joined())
            #expect(out("string-args") == "$(touch \(dir)/m7)\n`touch \(dir)/m8`\n;\ntouch\n\(dir)/m9\n")
            #expect(out("$(touch m10)") == "x\n")
            #expect(out("env") == "$(touch \(dir)/m11)\n")
            #expect(out("cli-args") == "$(touch \(dir)/m12)\n;\ntouch\n\(dir)/m13\n")
            let markers = (1...13).map { "m\($0)" }.filter { FileManager.default.fileExists(atPath: dir + "/" + $0) }
            #expect(markers.isEmpty, "a shell ran: \(markers)")
            #expect(FileManager.default.fileExists(atPath: dir + "/keep"))
        }
    }

    /// A secret in `env` is not printed by `list` or `describe`. `jlist`, `describe --json`,
    /// `start --json` and `GET /v1/apps` print the spec with its environment today (known issue).
    @Test func environmentValuesAreNotPrinted() async throws {
        try await withTestDaemon { d in
            let secret = "hunter2-\(UInt32.random(in: 0...UInt32.max))"
            let eco = try d.write("eco.json", """
            {"apps":[{"name":"sec","script":"/bin/sleep","args":["100000"],"env":{"API_TOKEN":"\(secret)"}}]}
            """)
            let start = try d.cli(["start", eco, "--json"])
            #expect(start.status == 0)
            var printed: [String: Bool] = ["start --json": start.stdout.contains(secret)]
            for args in [["list"], ["describe", "sec"], ["jlist"], ["describe", "sec", "--json"], ["list", "--json"]] {
                let run = try d.cli(args)
                #expect(run.status == 0, "\(args): \(run.stderr)")
                printed[args.joined(separator: " ")] = run.stdout.contains(secret) || run.stderr.contains(secret)
            }
            let api = try TestDaemon.run("/usr/bin/curl", ["-s", "--unix-socket", d.socketPath, "http://localhost/v1/apps"])
            printed["GET /v1/apps"] = api.stdout.contains(secret)
            #expect(printed["list"] == false)
            #expect(printed["describe sec"] == false)
            #expect(try d.cli(["describe", "sec"]).stdout.contains("API_TOKEN"), "describe names the variable")
            let leaking = printed.filter(\.value).keys.sorted()
            #expect(leaking.isEmpty, "printed by: \(leaking)")
            ReliabilityFigures.record("env-secrets", ["printedBy": leaking.joined(separator: ", ")])
        }
    }

    static func mode(_ path: String) -> Int? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Int(st.st_mode & 0o7777)
    }
}

/// `swiftpm2d` started by the test in the foreground (not by the CLI), through `sh -c` so that
/// limits can be set first, optionally as another user. Always reaped.
struct ForegroundDaemon {
    let pid: pid_t

    init(home: String, bin: String, shellPrefix: String = "", asUser user: TestUser? = nil) throws {
        var env = ProcessInfo.processInfo.environment
        env["SWIFTPM2_HOME"] = home
        env["NOTIFY_SOCKET"] = nil
        let shell = ["/bin/sh", "-c", shellPrefix + "exec \"$0\"", bin + "/swiftpm2d"]
        let argv = user.map { ["/usr/bin/setpriv", "--reuid=\($0.uid)", "--regid=\($0.gid)", "--clear-groups"] + shell } ?? shell
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, home + "/foreground.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid = pid_t()
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        self.pid = pid
    }

    /// SIGTERM (the daemon stops its apps and exits), SIGKILL after 10 s, and wait for it:
    /// it is our child.
    func reap() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                return
            }
            usleep(10_000)
        }
    }
}

/// A system user for the tests that need a second uid (created once, as root).
struct TestUser: Sendable {
    static let name = "swiftpm2-test"
    let uid: uid_t
    let gid: gid_t

    static func ensure() throws -> TestUser {
        if let pw = getpwnam(name) { return TestUser(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid) }
        let add = try TestDaemon.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/nonexistent",
                                                           "--shell", "/usr/sbin/nologin", name])
        guard let pw = getpwnam(name) else {
            Issue.record("useradd \(name) failed: \(add.stderr)")
            throw POSIXError(.EPERM)
        }
        return TestUser(uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    /// argv prefix that runs a program as this user.
    var setpriv: [String] { ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] }
}
