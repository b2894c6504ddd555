import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import SwiftPM2Core
@testable import SwiftPM2Daemon

/// ``HealthProbe`` against real listeners on 127.0.0.1 and real child processes.
@Suite(.timeLimit(.minutes(1)))
struct HealthProbeTests {
    let probe = HealthProbe(group: MultiThreadedEventLoopGroup.singleton)

    // MARK: - http

    @Test func http200Passes() async throws {
        let server = try TestResponder(answer: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/healthz?deep=1", expectedStatus: 200)), on: subject(port: server.port))
        #expect(result.ok)
        #expect(result.detail == "GET /healthz?deep=1 answered 200")
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("GET /healthz?deep=1 HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("\r\nConnection: close\r\n"))
    }

    @Test func http500FailsWithTheFirstLineOfItsBody() async throws {
        let server = try TestResponder(answer: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 20\r\n\r\n\n  db down  \nsecond\n")
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200)), on: subject(port: server.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /healthz answered 500: db down")
    }

    @Test func aTruncatedBodyStillReportsTheStatus() async throws {
        let server = try TestResponder(answer: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\nwarming up\n")
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200)), on: subject(port: server.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /healthz answered 503: warming up")
    }

    @Test func anotherStatusThanTheExpectedOneFails() async throws {
        let server = try TestResponder(answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/ready", expectedStatus: 204)), on: subject(port: server.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /ready answered 200, expected 204")
        let passing = await probe.run(check(.http(path: "/ready", expectedStatus: 200)), on: subject(port: server.port))
        #expect(passing.ok)
    }

    @Test func aListenerThatNeverAnswersTimesOut() async throws {
        let silent = try SilentListener()  // listens but never accepts: the kernel completes the connect
        defer { silent.close() }
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200), timeoutMs: 300), on: subject(port: silent.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /healthz on 127.0.0.1:\(silent.port): no answer within 300ms")
        #expect(result.durationMs >= 250)
        #expect(result.durationMs < 5000)
    }

    @Test func aRefusedConnectionFailsAtOnce() async throws {
        let closed = try ClosedPort()
        defer { closed.close() }
        // A long timeout: the refusal, not the timeout, must end the check (the detail says
        // which), however loaded the machine is.
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200), timeoutMs: 30_000), on: subject(port: closed.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /healthz on 127.0.0.1:\(closed.port): connection refused (ECONNREFUSED)")
        #expect(result.durationMs < 20_000)
    }

