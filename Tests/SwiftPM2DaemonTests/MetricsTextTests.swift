import FoundationEssentials
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Core
import Testing
@testable import SwiftPM2Daemon

/// The Prometheus text of `/metrics`: exact lines for a small snapshot, escaping, promtool's
/// verdict; then the settings, the access rules and the TCP listener (nested suites).
@Suite(.timeLimit(.minutes(1)))
struct MetricsTextTests {
    static let promtool = "/usr/bin/promtool"
    static var hasPromtool: Bool { access(promtool, X_OK) == 0 }

    @Test func rendersTheExactLinesOfASmallSnapshot() {
        let text = String(decoding: MetricsText.render(Self.sample), as: UTF8.self)
        // Line by line, so that a failure shows which lines differ.
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false) == Self.expected.split(separator: "\n", omittingEmptySubsequences: false))
    }

    @Test func theSameSnapshotGivesTheSameBytes() {
        // The registry emits in hash order; rendering reorders, so bytes must not vary.
        let first = MetricsText.render(Self.sample)
        for _ in 0..<5 { #expect(MetricsText.render(Self.sample) == first) }
    }

    @Test func labelValuesAreEscaped() {
        let snapshot = MetricsSnapshot(apps: [Self.app(#"a "b" \c"# + "\nd", namespace: #"n\"#, [Self.instance(0, .stopped)])],
                                       daemon: DaemonFigures(pid: 1, version: #"1.0 "x""#))
        let lines = String(decoding: MetricsText.render(snapshot), as: UTF8.self).split(separator: "\n")
        #expect(lines.contains(#"swiftpm2_app_instances{app="a \"b\" \\c\nd",namespace="n\\"} 1.0"#))
        #expect(lines.contains(#"swiftpm2_instance_up{app="a \"b\" \\c\nd",namespace="n\\",instance="0"} 0.0"#))
        #expect(lines.contains(#"swiftpm2_daemon_info{version="1.0 \"x\""} 1.0"#))
    }

    @Test func unknownValuesAreLeftOutNotZero() {
        let snapshot = MetricsSnapshot(apps: [Self.app("w", [Self.instance(0, .waitingRestart)])], daemon: DaemonFigures(pid: 9, version: "v"))
        let text = String(decoding: MetricsText.render(snapshot), as: UTF8.self)
        for absent in ["swiftpm2_instance_pid", "swiftpm2_instance_cpu_usage_ratio", "swiftpm2_instance_memory_rss_bytes",
                       "swiftpm2_instance_uptime_seconds", "swiftpm2_daemon_memory_rss_bytes", "swiftpm2_daemon_open_fds",
                       "swiftpm2_daemon_cpu_seconds_total", "swiftpm2_daemon_uptime_seconds"] {
            #expect(!text.contains(absent), "\(absent) should be left out")
        }
        #expect(text.contains(#"swiftpm2_instance_state{app="w",namespace="default",instance="0",state="waiting-restart"} 1.0"#))
    }

    @Test func noAppsGivesOnlyTheDaemon() {
        let text = String(decoding: MetricsText.render(MetricsSnapshot(apps: [], daemon: Self.sample.daemon)), as: UTF8.self)
        #expect(text.hasPrefix("# HELP swiftpm2_daemon_info "))
        #expect(!text.contains("swiftpm2_app_") && !text.contains("swiftpm2_instance_"))
    }

    @Test func familyNamesFollowPrometheusConventions() {
        #expect(MetricFamily.allCases.map(\.name) == [
            "swiftpm2_daemon_info", "swiftpm2_daemon_pid", "swiftpm2_daemon_uptime_seconds", "swiftpm2_daemon_cpu_seconds_total",
            "swiftpm2_daemon_memory_rss_bytes", "swiftpm2_daemon_open_fds", "swiftpm2_app_instances", "swiftpm2_instance_up",
            "swiftpm2_instance_state", "swiftpm2_instance_pid", "swiftpm2_instance_uptime_seconds", "swiftpm2_instance_cpu_usage_ratio",
            "swiftpm2_instance_memory_rss_bytes", "swiftpm2_instance_restarts_total", "swiftpm2_instance_unstable_restarts",
        ])
        for family in MetricFamily.allCases { #expect(family.isCounter == family.name.hasSuffix("_total")) }
    }

    @Test(.enabled(if: hasPromtool, "promtool (Debian package prometheus) checks the text"))
    func promtoolAcceptsTheText() throws {
        let weird = Self.app(#"we"ird\app"# + "\n", namespace: "ops", [Self.instance(0, .errored)])
        var snapshot = Self.sample
        snapshot.apps.append(weird)
        snapshot.daemon = DaemonFigures.current(version: "0.1.0")
        let verdict = try Self.promtoolCheck(MetricsText.render(snapshot))
        #expect(verdict == "exit 0\n", "promtool: \(verdict)")
    }

    @Test func daemonFiguresOfThisProcess() {
        let figures = DaemonFigures.current(version: "t")
        #expect(figures.pid == getpid())
        #expect((figures.rssBytes ?? 0) > 1 << 20)
        #expect((figures.openFDs ?? 0) >= 3)
        #expect((figures.cpuSecondsTotal ?? -1) >= 0)
        #expect((figures.uptimeSeconds ?? -1) >= 0 && (figures.uptimeSeconds ?? .infinity) < 3600)
    }

    // MARK: - Fixtures

    static let sample = MetricsSnapshot(
        apps: [
            app("web", [
                instance(0, .online, pid: 4321, restarts: 2, uptimeMs: 61_500, cpuPercent: 12.5, memoryBytes: 10_485_760),
                instance(1, .waitingRestart, restarts: 5, unstableRestarts: 3),
            ]),
        ],
        daemon: DaemonFigures(pid: 42, version: "0.1.0", uptimeSeconds: 3.5, rssBytes: 15_000_000, cpuSecondsTotal: 1.25, openFDs: 17))

    static let expected = """
    # HELP swiftpm2_daemon_info Always 1; the label version is the version of swiftpm2d.
    # TYPE swiftpm2_daemon_info gauge
    swiftpm2_daemon_info{version="0.1.0"} 1.0
    # HELP swiftpm2_daemon_pid Process id of swiftpm2d.
    # TYPE swiftpm2_daemon_pid gauge
    swiftpm2_daemon_pid 42.0
    # HELP swiftpm2_daemon_uptime_seconds Seconds since swiftpm2d started.
    # TYPE swiftpm2_daemon_uptime_seconds gauge
    swiftpm2_daemon_uptime_seconds 3.5
    # HELP swiftpm2_daemon_cpu_seconds_total CPU time used by swiftpm2d itself (user and system), in seconds.
    # TYPE swiftpm2_daemon_cpu_seconds_total counter
    swiftpm2_daemon_cpu_seconds_total 1.25
    # HELP swiftpm2_daemon_memory_rss_bytes Resident memory of swiftpm2d, in bytes.
    # TYPE swiftpm2_daemon_memory_rss_bytes gauge
    swiftpm2_daemon_memory_rss_bytes 15000000.0
    # HELP swiftpm2_daemon_open_fds Open file descriptors of swiftpm2d.
    # TYPE swiftpm2_daemon_open_fds gauge
    swiftpm2_daemon_open_fds 17.0
    # HELP swiftpm2_app_instances Instances of the app (its instance slots, in any state).
    # TYPE swiftpm2_app_instances gauge
    swiftpm2_app_instances{app="web",namespace="default"} 2.0
    # HELP swiftpm2_instance_up 1 when the instance is online, else 0.
    # TYPE swiftpm2_instance_up gauge
    swiftpm2_instance_up{app="web",namespace="default",instance="0"} 1.0
    swiftpm2_instance_up{app="web",namespace="default",instance="1"} 0.0
    # HELP swiftpm2_instance_state 1 for the state the instance is in, 0 for the other states.
    # TYPE swiftpm2_instance_state gauge
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="errored"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="launching"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="online"} 1.0
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="stopped"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="stopping"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="0",state="waiting-restart"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="errored"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="launching"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="online"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="stopped"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="stopping"} 0.0
    swiftpm2_instance_state{app="web",namespace="default",instance="1",state="waiting-restart"} 1.0
    # HELP swiftpm2_instance_pid Process id of the instance's current process; absent when it has none.
    # TYPE swiftpm2_instance_pid gauge
    swiftpm2_instance_pid{app="web",namespace="default",instance="0"} 4321.0
    # HELP swiftpm2_instance_uptime_seconds Seconds since the instance's current process started.
    # TYPE swiftpm2_instance_uptime_seconds gauge
    swiftpm2_instance_uptime_seconds{app="web",namespace="default",instance="0"} 61.5
    # HELP swiftpm2_instance_cpu_usage_ratio CPU used by the instance's process tree over the last sampling interval, in cores (1 = one core busy).
    # TYPE swiftpm2_instance_cpu_usage_ratio gauge
    swiftpm2_instance_cpu_usage_ratio{app="web",namespace="default",instance="0"} 0.125
    # HELP swiftpm2_instance_memory_rss_bytes Resident memory of the instance's process tree, in bytes (shared pages counted in each process).
    # TYPE swiftpm2_instance_memory_rss_bytes gauge
    swiftpm2_instance_memory_rss_bytes{app="web",namespace="default",instance="0"} 10485760.0
    # HELP swiftpm2_instance_restarts_total Restarts of the instance since its app was started: crashes and explicit restarts.
    # TYPE swiftpm2_instance_restarts_total counter
    swiftpm2_instance_restarts_total{app="web",namespace="default",instance="0"} 2
    swiftpm2_instance_restarts_total{app="web",namespace="default",instance="1"} 5
    # HELP swiftpm2_instance_unstable_restarts Consecutive unstable restarts of the instance, counted toward max_restarts.
    # TYPE swiftpm2_instance_unstable_restarts gauge
    swiftpm2_instance_unstable_restarts{app="web",namespace="default",instance="0"} 0.0
    swiftpm2_instance_unstable_restarts{app="web",namespace="default",instance="1"} 3.0

    """

    static func app(_ name: String, namespace: String = "default", _ instances: [InstanceInfo]) -> AppInfo {
        var spec = AppSpec(name: name, script: "/bin/true", cwd: "/")
        spec.namespace = namespace
        return AppInfo(id: 0, name: name, namespace: namespace, mode: .fork, spec: spec, instances: instances)
    }

    static func instance(_ index: Int, _ state: InstanceState, pid: Int32? = nil, restarts: Int = 0, unstableRestarts: Int = 0,
                         uptimeMs: Int? = nil, cpuPercent: Double? = nil, memoryBytes: UInt64? = nil) -> InstanceInfo {
        InstanceInfo(index: index, pid: pid, state: state, restarts: restarts, unstableRestarts: unstableRestarts,
                     startedAtMs: nil, uptimeMs: uptimeMs, cpuPercent: cpuPercent, memoryBytes: memoryBytes,
                     lastExit: nil, message: nil, outLog: "/dev/null", errLog: "/dev/null")
    }

    /// promtool's output for `text`, then `exit STATUS`: `exit 0\n` alone when it passes.
    ///
    /// The status comes from the shell's `echo`, not from `waitpid`: the spawner tests of this
    /// process run the daemon's reaper (`waitid(P_ALL)`), which may reap the shell first.
    static func promtoolCheck(_ text: [UInt8]) throws -> String {
        var template = Array("/tmp/spm2-metrics-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        // Close-on-exec from the start: a program another test spawns meanwhile must not
        // inherit the write end and keep the read below waiting.
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        let argv = ["/bin/sh", "-c", #"\#(promtool) check metrics < "$1" 2>&1; echo "exit $?""#, "sh", path]
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { throw POSIXError(.EIO) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            output += buffer[..<n]
        }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        return String(decoding: output, as: UTF8.self)
    }
}

extension MetricsTextTests {
    /// `SWIFTPM2_METRICS_ADDRESS`, `SWIFTPM2_METRICS_TOKEN` and `metrics.token`.
    @Suite struct Settings {
        @Test func loopbackAddressesAreAccepted() throws {
            #expect(try MetricsAddress(parsing: "127.0.0.1:9615", setting: "X") == MetricsAddress(host: .ipv4, port: 9615))
            #expect(try MetricsAddress(parsing: "[::1]:9615", setting: "X") == MetricsAddress(host: .ipv6, port: 9615))
            #expect(MetricsAddress(host: .ipv6, port: 1).description == "[::1]:1")
        }

        @Test(arguments: ["0.0.0.0:9615", "localhost:9615", "192.168.1.2:9615", "[::]:9615", "::1:9615", "127.0.0.1",
                          "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "127.0.0.2:9615", "[::1]9615", "127.0.0.1:+80",
                          "[127.0.0.1]:9615", "", " 127.0.0.1:9615"])
        func otherAddressesAreRefusedNamingTheSetting(_ text: String) {
            #expect {
                try MetricsAddress(parsing: text, setting: "SWIFTPM2_METRICS_ADDRESS")
            } throws: { error in
                "\(error)".hasPrefix("SWIFTPM2_METRICS_ADDRESS=\(text): ")
            }
        }

        @Test func aNonLoopbackHostSaysLoopback() {
            #expect {
                try MetricsSettings.from(environment: ["SWIFTPM2_METRICS_ADDRESS": "0.0.0.0:9615"], home: "/nonexistent")
            } throws: { error in
                "\(error)".contains("only on loopback, 127.0.0.1 or [::1], not `0.0.0.0`")
            }
        }

        @Test func disabledWithoutAnAddress() throws {
            #expect(try MetricsSettings.from(environment: [:], home: "/nonexistent") == nil)
            #expect(try MetricsSettings.from(environment: ["SWIFTPM2_METRICS_ADDRESS": ""], home: "/nonexistent") == nil)
        }

        @Test func theTokenVariableWins() throws {
            let settings = try #require(try MetricsSettings.from(
                environment: ["SWIFTPM2_METRICS_ADDRESS": "127.0.0.1:9615", "SWIFTPM2_METRICS_TOKEN": "0123456789abcdef"], home: "/nonexistent"))
            #expect(settings.tokenSource == "SWIFTPM2_METRICS_TOKEN")
            #expect(settings.token.matches(Array("0123456789abcdef".utf8)))
        }

        @Test(arguments: ["short", "has a space in it!!", "tab\there-0123456789", "caf\u{e9}-0123456789abc"])
        func badTokensAreRefused(_ token: String) {
            #expect(throws: DaemonError.self) {
                try MetricsSettings.from(environment: ["SWIFTPM2_METRICS_ADDRESS": "127.0.0.1:9615", "SWIFTPM2_METRICS_TOKEN": token], home: "/nonexistent")
            }
        }

        @Test func theTokenFileIsCreatedOnceWithMode0600() throws {
            var template = Array("/tmp/spm2-metrics-home-XXXXXX".utf8CString)
            let home = String(cString: try #require(mkdtemp(&template)))
            defer { unlink(home + "/metrics.token"); rmdir(home) }
            let environment = ["SWIFTPM2_METRICS_ADDRESS": "127.0.0.1:9615"]
            let first = try #require(try MetricsSettings.from(environment: environment, home: home))
            #expect(first.tokenSource == home + "/metrics.token")
            var info = stat()
            #expect(stat(home + "/metrics.token", &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            let text = try #require(readTextFile(home + "/metrics.token"))
            #expect(text.count == 65 && text.hasSuffix("\n"))
            #expect(text.dropLast().allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(first.token.matches(Array(text.dropLast().utf8)))
            // The second start reads the same token.
            let second = try #require(try MetricsSettings.from(environment: environment, home: home))
            #expect(second.token.matches(Array(text.dropLast().utf8)))
        }

        @Test func generatedTokensDiffer() {
            #expect(MetricsToken.generate() != MetricsToken.generate())
        }
    }

    /// What the listener answers to a request head (`MetricsAccess`).
    @Suite struct Access {
        let access = MetricsAccess(token: try! MetricsToken("s3cret-token-0123456789", source: "test"))

        func reply(_ method: HTTPMethod, _ uri: String, _ headers: [(String, String)]) -> MetricsReply {
            access.reply(to: HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers)))
        }

        func reply(_ headers: [(String, String)]) -> MetricsReply {
            reply(.GET, "/metrics", headers)
        }

        @Test func theRightTokenGetsTheMetrics() {
            #expect(reply([("Authorization", "Bearer s3cret-token-0123456789")]) == .metrics)
            #expect(reply([("Authorization", "bearer   s3cret-token-0123456789")]) == .metrics)
            #expect(reply(.GET, "/metrics?x=1", [("Authorization", "BEARER s3cret-token-0123456789")]) == .metrics)
        }

        @Test func anythingElseIsUnauthorizedWhateverThePath() {
            for headers in [[], [("Authorization", "Bearer s3cret-token-012345678")], [("Authorization", "Bearer s3cret-token-01234567890")],
                            [("Authorization", "Basic czNjcmV0")], [("Authorization", "s3cret-token-0123456789")],
                            [("Authorization", "Bearer s3cret-token-0123456789"), ("Authorization", "Bearer s3cret-token-0123456789")]] {
                #expect(reply(headers) == .unauthorized, "\(headers)")
                #expect(reply(.POST, "/other", headers) == .unauthorized)
            }
            #expect(MetricsReply.unauthorized.extraHeaders.contains { $0 == ("WWW-Authenticate", "Bearer") })
        }

        @Test func pathMethodAndBody() {
            let auth = ("Authorization", "Bearer s3cret-token-0123456789")
            #expect(reply(.GET, "/", [auth]) == .notFound)
            #expect(reply(.GET, "/metrics/", [auth]) == .notFound)
            #expect(reply(.POST, "/metrics", [auth]) == .methodNotAllowed)
            #expect(reply(.HEAD, "/metrics", [auth]) == .methodNotAllowed)
            #expect(reply(.POST, "/metrics", [auth, ("Content-Length", "3")]) == .bodyNotAllowed)
            #expect(reply(.GET, "/metrics", [auth, ("Transfer-Encoding", "chunked")]) == .bodyNotAllowed)
            #expect(reply(.GET, "/metrics", [auth, ("Content-Length", "0")]) == .metrics)
        }

        @Test func tokensCompareByEveryByte() throws {
            let token = try MetricsToken("abcdefghijklmnop", source: "t")
            #expect(token.matches(Array("abcdefghijklmnop".utf8)))
            #expect(!token.matches(Array("abcdefghijklmnoq".utf8)))
            #expect(!token.matches(Array("bbcdefghijklmnop".utf8)))
            #expect(!token.matches(Array("abcdefghijklmno".utf8)))
            #expect(!token.matches(Array("abcdefghijklmnop\u{0}".utf8)))
            #expect(!token.matches([UInt8]()))
        }
    }

    /// The TCP listener in this process, on 127.0.0.1 and a port the kernel picks, with a fixed
    /// snapshot; requests are raw bytes over NIO, answers read to the end (the server closes).
    @Suite struct Server {
        static let token = "test-token-0123456789abcdef"

        func withServer(requestTimeout: TimeAmount = .seconds(5), _ body: (Int) async throws -> Void) async throws {
            let server = try await MetricsServer.bind(
                MetricsAddress(host: .ipv4, port: 0), token: try MetricsToken(Self.token, source: "test"),
                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.metrics"),
                requestTimeout: requestTimeout) { MetricsTextTests.sample }
            let port = try #require(server.localAddress?.port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await server.serve() }
                do {
                    try await body(port)
                } catch {
                    await server.close()
                    throw error
                }
                await server.close()
                try await group.waitForAll()
            }
        }

        /// Sends `request` as is and returns everything the server writes until it closes.
        func exchange(_ port: Int, _ request: String) async throws -> String {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            return try await channel.executeThenClose { inbound, outbound in
                if !request.isEmpty { try await outbound.write(ByteBuffer(string: request)) }
                var answer = ""
                for try await buffer in inbound { answer += String(buffer: buffer) }
                return answer
            }
        }

        func get(_ port: Int, _ path: String = "/metrics", authorization: String?) async throws -> String {
            let auth = authorization.map { "Authorization: \($0)\r\n" } ?? ""
            return try await exchange(port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)\r\n")
        }

        @Test func theTokenGetsTheMetrics() async throws {
            try await withServer { port in
                let answer = try await get(port, authorization: "Bearer \(Self.token)")
                let (head, body) = split(answer)
                #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(head)")
                #expect(head.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n"))
                #expect(head.lowercased().contains("connection: close\r\n"))
                #expect(body == MetricsTextTests.expected)
                if MetricsTextTests.hasPromtool {
                    #expect(try MetricsTextTests.promtoolCheck(Array(body.utf8)) == "exit 0\n")
                }
            }
        }

        @Test func noTokenOrAnotherTokenIs401() async throws {
            try await withServer { port in
                for authorization in [nil, "Bearer wrong-token-0123456789abcde", "Bearer \(Self.token)x", "Basic dGVzdA=="] {
                    let (head, body) = split(try await get(port, authorization: authorization))
                    #expect(head.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"), "\(authorization ?? "none"): \(head)")
                    #expect(head.lowercased().contains("www-authenticate: bearer\r\n"))
                    #expect(!body.contains("swiftpm2_"))
                }
            }
        }

        @Test func otherPathsAndMethods() async throws {
            try await withServer { port in
                let auth = "Authorization: Bearer \(Self.token)\r\n"
                #expect(try await get(port, "/", authorization: "Bearer \(Self.token)").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
                let post = try await exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\n\(auth)Content-Length: 0\r\n\r\n")
                #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"), "\(post)")
                #expect(post.lowercased().contains("allow: get\r\n"))
                let withBody = try await exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\(auth)Content-Length: 2\r\n\r\nhi")
                #expect(withBody.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"), "\(withBody)")
            }
        }

        @Test func aHeadOver8KiBIs431() async throws {
            try await withServer { port in
                let padding = "X-Pad: " + String(repeating: "a", count: 9000) + "\r\n"
                let answer = try await exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\(padding)\r\n")
                #expect(answer.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(answer.prefix(80))")
            }
        }

        @Test func anIdleConnectionIsClosed() async throws {
            try await withServer(requestTimeout: .milliseconds(200)) { port in
                let started = ContinuousClock.now
                // Half a request head, then nothing: the server closes without answering.
                let answer = try await exchange(port, "GET /metrics HTTP/1.1\r\n")
                #expect(answer.isEmpty)
                #expect(ContinuousClock.now - started < .seconds(4))
            }
        }

        /// The head (with its blank line) and the body. In bytes: `"\r\n"` is one `Character`.
        private func split(_ answer: String) -> (head: String, body: String) {
            let bytes = Array(answer.utf8)
            let blank: [UInt8] = [13, 10, 13, 10]
            guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: blank) }) else { return (answer, "") }
            return (String(decoding: bytes[..<(end + 4)], as: UTF8.self), String(decoding: bytes[(end + 4)...], as: UTF8.self))
        }
    }
}
