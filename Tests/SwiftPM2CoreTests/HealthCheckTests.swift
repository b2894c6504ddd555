import FoundationEssentials
import Testing
@testable import SwiftPM2Core

/// `health`: reading it from an ecosystem file, its cross-key rules, ports and targets, its
/// API form, and the ``HealthTracker`` state machine (with an injected clock).
@Suite struct HealthCheckTests {
    // MARK: - Reading

    @Test func httpWithEverySubKey() throws {
        let check = try health(#"{"http": "/healthz", "status": 200, "port": 9100, "interval": "5s", "timeout": "1s", "failures": 3, "start_period": "30s"}"#)
        #expect(check == HealthCheck(kind: .http(path: "/healthz", expectedStatus: 200), port: 9100, intervalMs: 5000,
                                     timeoutMs: 1000, failures: 3, startPeriodMs: 30_000))
    }

    @Test func defaults() throws {
        let check = try health(#"{"http": "/healthz"}"#)
        #expect(check.kind == .http(path: "/healthz", expectedStatus: 200))
        #expect(check.port == nil)
        #expect(check.intervalMs == 5000)
        #expect(check.timeoutMs == 2000)
        #expect(check.failures == 3)
        #expect(check.startPeriodMs == nil)
    }

    @Test func httpPathsKeepTheirQueryAndStatusMayBeAString() throws {
        #expect(try health(#"{"http": "/health?full=1&x=%20", "status": "204"}"#).kind == .http(path: "/health?full=1&x=%20", expectedStatus: 204))
    }

    @Test func tcp() throws {
        #expect(try health(#"{"tcp": true, "port": 9100}"#) == HealthCheck(kind: .tcp, port: 9100))
        #expect(try health(#"{"tcp": "true", "port": "9100"}"#) == HealthCheck(kind: .tcp, port: 9100))
    }

    @Test func commandAsAnArrayOrOneStringSplitLikeArgs() throws {
        #expect(try health(#"{"command": ["/bin/check", "x", 3]}"#).kind == .command(["/bin/check", "x", "3"]))
        #expect(try health(#"{"command": "/usr/local/bin/check --flag 'a b' $HOME"}"#).kind
            == .command(["/usr/local/bin/check", "--flag", "a b", "$HOME"]))
    }

    @Test(arguments: [
        (#"1500"#, 1500), (#""500ms""#, 500), (#""1.5s""#, 1500), (#""2m""#, 120_000), (#""100""#, 100),
    ])
    func intervalsUseTheDurationFormat(text: String, ms: Int) throws {
        #expect(try health(#"{"tcp": true, "port": 1, "interval": \#(text)}"#).intervalMs == ms)
    }

    @Test func startPeriodZeroIsNone() throws {
        #expect(try health(#"{"tcp": true, "port": 1, "start_period": 0}"#).startPeriodMs == nil)
        #expect(try health(#"{"tcp": true, "port": 1, "start_period": "10s"}"#).startPeriodMs == 10_000)
    }

    @Test(arguments: [
        // (health, sub-key, at the key, message, hint)
        (#""/healthz""#, nil, false, #"expected an object with one of `http`, `tcp` or `command`, got "/healthz""#, HealthCheck.shapeHint),
        (#"{}"#, nil, false, "`health` needs one of `http`, `tcp` or `command`", HealthCheck.shapeHint),
        (#"{"port": 9100, "interval": "1s"}"#, nil, false, "`health` needs one of `http`, `tcp` or `command`", HealthCheck.shapeHint),
        (#"{"http": "/a", "tcp": true}"#, "tcp", true, "`health` has both `http` and `tcp`; a check is one of them", "keep one (a `command` can run several checks)"),
        (#"{"command": ["/c"], "http": "/a"}"#, "http", true, "`health` has both `command` and `http`; a check is one of them", "keep one (a `command` can run several checks)"),
        (#"{"http": "/a", "intervall": "5s"}"#, "intervall", true, "unknown `health` key `intervall`", "did you mean `interval`?"),
        (#"{"http": "/a", "startPeriod": "5s"}"#, "startPeriod", true, "unknown `health` key `startPeriod`", "did you mean `start_period`?"),
        (#"{"path": "/a"}"#, "path", true, "unknown `health` key `path`", "did you mean `http`?"),
        (#"{"http": "/a", "retries": 3}"#, "retries", true, "unknown `health` key `retries`", "did you mean `failures`?"),
        (#"{"http": "/a", "zzz": 1}"#, "zzz", true, "unknown `health` key `zzz`", "`health` keys are http, status, tcp, command, port, interval, timeout, failures, start_period"),
        (#"{"http": "healthz"}"#, "http", false, #"expected a path starting with / (like "/healthz"), got "healthz""#, nil),
        (#"{"http": "http://127.0.0.1:9100/healthz"}"#, "http", false, #"expected a path like "/healthz", got a URL"#, "give only the path: the check connects to 127.0.0.1 on `health.port` (or the app's port)"),
        (#"{"http": "/a b"}"#, "http", false, #"expected a path of printable ASCII without spaces or # (percent-encode the rest), got "/a b""#, nil),
        (#"{"http": ""}"#, "http", false, "must not be empty", nil),
        (#"{"http": 5}"#, "http", false, "expected a string, got 5", nil),
        (#"{"http": "/a", "status": 700}"#, "status", false, "expected an HTTP status 100...599, got 700", nil),
        (#"{"tcp": true, "status": 200}"#, "status", true, "`status` applies to `http` checks only", "remove it"),
        (#"{"tcp": false}"#, "tcp", false, "`tcp: false` checks nothing", "write \"tcp\": true, or use `http` or `command`"),
        (#"{"tcp": 1}"#, "tcp", false, "expected true or false, got 1", nil),
        (#"{"command": []}"#, "command", false, "the command is empty", #"e.g. ["/usr/local/bin/check", "--quick"]"#),
        (#"{"command": "  "}"#, "command", false, "the command is empty", #"e.g. ["/usr/local/bin/check", "--quick"]"#),
        (#"{"command": [""]}"#, "command", false, "the command's executable is an empty string", nil),
        (#"{"command": "/c 'x"}"#, "command", false, "unterminated single quote (opened at character 4)", "close it with '"),
        (#"{"command": {"a": 1}}"#, "command", false, "expected an array of strings, or one string, got an object", nil),
        (#"{"http": "/a", "port": 0}"#, "port", false, "expected a port 1...65535, got 0", nil),
        (#"{"http": "/a", "port": 70000}"#, "port", false, "expected a port 1...65535, got 70000", nil),
        (#"{"http": "/a", "interval": "10ms"}"#, "interval", false, #"expected a duration of at least 100ms, got "10ms""#, nil),
        (#"{"http": "/a", "interval": "soon"}"#, "interval", false, #"expected \#(ValueFormats.durationWhat), got "soon""#, nil),
        (#"{"http": "/a", "timeout": 0}"#, "timeout", false, "expected a duration of at least 1ms, got 0", nil),
        (#"{"http": "/a", "failures": 0}"#, "failures", false, "expected a number of failures in a row 1...100, got 0", nil),
        (#"{"http": "/a", "start_period": -1}"#, "start_period", false, "expected a duration ≥ 0, got -1", nil),
    ] as [(String, String?, Bool, String, String?)])
    func problemsNameTheSubKey(text: String, key: String?, atKey: Bool, message: String, hint: String?) throws {
        let problem = try #require(parseProblem(text))
        #expect(problem.key == key)
        #expect(problem.atKey == atKey)
        #expect(problem.problem.message == message)
        #expect(problem.problem.hint == hint)
    }

    @Test func unknownKeysAreReportedBeforeValuesInDocumentOrder() throws {
        let problem = try #require(parseProblem(#"{"interval": "soon", "tcp": true, "b": 1, "a": 2}"#))
        #expect(problem.key == "b")
    }

    @Test func theFlatFormLeadsWithTheSubKey() {
        #expect(flatProblem(#"{"http": "/a", "failures": "x"}"#)
            == ValueProblem("`failures`: expected a number of failures in a row 1...100, got \"x\""))
        #expect(flatProblem(#"{"http": "/a", "intervall": 1}"#)
            == ValueProblem("unknown `health` key `intervall`", hint: "did you mean `interval`?"))
        #expect(flatProblem("{}") == ValueProblem("`health` needs one of `http`, `tcp` or `command`", hint: HealthCheck.shapeHint))
    }

    // MARK: - Rules across keys

    @Test func theAppsPortServesOneInstanceOnly() {
        let http = HealthCheck(kind: .http(path: "/healthz", expectedStatus: 200))
        #expect(http.problems(instances: .count(1), execMode: .fork, appPort: 3000).isEmpty)
        #expect(http.problems(instances: .count(1), execMode: .cluster, appPort: 3000).isEmpty)
        for instances in [InstanceCount.count(4), .max, .allBut(1)] {
            let problems = http.problems(instances: instances, execMode: .cluster, appPort: 3000)
            #expect(problems == [ValueProblem(
                "without `health.port`, GET /healthz would go to the app's port 3000, which all its instances share, so a check could not reach one instance",
                hint: HealthCheck.portHint)])
        }
        #expect(http.problems(instances: .count(2), execMode: .fork, appPort: 3000).count == 1)
    }

    @Test func aCheckWithoutAnyPortIsRefused() {
        for kind in [HealthCheck.Kind.http(path: "/h", expectedStatus: 200), .tcp] {
            let problems = HealthCheck(kind: kind).problems(instances: .count(1), execMode: .fork, appPort: nil)
            #expect(problems.count == 1)
            #expect(problems.first?.message.contains("check needs a port, and the app has none") == true)
            #expect(problems.first?.hint == HealthCheck.portHint)
        }
    }

    @Test func tcpOnTheDaemonsSocketIsRefusedInClusterMode() {
        let tcp = HealthCheck(kind: .tcp)
        #expect(tcp.problems(instances: .count(1), execMode: .fork, appPort: 3000).isEmpty)
        #expect(tcp.problems(instances: .count(1), execMode: .cluster, appPort: 3000) == [ValueProblem(
            "a `tcp` check on the app's port 3000 always passes in cluster mode: the daemon holds that socket and the kernel accepts for it",
            hint: "set `health.port`, or use an `http` check")])
        #expect(HealthCheck(kind: .tcp, port: 9100).problems(instances: .count(4), execMode: .cluster, appPort: 3000).isEmpty)
    }

    @Test func commandsNeedNoPort() {
        let command = HealthCheck(kind: .command(["/bin/check"]))
        #expect(command.problems(instances: .max, execMode: .cluster, appPort: nil).isEmpty)
        #expect(command.problems(instances: .count(8), execMode: .fork, appPort: 3000).isEmpty)
    }

    @Test func healthPortsStayBelow65536AndApartFromTheAppsPort() {
        let high = HealthCheck(kind: .tcp, port: 65534)
        #expect(high.problems(instances: .count(2), execMode: .cluster, appPort: nil).isEmpty)
        #expect(high.problems(instances: .count(4), execMode: .cluster, appPort: nil) == [ValueProblem(
            "`health.port` 65534 with 4 instances runs past port 65535 (65534...65537)", hint: "choose a lower `health.port`")])
        let overlapping = HealthCheck(kind: .tcp, port: 2999)
        #expect(overlapping.problems(instances: .count(4), execMode: .cluster, appPort: 3000).map(\.message)
            == ["the health ports 2999...3002 include the app's own port 3000"])
        #expect(HealthCheck(kind: .tcp, port: 3000).problems(instances: .count(1), execMode: .fork, appPort: 3000).map(\.message)
            == ["the health port 3000 includes the app's own port 3000"])
        #expect(overlapping.problems(instances: .count(4), execMode: .cluster, appPort: 3003).isEmpty)
        // "max" is checked as one instance: the core count is not known when validating.
        #expect(HealthCheck(kind: .tcp, port: 65535).problems(instances: .max, execMode: .cluster, appPort: nil).isEmpty)
    }

    @Test func warningsForSettingsWithoutEffect() {
        let withGrace = HealthCheck(kind: .http(path: "/h", expectedStatus: 200), port: 9100, startPeriodMs: 5000)
        #expect(withGrace.warnings(waitReady: true, execMode: .fork).map(\.key) == ["start_period"])
        #expect(withGrace.warnings(waitReady: false, execMode: .cluster).isEmpty)
        let onAppPort = HealthCheck(kind: .http(path: "/h", expectedStatus: 200))
        #expect(onAppPort.warnings(waitReady: false, execMode: .cluster).map(\.key) == ["port"])
        #expect(onAppPort.warnings(waitReady: false, execMode: .cluster).first?.text.hasPrefix("not set: in cluster mode a reload replacement shares") == true)
        #expect(onAppPort.warnings(waitReady: false, execMode: .fork).isEmpty)
        #expect(HealthCheck(kind: .command(["/c"])).warnings(waitReady: false, execMode: .cluster).isEmpty)
    }

    @Test func commandsResolveLikeScripts() throws {
        let probe = HealthFakeProbe(executables: ["/srv/app/bin/check", "/usr/bin/check", "/opt/check"], onPath: ["check": "/usr/bin/check"])
        func resolve(_ argv: [String]) throws(ValueProblem) -> [String] {
            let resolved = try HealthCheck(kind: .command(argv)).resolvingCommand(cwd: "/srv/app", probe: probe)
            guard case .command(let out) = resolved.kind else { return [] }
            return out
        }
        #expect(try resolve(["/opt/check", "-q"]) == ["/opt/check", "-q"])
        #expect(try resolve(["./bin/check"]) == ["/srv/app/bin/check"])
        #expect(try resolve(["bin/../bin/check"]) == ["/srv/app/bin/check"])
        #expect(try resolve(["check", "x"]) == ["/usr/bin/check", "x"])
        #expect(throws: ValueProblem("health command `nothere` not found in $PATH", hint: "install it, or give its absolute path")) {
            try resolve(["nothere"])
        }
        #expect(throws: ValueProblem("cannot run health command /srv/app/missing: No such file or directory (ENOENT)", hint: "relative paths start from cwd (/srv/app)")) {
            try resolve(["./missing"])
        }
        #expect(throws: ValueProblem("cannot run health command /etc/passwd: No such file or directory (ENOENT)")) {
            try resolve(["/etc/passwd"])
        }
        let http = HealthCheck(kind: .http(path: "/h", expectedStatus: 200))
        #expect(try http.resolvingCommand(cwd: "/", probe: probe) == http)
    }

    // MARK: - Ports and targets

    @Test func eachInstanceGetsBasePlusItsNumber() {
        let check = HealthCheck(kind: .tcp, port: 9100)
        #expect((0..<4).map { check.assignPort(index: $0, instances: 4, taken: []) } == [9100, 9101, 9102, 9103])
        #expect(HealthCheck(kind: .tcp).assignPort(index: 0, instances: 1, taken: []) == nil)
    }

    @Test func aReplacementGetsTheLowestSparePortAboveTheRange() {
        let check = HealthCheck(kind: .tcp, port: 9100)
        // Instance 2 is being replaced while its process holds 9102.
        #expect(check.assignPort(index: 2, instances: 4, taken: [9100, 9101, 9102, 9103]) == 9104)
        #expect(check.assignPort(index: 1, instances: 4, taken: [9100, 9101, 9102, 9103, 9104]) == 9105)
        // The next replacement of that slot gets 9102 back once it is free.
        #expect(check.assignPort(index: 2, instances: 4, taken: [9100, 9101, 9103, 9104]) == 9102)
    }

    @Test func aScaleUpAfterAReloadDoesNotCollide() {
        let check = HealthCheck(kind: .tcp, port: 9100)
        // Two instances; a reload left instance 0 on the spare 9102. Scaling to 3:
        #expect(check.assignPort(index: 2, instances: 3, taken: [9102, 9101]) == 9103)
    }

    @Test func portsPast65535AreNotAssigned() {
        let check = HealthCheck(kind: .tcp, port: 65534)
        #expect(check.assignPort(index: 1, instances: 2, taken: []) == 65535)
        #expect(check.assignPort(index: 1, instances: 2, taken: [65535]) == nil)
        #expect(check.assignPort(index: 2, instances: 3, taken: []) == nil)
    }

    @Test func theInstanceIsToldItsPort() {
        let check = HealthCheck(kind: .tcp, port: 9100)
        #expect(check.environment(assignedPort: 9102) == ["SWIFTPM2_HEALTH_PORT": "9102"])
        #expect(check.environment(assignedPort: nil) == [:])
    }

    @Test func targets() {
        var spec = AppSpec(name: "web", script: "/bin/web", cwd: "/")
        let check = HealthCheck(kind: .http(path: "/h", expectedStatus: 200))
        #expect(check.target(assignedPort: 9102, spec: spec) == HealthTarget(host: "127.0.0.1", port: 9102))
        #expect(check.target(assignedPort: nil, spec: spec) == nil)
        spec.listen = ["unix:/run/web.sock", "tcp://0.0.0.0:3000", "tcp://127.0.0.1:4000"]
        #expect(check.target(assignedPort: nil, spec: spec) == HealthTarget(host: "127.0.0.1", port: 3000))
        spec.listen = ["tcp://[::]:3000"]
        #expect(HealthCheck.appTarget(of: spec)?.description == "[::1]:3000")
        spec.listen = ["tcp://[::1]:3001"]
        #expect(HealthCheck.appTarget(of: spec) == HealthTarget(host: "::1", port: 3001))
        spec.listen = ["tcp://10.1.2.3:3000"]
        #expect(HealthCheck.appTarget(of: spec)?.description == "10.1.2.3:3000")
        spec.env["PORT"] = "8080"  // PORT from env wins, as for the instance's own environment
        #expect(HealthCheck.appTarget(of: spec) == HealthTarget(host: "127.0.0.1", port: 8080))
        spec.env["PORT"] = "eighty"
        #expect(HealthCheck.appTarget(of: spec) == nil)
    }

    @Test func summaries() {
        #expect(HealthCheck(kind: .http(path: "/healthz", expectedStatus: 200)).summary == "GET /healthz")
        #expect(HealthCheck(kind: .tcp).summary == "TCP connect")
        #expect(HealthCheck(kind: .command(["/bin/check", "x"])).summary == "command /bin/check")
        #expect(HealthCheck(kind: .tcp).needsPort)
        #expect(!HealthCheck(kind: .command(["/c"])).needsPort)
    }

    // MARK: - API form

    @Test func codableRoundTripsEveryKind() throws {
        let checks = [
            HealthCheck(kind: .http(path: "/healthz", expectedStatus: 204), port: 9100, intervalMs: 1000, timeoutMs: 500, failures: 2, startPeriodMs: 3000),
            HealthCheck(kind: .tcp, port: 9100),
            HealthCheck(kind: .command(["/bin/check", "x"])),
        ]
        for check in checks {
            let data = try JSONEncoder().encode(check)
            #expect(try JSONDecoder().decode(HealthCheck.self, from: data) == check)
        }
    }

    @Test func encodedLikeTheEcosystemFileInMilliseconds() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let check = HealthCheck(kind: .http(path: "/healthz", expectedStatus: 200), port: 9100)
        #expect(String(decoding: try encoder.encode(check), as: UTF8.self)
            == #"{"failures":3,"http":"\/healthz","intervalMs":5000,"port":9100,"status":200,"timeoutMs":2000}"#)
        #expect(String(decoding: try encoder.encode(HealthCheck(kind: .command(["/c"]))), as: UTF8.self)
            == #"{"command":["\/c"],"failures":3,"intervalMs":5000,"timeoutMs":2000}"#)
    }

    @Test func decodingFillsDefaultsAndRefusesTwoKinds() throws {
        let decoded = try JSONDecoder().decode(HealthCheck.self, from: Data(#"{"tcp": true}"#.utf8))
        #expect(decoded == HealthCheck(kind: .tcp))
        #expect(try JSONDecoder().decode(HealthCheck.self, from: Data(#"{"http": "/h"}"#.utf8)).kind == .http(path: "/h", expectedStatus: 200))
        for bad in [#"{"tcp": true, "http": "/h"}"#, #"{}"#, #"{"command": []}"#, #"{"tcp": false}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(HealthCheck.self, from: Data(bad.utf8)) }
        }
    }

    // MARK: - Tracker without wait_ready

    @Test func threeFailuresInARowRecycleOnce() {
        var t = tracker()
        t.started(at: .zero)
        #expect(t.nextCheckDelay == .seconds(5))
        #expect(t.result(ok: false, at: .seconds(5), detail: "GET /healthz answered 500") == .none)
        #expect(t.consecutiveFailures == 1)
        #expect(t.result(ok: false, at: .seconds(10), detail: "GET /healthz answered 500") == .none)
        #expect(t.result(ok: false, at: .seconds(15), detail: "GET /healthz answered 500")
            == .recycle(reason: "health: GET /healthz answered 500 (3 failures in a row)"))
        #expect(t.phase == .recycling)
        #expect(t.nextCheckDelay == nil)
        #expect(t.result(ok: false, at: .seconds(20), detail: "GET /healthz answered 500") == .none)
        #expect(t.result(ok: true, at: .seconds(25), detail: "GET /healthz answered 200") == .none)
        #expect(t.phase == .recycling)
    }

    @Test func aPassResetsTheCount() {
        var t = tracker()
        t.started(at: .zero)
        let pattern = [false, false, true, false, false, true, false, false]
        for (i, ok) in pattern.enumerated() {
            #expect(t.result(ok: ok, at: .seconds(5 * (i + 1)), detail: ok ? "ok" : "bad") == .none)
        }
        #expect(t.consecutiveFailures == 2)
        #expect(t.result(ok: false, at: .seconds(50), detail: "TCP connect to 127.0.0.1:9100: connection refused (ECONNREFUSED)")
            == .recycle(reason: "health: TCP connect to 127.0.0.1:9100: connection refused (ECONNREFUSED) (3 failures in a row)"))
    }

    @Test func oneFailureAllowedSaysNoCount() {
        var t = tracker(failures: 1)
        t.started(at: .zero)
        #expect(t.result(ok: false, at: .seconds(5), detail: "command /bin/check exited 1") == .recycle(reason: "health: command /bin/check exited 1"))
    }

    @Test func failuresInTheStartPeriodDoNotCount() {
        var t = tracker(failures: 1, startPeriod: .seconds(30))
        t.started(at: .seconds(100))
        for s in [105, 110, 129] {
            #expect(t.result(ok: false, at: .seconds(s), detail: "refused") == .none)
        }
        #expect(t.consecutiveFailures == 0)
        #expect(t.phase == .starting(since: .seconds(100)))
        #expect(t.result(ok: false, at: .seconds(130), detail: "refused") == .recycle(reason: "health: refused"))
    }

    @Test func aPassEndsTheStartPeriodEarly() {
        var t = tracker(failures: 1, startPeriod: .seconds(30))
        t.started(at: .zero)
        #expect(t.result(ok: true, at: .seconds(5), detail: "ok") == .none)  // no `.ready`: it is online already
        #expect(t.phase == .running)
        #expect(t.result(ok: false, at: .seconds(10), detail: "bad") == .recycle(reason: "health: bad"))
    }

    @Test func readyEndsTheStartPeriodEarly() {
        var t = tracker(failures: 1, startPeriod: .seconds(30))
        t.started(at: .zero)
        t.becameReady()
        #expect(t.phase == .running)
        #expect(t.result(ok: false, at: .seconds(5), detail: "bad") == .recycle(reason: "health: bad"))
    }

    @Test func withoutWaitReadyThereIsNoReadinessDecision() {
        var t = tracker()
        t.started(at: .zero)
        #expect(t.readinessDeadline == nil)
        #expect(t.readinessTimedOut() == .none)
        #expect(t.phase == .starting(since: .zero))
    }

    // MARK: - Tracker with wait_ready

    @Test func theFirstPassMakesItReady() {
        var t = tracker(waitReady: true)
        t.started(at: .zero)
        #expect(t.nextCheckDelay == .milliseconds(250))
        #expect(t.readinessDeadline == .seconds(3))
        #expect(t.result(ok: false, at: .milliseconds(250), detail: "refused") == .none)
        #expect(t.result(ok: false, at: .milliseconds(500), detail: "refused") == .none)
        #expect(t.result(ok: true, at: .milliseconds(750), detail: "GET /healthz answered 200") == .ready)
        #expect(t.phase == .running)
        #expect(t.consecutiveFailures == 0)
        #expect(t.nextCheckDelay == .seconds(5))
        #expect(t.readinessDeadline == nil)
        #expect(t.result(ok: true, at: .seconds(6), detail: "ok") == .none)  // `.ready` once
    }

    @Test func failuresWhileLaunchingNeverRecycle() {
        var t = tracker(failures: 1, waitReady: true, listenTimeout: .seconds(10))
        t.started(at: .zero)
        for ms in stride(from: 250, to: 10_000, by: 250) {
            #expect(t.result(ok: false, at: .milliseconds(ms), detail: "refused") == .none)
        }
        #expect(t.consecutiveFailures == 0)
    }

    @Test func noPassWithinListenTimeoutIsNotReady() {
        var t = tracker(waitReady: true)
        t.started(at: .seconds(10))
        #expect(t.result(ok: false, at: .milliseconds(12_900), detail: "GET /healthz answered 503") == .none)
        #expect(t.result(ok: false, at: .seconds(13), detail: "GET /healthz answered 503")
            == .notReady(reason: "health: no passing check within listen_timeout 3s (last: GET /healthz answered 503)"))
        #expect(t.phase == .failed)
        #expect(t.nextCheckDelay == nil)
        #expect(t.result(ok: true, at: .seconds(14), detail: "ok") == .none)
        #expect(t.readinessTimedOut() == .none)
    }

    @Test func theSupervisorsTimerGivesNotReadyToo() {
        var t = tracker(waitReady: true, listenTimeout: .milliseconds(1500))
        t.started(at: .zero)
        #expect(t.readinessTimedOut() == .notReady(reason: "health: no passing check within listen_timeout 1.5s (no check finished)"))
        var ready = tracker(waitReady: true)
        ready.started(at: .zero)
        #expect(ready.result(ok: true, at: .milliseconds(250), detail: "ok") == .ready)
        #expect(ready.readinessTimedOut() == .none)
    }

    @Test func aLatePassStillCountsUntilTheTimeoutIsDecided() {
        var t = tracker(waitReady: true)
        t.started(at: .zero)
        #expect(t.result(ok: true, at: .seconds(4), detail: "ok") == .ready)
    }

    @Test func readyOneIsNotEnoughWithWaitReady() {
        var t = tracker(waitReady: true)
        t.started(at: .zero)
        t.becameReady()
        #expect(t.phase == .starting(since: .zero))
        #expect(t.result(ok: true, at: .milliseconds(250), detail: "ok") == .ready)
    }

    // MARK: - Tracker lifecycle

    @Test func anAbandonedRecycleCountsFromZero() {
        var t = tracker(failures: 2)
        t.started(at: .zero)
        _ = t.result(ok: false, at: .seconds(5), detail: "bad")
        #expect(t.result(ok: false, at: .seconds(10), detail: "bad") == .recycle(reason: "health: bad (2 failures in a row)"))
        t.recycleAbandoned()
        #expect(t.phase == .running)
        #expect(t.consecutiveFailures == 0)
        #expect(t.result(ok: false, at: .seconds(15), detail: "bad") == .none)
        #expect(t.result(ok: false, at: .seconds(20), detail: "bad") == .recycle(reason: "health: bad (2 failures in a row)"))
    }

    @Test func aNewProcessStartsOver() {
        var t = tracker(failures: 1, waitReady: true)
        t.started(at: .zero)
        #expect(t.result(ok: true, at: .seconds(1), detail: "ok") == .ready)
        #expect(t.result(ok: false, at: .seconds(6), detail: "bad") == .recycle(reason: "health: bad"))
        t.started(at: .seconds(7))
        #expect(t.phase == .starting(since: .seconds(7)))
        #expect(t.lastDetail == nil)
        #expect(t.lastPassed == nil)
        #expect(t.result(ok: true, at: .milliseconds(7250), detail: "ok") == .ready)
        t.recycleAbandoned()  // nothing to abandon
        #expect(t.phase == .running)
    }

    @Test func stoppedAndUnstartedTrackersIgnoreResults() {
        var t = tracker(failures: 1)
        #expect(t.phase == .idle)
        #expect(t.nextCheckDelay == nil)
        #expect(t.result(ok: false, at: .seconds(1), detail: "bad") == .none)
        t.started(at: .seconds(2))
        t.stopped()
        #expect(t.result(ok: false, at: .seconds(9), detail: "bad") == .none)
        #expect(t.nextCheckDelay == nil)
        #expect(t.lastDetail == "bad")
        #expect(t.lastPassed == false)
    }

    @Test func resultsMayComeAsHealthResults() {
        var t = tracker(failures: 1)
        t.started(at: .zero)
        #expect(t.result(HealthResult(ok: false, detail: "GET / answered 500", durationMs: 3), at: .seconds(5))
            == .recycle(reason: "health: GET / answered 500"))
    }

    @Test func settingsFromTheApp() {
        let check = HealthCheck(kind: .tcp, port: 9100, intervalMs: 2000, failures: 4, startPeriodMs: 10_000)
        let s = HealthTracker.Settings(check: check, waitReady: true, listenTimeoutMs: 8000)
        #expect(s == HealthTracker.Settings(interval: .seconds(2), failures: 4, startPeriod: .seconds(10), gatesReadiness: true, listenTimeout: .seconds(8)))
        #expect(s.startupInterval == .milliseconds(250))
        #expect(HealthTracker.Settings(interval: .milliseconds(100)).startupInterval == .milliseconds(100))
        #expect(HealthTracker.Settings(check: HealthCheck(kind: .tcp), waitReady: false, listenTimeoutMs: 3000).startPeriod == .zero)
    }
}

// MARK: - Helpers

/// The test's JSON text as a value (the texts are fixed, so a parse error is a broken test).
private func value(_ json: String) -> EcosystemValue {
    try! JSONReader.parse(Array(json.utf8), source: "test").0
}

private func health(_ json: String) throws -> HealthCheck {
    try HealthCheck.ecosystemValue(value(json))
}

private func parseProblem(_ json: String) -> HealthKeyProblem? {
    do throws(HealthKeyProblem) {
        _ = try HealthCheck.parse(value(json))
        return nil
    } catch {
        return error
    }
}

private func flatProblem(_ json: String) -> ValueProblem? {
    do throws(ValueProblem) {
        _ = try HealthCheck.ecosystemValue(value(json))
        return nil
    } catch {
        return error
    }
}

private func tracker(failures: Int = 3, startPeriod: Duration = .zero, waitReady: Bool = false,
                     listenTimeout: Duration = .seconds(3)) -> HealthTracker {
    HealthTracker(settings: .init(interval: .seconds(5), failures: failures, startPeriod: startPeriod,
                                  gatesReadiness: waitReady, listenTimeout: listenTimeout))
}

/// A file system of executables and `$PATH` entries, for ``HealthCheck/resolvingCommand(cwd:probe:)``.
private struct HealthFakeProbe: ExecutableProbe {
    var executables: Set<String>
    var onPath: [String: String]

    func checkExecutable(_ path: String) -> String? {
        executables.contains(path) ? nil : "No such file or directory (ENOENT)"
    }
    func checkReadable(_ path: String) -> String? { checkExecutable(path) }
    func checkDirectory(_ path: String) -> String? { "Not a directory (ENOTDIR)" }
    func which(_ name: String) -> String? { onPath[name] }
}