    @Test func aConnectionClosedWithoutAnswerFails() async throws {
        let server = try TestResponder(answer: nil)
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200)), on: subject(port: server.port))
        #expect(!result.ok)
        #expect(result.detail == "GET /healthz on 127.0.0.1:\(server.port): the connection closed without an answer")
    }

    @Test func somethingElseThanHTTPFails() async throws {
        let server = try TestResponder(answer: "SSH-2.0-OpenSSH_9.6\r\n\r\n")
        defer { server.stop() }
        let result = await probe.run(check(.http(path: "/healthz", expectedStatus: 200)), on: subject(port: server.port))
        #expect(!result.ok)
        #expect(result.detail.hasPrefix("GET /healthz on 127.0.0.1:\(server.port): "))
    }

    @Test func withoutATargetThereIsNothingToCheck() async {
        let http = await probe.run(check(.http(path: "/healthz", expectedStatus: 200)), on: subject(port: nil))
        #expect(http == HealthResult(ok: false, detail: "GET /healthz: the instance has no port to check", durationMs: http.durationMs))
        let tcp = await probe.run(check(.tcp), on: subject(port: nil))
        #expect(!tcp.ok)
        #expect(tcp.detail == "TCP connect: the instance has no port to check")
    }

    // MARK: - tcp

    @Test func tcpPassesWhenTheConnectIsAccepted() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let result = await probe.run(check(.tcp), on: subject(port: silent.port))
        #expect(result.ok)
        #expect(result.detail == "TCP connect to 127.0.0.1:\(silent.port) accepted")
    }

    @Test func tcpFailsWhenRefused() async throws {
        let closed = try ClosedPort()
        defer { closed.close() }
        let result = await probe.run(check(.tcp), on: subject(port: closed.port))
        #expect(!result.ok)
        #expect(result.detail == "TCP connect to 127.0.0.1:\(closed.port): connection refused (ECONNREFUSED)")
    }

    // MARK: - command

    @Test func commandExit0Passes() async {
        let result = await probe.run(check(.command(["/bin/sh", "-c", "echo fine; exit 0"])), on: subject(port: nil))
        #expect(result.ok)
        #expect(result.detail == "command /bin/sh exited 0")
    }

    @Test func commandExit1FailsWithItsLastLine() async {
        let result = await probe.run(check(.command(["/bin/sh", "-c", "echo checking; echo 'db unreachable' >&2; exit 1"])), on: subject(port: nil))
        #expect(!result.ok)
        #expect(result.detail == "command /bin/sh exited 1: db unreachable")
    }

    @Test func commandKilledBySignal() async {
        let result = await probe.run(check(.command(["/bin/sh", "-c", "kill -TERM $$"])), on: subject(port: nil))
        #expect(!result.ok)
        #expect(result.detail == "command /bin/sh killed by SIGTERM")
    }

    @Test func commandPastItsTimeoutIsKilledWithItsGroup() async throws {
        let dir = try HealthTestDirectory()
        let script = "sleep 30 & echo $! > \(dir.path)/child; echo waiting; wait"
        let result = await probe.run(check(.command(["/bin/sh", "-c", script]), timeoutMs: 300), on: subject(port: nil))
        #expect(!result.ok)
        #expect(result.detail == "command /bin/sh: no exit within 300ms, killed: waiting")
        #expect(result.durationMs >= 250)
        #expect(result.durationMs < 5000)
        let child = try #require(readPID(dir.path + "/child"))
        #expect(await gone(child), "the check's background child was killed with its group")
    }

    @Test func whatACheckLeavesInItsGroupIsKilled() async throws {
        let dir = try HealthTestDirectory()
        let result = await probe.run(check(.command(["/bin/sh", "-c", "sleep 30 & echo $! > \(dir.path)/child; exit 0"])), on: subject(port: nil))
        #expect(result.ok)
        let child = try #require(readPID(dir.path + "/child"))
        #expect(await gone(child))
    }

    @Test func aCancelledCommandIsKilled() async throws {
        let dir = try HealthTestDirectory()
        let path = dir.path + "/pid"
        let probe = self.probe
        let running = Task {
            await probe.run(check(.command(["/bin/sh", "-c", "echo $$ > \(path).tmp; mv \(path).tmp \(path); exec sleep 30"]), timeoutMs: 30_000),
                            on: subject(port: nil))
        }
        var pid: pid_t?
        let deadline = ContinuousClock.now + .seconds(10)
        while pid == nil, ContinuousClock.now < deadline {
            pid = readPID(path)
            if pid == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let child = try #require(pid)
        running.cancel()
        let result = await running.value
        #expect(result == HealthResult(ok: false, detail: "command /bin/sh: cancelled", durationMs: result.durationMs))
        #expect(result.durationMs < 5000)
        #expect(await gone(child))
    }

    @Test func commandGetsTheInstancesEnvironment() async {
        let script = #"test "$SWIFTPM2_APP" = web && test "$SWIFTPM2_INSTANCE" = 2 && test "$SWIFTPM2_PID" = 4242 && test "$SWIFTPM2_HEALTH_PORT" = 9102 && test "$FROM_APP" = yes && test "$(pwd -P)" = /"#
        var s = subject(port: 9102)
        s.environment["FROM_APP"] = "yes"
        let result = await probe.run(check(.command(["/bin/sh", "-c", script + " || { env | sort; exit 1; }"])), on: s)
        #expect(result.ok, "\(result.detail)")
    }

    @Test func noHealthPortNoVariable() async {
        let result = await probe.run(check(.command(["/bin/sh", "-c", #"test -z "${SWIFTPM2_HEALTH_PORT+set}""#])), on: subject(port: nil))
        #expect(result.ok, "\(result.detail)")
    }

    @Test func aMissingExecutableFails() async {
        let result = await probe.run(check(.command(["/nonexistent/check", "x"])), on: subject(port: nil))
        #expect(!result.ok)
        #expect(result.detail == "command /nonexistent/check: exec /nonexistent/check failed: No such file or directory (ENOENT)")
    }

    @Test func chattyChecksDoNotBlock() async {
        // 1 MiB of output: far more than the pipe holds; later writes fail instead of blocking.
        let result = await probe.run(check(.command(["/bin/sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo; echo done; exit 3"]), timeoutMs: 10_000), on: subject(port: nil))
        #expect(!result.ok)
        #expect(result.detail.hasPrefix("command /bin/sh exited "))
        #expect(!result.detail.contains("no exit within"))
    }

    // MARK: - Texts

    @Test func errorTexts() {
        #expect(HealthProbe.describe(ChannelError.connectTimeout(.seconds(1)), timeout: .seconds(1), waitingFor: "answer") == "no connection within 1s")
        #expect(HealthProbe.describe(HealthProbe.TimedOut(), timeout: .milliseconds(1500), waitingFor: "answer") == "no answer within 1.5s")
        #expect(HealthProbe.describe(IOError(errnoCode: EHOSTUNREACH, reason: "connect"), timeout: .seconds(1), waitingFor: "answer")
            == "no route to host (EHOSTUNREACH)")
        #expect(HealthProbe.lastLine(Array("a\nlast one  \n\n  \n".utf8)) == "last one")
        #expect(HealthProbe.lastLine([]) == "")
        #expect(HealthProbe.lastLine(Array(String(repeating: "x", count: 300).utf8)).count == 200)
        #expect(HealthHTTPHandler.firstLine(Array("\n\n  first \nsecond".utf8)) == "first")
    }
}

// MARK: - Helpers

private func check(_ kind: HealthCheck.Kind, timeoutMs: Int = 2000) -> HealthCheck {
    HealthCheck(kind: kind, timeoutMs: timeoutMs)
}

private func subject(port: Int?) -> HealthSubject {
    HealthSubject(app: "web", instance: 2, pid: 4242, target: port.map { HealthTarget(host: "127.0.0.1", port: $0) },
                  environment: ["PATH": "/usr/bin:/bin"], cwd: "/")
}

/// The number in a file a script wrote with `echo $! > file`.
private func readPID(_ path: String) -> pid_t? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    return pid_t(text.filter(\.isNumber))
}

/// Whether `pid` has died (gone, or a zombie its new parent has not reaped yet: orphans go to
/// PID 1, which may reap late), polled until a deadline.
private func gone(_ pid: pid_t) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z") {
            return true
        }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}

