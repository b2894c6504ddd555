import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Synchronization
import Testing

/// The control API fed what no client of ours sends: malformed HTTP, wrong methods, broken and
/// oversized JSON, seeded random bytes and mutated requests, slow and idle connections, many
/// connections at once, and a thousand requests while instances restart. Afterwards the daemon
/// is the same process, its app runs with the same pid, and its descriptors are back.
@Suite(Soak.timeLimit, Soak.serializedWhenSoaking)
struct APIFuzzTests {
    /// Requests that are wrong in every way HTTP allows, each with the answers it may get
    /// (`0` = the daemon closes without answering).
    static let malformed: [(name: String, bytes: [UInt8], allowed: Set<Int>)] = {
        var cases: [(String, [UInt8], Set<Int>)] = []
        func add(_ name: String, _ text: String, _ allowed: Set<Int>) { cases.append((name, Array(text.utf8), allowed)) }
        add("garbage request line", "HELLO\r\n\r\n", [400, 0])
        add("HTTP/0.9", "GET /v1/ping\r\n\r\n", [400, 0, 200])
        add("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", [400, 404, 405, 0])
        add("unknown version", "GET /v1/ping HTTP/9.9\r\n\r\n", [400, 505, 0, 200])
        add("lowercase method", "get /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n", [400, 405, 0])
        add("unknown method", "BREW /v1/apps HTTP/1.1\r\nHost: x\r\n\r\n", [400, 405, 0])
        add("PUT apps", "PUT /v1/apps HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", [405])
        add("DELETE ping", "DELETE /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n", [404, 405])
        add("GET kill", "GET /v1/kill HTTP/1.1\r\nHost: x\r\n\r\n", [405])
        add("PATCH stop", "PATCH /v1/apps/keep/stop HTTP/1.1\r\nHost: x\r\n\r\n", [405])
        add("GET restart", "GET /v1/apps/keep/restart HTTP/1.1\r\nHost: x\r\n\r\n", [405])
        add("absolute URI", "GET http://localhost/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n", [400, 404])
        add("asterisk URI", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", [400, 404, 405])
        add("empty path", "GET  HTTP/1.1\r\nHost: x\r\n\r\n", [400, 404, 0])
        add("path traversal", "GET /v1/apps/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n", [404])
        add("dot segments", "GET /v1/../v1/./apps/../ping HTTP/1.1\r\nHost: x\r\n\r\n", [404])
        add("broken percent", "GET /v1/apps/%zz%4 HTTP/1.1\r\nHost: x\r\n\r\n", [404])
        add("NUL in path", "GET /v1/apps/ke\u{0}ep HTTP/1.1\r\nHost: x\r\n\r\n", [400, 404, 0])
        add("control bytes in header", "GET /v1/ping HTTP/1.1\r\nX-A: \u{1}\u{7f}\r\n\r\n", [400, 200, 0])
        add("header without colon", "GET /v1/ping HTTP/1.1\r\nnocolon\r\n\r\n", [400, 0])
        add("space before colon", "GET /v1/ping HTTP/1.1\r\nHost : x\r\n\r\n", [400, 0])
        add("obsolete line folding", "GET /v1/ping HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", [400, 200, 0])
        add("bare LF", "GET /v1/ping HTTP/1.1\nHost: x\n\n", [200, 400, 0])
        add("negative Content-Length", "POST /v1/apps HTTP/1.1\r\nContent-Length: -1\r\n\r\n", [400, 0])
        add("non-numeric Content-Length", "POST /v1/apps HTTP/1.1\r\nContent-Length: ten\r\n\r\n", [400, 0])
        add("two Content-Lengths", "POST /v1/apps HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", [400, 0])
        add("huge Content-Length", "POST /v1/apps HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n{}", [400, 413, 0])
        add("Content-Length and chunked", "POST /v1/apps HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400, 0])
        add("bad chunk size", "POST /v1/apps HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", [400, 0])
        add("unknown transfer coding", "POST /v1/apps HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", [400, 501, 0])
        add("chunked JSON", "POST /v1/apps?base=/tmp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"app\r\n3\r\ns\":1\r\n1\r\n}\r\n0\r\n\r\n", [400])
        add("broken JSON", "POST /v1/apps HTTP/1.1\r\nContent-Length: 9\r\n\r\n{not json", [400])
        add("JSON of the wrong shape", "POST /v1/apps HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]", [400])
        add("JSON null", "POST /v1/apps HTTP/1.1\r\nContent-Length: 4\r\n\r\nnull", [400])
        add("relative base", "POST /v1/apps?base=tmp HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", [400])
        add("scale without body", "POST /v1/apps/keep/scale HTTP/1.1\r\nContent-Length: 0\r\n\r\n", [400])
        add("scale to a word", "POST /v1/apps/keep/scale HTTP/1.1\r\nContent-Length: 20\r\n\r\n{\"instances\":\"lots\"}", [400])
        add("scale to a float", "POST /v1/apps/keep/scale HTTP/1.1\r\nContent-Length: 19\r\n\r\n{\"instances\":1e999}", [400])
        add("apply broken", "POST /v1/apply HTTP/1.1\r\nContent-Length: 1\r\n\r\n{", [400])
        add("deep JSON", "POST /v1/apps HTTP/1.1\r\nContent-Length: 20000\r\n\r\n" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000), [400])
        add("logs of nothing", "GET /v1/apps/ghost/logs?lines=-5&follow=maybe HTTP/1.1\r\n\r\n", [404])
        add("query junk", "GET /v1/apps?&&=&%%%=%=&a=b=c HTTP/1.1\r\n\r\n", [200])
        add("long header", "GET /v1/ping HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 200_000) + "\r\n\r\n", [400, 413, 431, 0])
        add("many headers", "GET /v1/ping HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 20_000) + "\r\n", [200, 400, 431, 0])
        add("long URI", "GET /v1/apps/" + String(repeating: "a", count: 200_000) + " HTTP/1.1\r\n\r\n", [400, 404, 414, 0])
        add("oversized body", "POST /v1/apps HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n" + String(repeating: " ", count: 2_000_000), [413, 0])
        add("oversized chunked body", "POST /v1/apply HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "10000\r\n" + String(repeating: " ", count: 65536) + "\r\n", count: 20) + "0\r\n\r\n", [413, 0])
        add("pipelined", "GET /v1/ping HTTP/1.1\r\n\r\nGET /v1/nothing HTTP/1.1\r\n\r\nGET /v1/ping HTTP/1.1\r\n\r\n", [200])
        cases.append(("NUL bytes", [UInt8](repeating: 0, count: 4096), [400, 0]))
        cases.append(("TLS client hello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03] + [UInt8](repeating: 0x41, count: 64), [400, 0]))
        return cases
    }()

    @Test func malformedRequestsGetErrorsAndTheDaemonKeepsServing() async throws {
        try await withTestDaemon { d in
            let keep = try await KeptApp(d)
            var unexpected: [String] = []
            for (name, bytes, allowed) in Self.malformed {
                let c = try RawAPIConnection(path: d.socketPath)
                c.send(bytes)
                let status = c.readResponse(timeout: .seconds(5))?.status ?? (c.closedByPeer(within: .seconds(2)) ? 0 : -1)
                if !allowed.contains(status) { unexpected.append("\(name): \(status)") }
            }
            #expect(unexpected.isEmpty, "unexpected answers: \(unexpected)")
            try await keep.check(d)
            ReliabilityFigures.record("api-malformed", ["cases": Self.malformed.count, "unexpected": unexpected.count])
        }
    }

    /// Seeded random bytes, and valid requests with random bytes flipped, inserted or cut:
    /// every connection is answered or closed (none left hanging after the client's end).
    @Test func randomBytesAndMutatedRequests() async throws {
        try await withTestDaemon { d in
            let keep = try await KeptApp(d)
            let count = Soak.pick(300, soak: 20_000)
            let templates = [
                "GET /v1/apps HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET /v1/apps/keep HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                "POST /v1/apps/ghost/scale HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n{\"instances\":\"+1\"}",
                "POST /v1/apps?base=/&source=fuzz HTTP/1.1\r\nContent-Length: 52\r\n\r\n{\"apps\":[{\"name\":\"fz\",\"script\":\"/nonexistent/fz\"}]}",
                "GET /v1/apps/ghost/logs?lines=3 HTTP/1.1\r\n\r\n",
            ].map { Array($0.utf8) }
            var rng = SplitMixRandom(seed: 0xF00D)
            var hung = 0
            var answered = 0
            for i in 0..<count {
                var bytes: [UInt8]
                if i % 3 == 0 {
                    bytes = (0..<(1 + Int(rng.next() % 2048))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                } else {
                    bytes = templates[Int(rng.next() % UInt64(templates.count))]
                    for _ in 0..<(1 + Int(rng.next() % 6)) {
                        let at = Int(rng.next() % UInt64(bytes.count))
                        switch rng.next() % 3 {
                        case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                        case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                        default: if bytes.count > 1 { bytes.remove(at: at) }
                        }
                    }
                }
                let c = try RawAPIConnection(path: d.socketPath)
                c.send(bytes)
                c.shutdownWrite()
                switch c.drain(timeout: .seconds(3)) {
                case .closed(let sawAnswer): if sawAnswer { answered += 1 }
                case .open: hung += 1
                }
            }
            #expect(hung == 0, "\(hung) of \(count) connections neither answered nor closed after the client's end")
            try await keep.check(d)
            ReliabilityFigures.record("api-random", ["connections": count, "answered": answered, "hung": hung])
        }
    }

    /// Idle connections, slowloris writers (a byte every 20 ms) and 200 connections opened at
    /// once: normal requests keep being answered quickly, and once all are closed the daemon
    /// has the descriptors it had.
    @Test func slowIdleAndManyConnections() async throws {
        try await withTestDaemon { d in
            let keep = try await KeptApp(d)
            let daemonPID = try #require(d.daemonPID)
            let fdsBefore = ProcView.fdCount(daemonPID)
            let idle = try (0..<Soak.pick(100, soak: 500)).map { _ in try RawAPIConnection(path: d.socketPath) }
            let slow = try (0..<20).map { _ in try RawAPIConnection(path: d.socketPath) }
            let request = Array("POST /v1/apps?base=/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n".utf8)
            var slowest = Duration.zero
            let rounds = Soak.pick(40, soak: 400)
            for round in 0..<rounds {
                for c in slow where round < request.count { c.send([request[round]]) }
                let probe = try RawAPIConnection(path: d.socketPath)
                let began = ContinuousClock.now
                let answer = probe.request("GET /v1/ping", timeout: .seconds(5))
                slowest = max(slowest, ContinuousClock.now - began)
                #expect(answer?.status == 200)
                try await Task.sleep(for: .milliseconds(20))  // the slow writers' pace
            }
            #expect(slowest < .seconds(2), "a ping took \(slowest) beside idle and slow connections")
            #expect(ProcView.fdCount(daemonPID) >= fdsBefore + idle.count, "the idle connections are held")

            // 200 at once, each with one request.
            let burst = try (0..<200).map { _ in try RawAPIConnection(path: d.socketPath) }
            for c in burst { c.send(Array("GET /v1/apps/keep HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) }
            let burstOK = burst.filter { $0.readResponse(timeout: .seconds(10))?.status == 200 }.count
            #expect(burstOK == burst.count)
            let held = ProcView.fdCount(daemonPID) - fdsBefore
            try await Self.closeAll([idle, slow, burst])
            var fdsAfter = -1
            try await waitUntil("the daemon's descriptors back to \(fdsBefore)") {
                fdsAfter = ProcView.fdCount(daemonPID)
                return fdsAfter <= fdsBefore
            }
            try await keep.check(d)
            ReliabilityFigures.record("api-connections", [
                "idle": idle.count, "slowloris": slow.count, "burst": burst.count, "burstAnswered": burstOK,
                "pingsBeside": rounds, "slowestPingMs": Int(slowest.inSeconds * 1000), "fdsHeld": held,
                "fdsBefore": fdsBefore, "fdsAfter": fdsAfter,
            ])
        }
    }

    /// 1,000 requests over 100 parallel keep-alive connections while one app crashes and
    /// restarts every 50 ms and another is restarted by some of the requests: every request
    /// gets its expected status.
    @Test func thousandConcurrentRequestsWhileInstancesRestart() async throws {
        try await withTestDaemon { d in
            let keep = try await KeptApp(d)
            let eco = try d.write("flap.json", """
            {"apps":[{"name":"flap","script":"/bin/sh","args":["-c","sleep 0.05; exit 3"],"instances":2,
                      "min_uptime":0,"crash_window":0,"max_restarts":0},
                     {"name":"bounce","script":"/bin/sleep","args":["100000"],"instances":2}]}
            """)
            #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
            let daemonPID = try #require(d.daemonPID)
            let requests: [(String, Int)] = [
                ("GET /v1/apps", 200), ("GET /v1/ping", 200), ("GET /v1/apps/flap", 200), ("GET /v1/apps/keep", 200),
                ("GET /v1/apps/ghost", 404), ("POST /v1/apps/ghost/stop", 404), ("GET /v1/nothing", 404),
                ("GET /v1/apps/flap/logs?lines=2", 200), ("POST /v1/apps/bounce/restart", 200),
            ]
            let total = Soak.pick(1_000, soak: 20_000)
            let result = await ConcurrentRequests.run(socketPath: d.socketPath, connections: 100, total: total, requests: requests)
            #expect(result.unexpected.isEmpty, "\(result.unexpected.prefix(10))")
            #expect(result.answered == total)
            #expect(d.daemonPID == daemonPID && processExists(daemonPID))
            let flap = try await d.client.apps("flap").apps[0]
            let restarts = flap.instances.reduce(0) { $0 + $1.restarts }
            #expect(restarts > 0)
            try await keep.check(d)
            // Every process of the home is an instance the daemon knows (concurrent restarts of
            // one app used to spawn its instances once per request after the shared stop).
            // (A crash-looping app starts processes all the time: a stray must still be untracked
            // half a second later, in a second look.)
            var tracked = Set(try await d.client.apps().apps.flatMap { $0.instances.compactMap(\.pid) })
            var strays = ProcView.processes(ofHome: d.home).filter { !tracked.contains($0) && ProcView.parent(of: $0) == daemonPID }
            if !strays.isEmpty {
                try await Task.sleep(for: .milliseconds(500))
                tracked = Set(try await d.client.apps().apps.flatMap { $0.instances.compactMap(\.pid) })
                strays = strays.filter { !tracked.contains($0) && processExists($0) }
            }
            #expect(strays.count == 0, "processes the daemon started and forgot")
            for pid in strays { kill(pid, SIGKILL) }
            ReliabilityFigures.record("api-load", [
                "requests": total, "connections": 100, "answered": result.answered, "unexpected": result.unexpected.count,
                "seconds": result.seconds, "requestsPerSecond": Int(Double(total) / result.seconds),
                "p50Ms": result.percentileMs(0.5), "p99Ms": result.percentileMs(0.99), "maxMs": result.percentileMs(1),
                "flapRestartsMeanwhile": restarts, "untrackedProcesses": strays.count,
            ])
        }
    }

    /// A request body of one long line (what `swiftpm2 start` sends) is parsed in time
    /// proportional to its size. Known bug: quadratic (see EcosystemCorpusTests).
    @Test func oneLineBodyIsParsedQuickly() async throws {
        try await withTestDaemon { d in
            _ = try d.cli(["ping"])
            let body = Array(("[" + String(repeating: "1,", count: 6_000) + "1]").utf8)
            let c = try RawAPIConnection(path: d.socketPath)
            let began = ContinuousClock.now
            let answer = c.request("POST /v1/apps?base=/", body: body, timeout: .seconds(60))
            let elapsed = ContinuousClock.now - began
            #expect(answer?.status == 400)
            #expect(elapsed < .milliseconds(500), "a 12 kB one-line body took \(elapsed)")
            ReliabilityFigures.record("api-one-line-body", ["values": 6_001, "bytes": body.count, "ms": Int(elapsed.inSeconds * 1000)])
        }
    }

    static func closeAll(_ groups: [[RawAPIConnection]]) async throws {
        for group in groups { for c in group { c.close() } }
    }
}

/// One connection to the daemon's socket that sends bytes as given and reads raw answers.
final class RawAPIConnection: @unchecked Sendable {
    // @unchecked: each connection is used by one thread at a time.
    private(set) var fd: Int32
    private var buffer: [UInt8] = []

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Writes all of `bytes` (fails quietly once the daemon has closed).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// `METHOD PATH` with a keep-alive HTTP/1.1 head (and Content-Length when there is a body),
    /// then its response.
    func request(_ line: String, body: [UInt8] = [], timeout: Duration = .seconds(5)) -> Response? {
        var head = "\(line) HTTP/1.1\r\nHost: localhost\r\n"
        if !body.isEmpty || line.hasPrefix("POST") { head += "Content-Length: \(body.count)\r\n" }
        guard send(Array((head + "\r\n").utf8) + body) else { return nil }
        return readResponse(timeout: timeout)
    }

    /// One response with a Content-Length body, or nil on close or timeout.
    func readResponse(timeout: Duration) -> Response? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self).split(separator: "\r\n")
                guard let first = head.first, first.hasPrefix("HTTP/1."), let status = Int(first.split(separator: " ").dropFirst().first ?? "") else { return nil }
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "") ?? 0
                while buffer.count < end + 4 + length {
                    guard fill(until: deadline) else { return nil }
                }
                let body = Array(buffer[(end + 4)..<(end + 4 + length)])
                buffer.removeFirst(end + 4 + length)
                return Response(status: status, headers: headers, body: body)
            }
            guard fill(until: deadline) else { return nil }
        }
    }

    enum Drain { case closed(sawAnswer: Bool), open }

    /// Reads until the daemon closes or `timeout` passes.
    func drain(timeout: Duration) -> Drain {
        let deadline = ContinuousClock.now + timeout
        while fill(until: deadline) {}
        return eof ? .closed(sawAnswer: buffer.starts(with: Array("HTTP/1.".utf8))) : .open
    }

    /// True when the daemon closed the connection within `within`.
    func closedByPeer(within: Duration) -> Bool {
        if case .closed = drain(timeout: within) { return true }
        return false
    }

    private var eof = false

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { return i }
        return nil
    }

    /// Reads what is there (waiting until `deadline`); false on close, error or timeout.
    private func fill(until deadline: ContinuousClock.Instant) -> Bool {
        guard fd >= 0, !eof else { return false }
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(min(left.inSeconds * 1000 + 1, 60_000))
        guard poll(&p, 1, ms) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { eof = true; return false }
        buffer += chunk[..<n]
        return true
    }
}

/// Requests from many threads over keep-alive connections, counting what comes back.
enum ConcurrentRequests {
    struct Result {
        var answered = 0
        var unexpected: [String] = []
        var latencies: [Double] = []
        var seconds = 0.0

        func percentileMs(_ p: Double) -> Int {
            guard !latencies.isEmpty else { return 0 }
            let sorted = latencies.sorted()
            return Int(sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] * 1000)
        }
    }

    /// `total` requests spread over `connections` threads, each on its own connection (a new
    /// one when the daemon closes it), cycling through `requests` (line, expected status).
    static func run(socketPath: String, connections: Int, total: Int, requests: [(String, Int)]) async -> Result {
        let shared = Mutex(Result())
        let began = ContinuousClock.now
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for worker in 0..<connections {
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    var local = Result()
                    var connection = try? RawAPIConnection(path: socketPath)
                    var i = worker
                    while i < total {
                        let (line, expected) = requests[i % requests.count]
                        let start = ContinuousClock.now
                        var response = connection?.request(line, timeout: .seconds(30))
                        if response == nil {  // closed by the daemon (or never opened): once more on a new one
                            connection = try? RawAPIConnection(path: socketPath)
                            response = connection?.request(line, timeout: .seconds(30))
                        }
                        local.latencies.append((ContinuousClock.now - start).inSeconds)
                        if let response {
                            local.answered += 1
                            if response.status != expected { local.unexpected.append("\(line): \(response.status)") }
                            if response.headers["connection"] == "close" { connection = try? RawAPIConnection(path: socketPath) }
                        } else {
                            local.unexpected.append("\(line): no answer")
                        }
                        i += connections
                    }
                    shared.withLock {
                        $0.answered += local.answered
                        $0.unexpected += local.unexpected
                        $0.latencies += local.latencies
                    }
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
            group.notify(queue: .global()) { done.resume() }
        }
        var result = shared.withLock { $0 }
        result.seconds = (ContinuousClock.now - began).inSeconds
        return result
    }
}

/// Background requests on a few connections until stopped (the load beside a fault).
final class APILoad: Sendable {
    struct Counts: CustomStringConvertible {
        var total = 0
        var unexpected = 0
        var description: String { "\(total) requests, \(unexpected) unexpected" }
    }

    private let socketPath: String
    private let connections: Int
    private let requests: [String]
    private let stopped = Mutex(false)
    private let counts = Mutex(Counts())
    private let group = DispatchGroup()

    init(socketPath: String, connections: Int, requests: [String]) {
        self.socketPath = socketPath
        self.connections = connections
        self.requests = requests
    }

    func start() {
        for _ in 0..<connections {
            group.enter()
            Thread { [self] in
                defer { group.leave() }
                var connection = try? RawAPIConnection(path: socketPath)
                var i = 0
                while !stopped.withLock({ $0 }) {
                    let response = connection?.request(requests[i % requests.count], timeout: .seconds(30))
                    counts.withLock {
                        $0.total += 1
                        if response?.status != 200 { $0.unexpected += 1 }
                    }
                    if response == nil { connection = try? RawAPIConnection(path: socketPath) }
                    i += 1
                }
            }.start()
        }
    }

    /// Stops the threads and waits for them.
    func stop() -> Counts {
        stopped.withLock { $0 = true }
        group.wait()
        return counts.withLock { $0 }
    }
}