/// A TCP socket on 127.0.0.1 with a free port.
private func loopbackSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    guard bound == 0, named == 0 else {
        Glibc.close(fd)
        throw POSIXError(.init(rawValue: errno) ?? .EIO)
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A port that is bound but not listening, so a connect to it is refused (and no other test
/// can take the port meanwhile).
private struct ClosedPort {
    let fd: Int32
    let port: Int

    init() throws { (fd, port) = try loopbackSocket() }
    func close() { Glibc.close(fd) }
}

/// A listening socket that never accepts: connects complete (the kernel's backlog), nothing answers.
private struct SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        (fd, port) = try loopbackSocket()
        guard listen(fd, 16) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }
    func close() { Glibc.close(fd) }
}

/// A tiny HTTP responder on 127.0.0.1: a thread accepts each connection, reads the request
/// head, writes `answer` (or nothing, with nil) and closes.
private final class TestResponder: Sendable {
    let port: Int
    private let state: ResponderState
    private let thread: pthread_t

    init(answer: String?) throws {
        let (fd, port) = try loopbackSocket()
        guard listen(fd, 16) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        self.port = port
        state = ResponderState(fd: fd, answer: answer.map { Array($0.utf8) })
        var thread = pthread_t()
        let box = Unmanaged.passRetained(state).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<ResponderState>.fromOpaque(raw!).takeRetainedValue().serve()
            return nil
        }, box)
        guard rc == 0 else { throw POSIXError(.init(rawValue: rc) ?? .EIO) }
        self.thread = thread
    }

    /// The request heads received so far.
    var requests: [String] { state.requests.withLock { $0 } }

    /// Wakes the thread out of `accept` and waits for it.
    func stop() {
        shutdown(state.fd, Int32(SHUT_RDWR))
        pthread_join(thread, nil)
        Glibc.close(state.fd)
    }
}

private final class ResponderState: Sendable {
    let fd: Int32
    let answer: [UInt8]?
    let requests = Mutex<[String]>([])

    init(fd: Int32, answer: [UInt8]?) {
        self.fd = fd
        self.answer = answer
    }

    func serve() {
        while true {
            let connection = accept(fd, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return  // shut down
            }
            var head: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1024)
            while head.count < 16_384, !head.ends(with: Array("\r\n\r\n".utf8)) {
                let n = read(connection, &buffer, buffer.count)
                if n <= 0 { break }
                head += buffer[..<n]
            }
            requests.withLock { $0.append(String(decoding: head, as: UTF8.self)) }
            if let answer {
                var sent = 0
                while sent < answer.count {
                    let n = answer[sent...].withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    sent += n
                }
            }
            close(connection)
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

/// A temporary folder, removed at the end of its scope.
private struct HealthTestDirectory: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftpm2-health-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
