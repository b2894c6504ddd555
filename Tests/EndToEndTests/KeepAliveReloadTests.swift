import Foundation
import Synchronization
import Testing

/// Graceful stop with keep-alive clients: `example-server` (SwiftPM2Worker's accept loop, NIO
/// for HTTP) ends a kept-alive connection only after a response that says `Connection: close`,
/// or when it has stayed idle through a grace after the stop signal. So clients that hold
/// persistent connections, as wrk does, see no failed request across rolling reloads.
@Suite(.timeLimit(.minutes(2)))
struct KeepAliveReloadTests {
    @Test func fiveRollingReloadsWithKeepAliveClientsFailNoRequest() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            try ReloadTests().startCluster(d, port: port, instances: 2)
            var pids = Set(try await d.client.apps().apps[0].instances.compactMap(\.pid))
            let load = KeepAliveLoad(port: port, clients: 4)
            let finished = load.start()
            for round in 1...5 {
                // Each reload runs while every client is sending: wait for more answers first.
                try await load.waitForAnswers(50)
                let run = try d.cli(["reload", "web"])
                #expect(run.status == 0, "reload \(round): \(run.stderr)")
                let now = Set(try await d.client.apps().apps[0].instances.compactMap(\.pid))
                #expect(now.count == 2 && now.isDisjoint(with: pids), "reload \(round) kept a pid: \(pids) -> \(now)")
                pids = now
            }
            try await load.waitForAnswers(50)
            load.stop()
            await finished.value
            let failures = load.failures.withLock { $0 }
            let answered = load.answered.load(ordering: .relaxed)
            #expect(failures.isEmpty, "\(failures.count) of \(answered + failures.count) requests failed, first: \(failures.prefix(5))")
            // Every connection open at a reload belonged to an old process, which ended it with
            // `Connection: close`: at least one per client and reload.
            #expect(load.closedByServer.load(ordering: .relaxed) >= 5 * 4)
            #expect(answered >= 300)
            let apps = try await d.client.apps().apps
            #expect(apps[0].instances.allSatisfy { $0.state == .online && $0.restarts == 5 })
        }
    }

    @Test func theServerHonoursConnectionCloseFromTheClient() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            try ReloadTests().startCluster(d, port: port, instances: 1)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)

            // HTTP/1.1 keeps the connection by default.
            var c = try HTTPConnection(port: port)
            for _ in 1...2 {
                try c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let r = try c.readResponse()
                #expect(r.status == 200 && r.body == "pid \(pid) instance 0\n")
                #expect(!r.closes)
            }

            // `Connection: close`: answered, says so, then closed.
            try c.send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            var r = try c.readResponse()
            #expect(r.status == 200 && r.header("connection") == "close")
            #expect(c.readEnd() == .closed)

            // HTTP/1.0 without keep-alive: answered, then closed; with keep-alive: kept.
            c = try HTTPConnection(port: port)
            try c.send("GET / HTTP/1.0\r\n\r\n")
            r = try c.readResponse()
            #expect(r.status == 200 && r.version == "HTTP/1.0" && r.closes)
            #expect(c.readEnd() == .closed)
            c = try HTTPConnection(port: port)
            for _ in 1...2 {
                try c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                r = try c.readResponse()
                #expect(r.status == 200 && r.header("connection") == "keep-alive")
            }

            // A request pipelined after the client's own `Connection: close` is not answered
            // (no 400 either), and the server lives on.
            c = try HTTPConnection(port: port)
            try c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try c.readResponse().status == 200)
            r = try c.readResponse()
            #expect(r.status == 200 && r.closes)
            #expect(c.readEnd() != .data)
            c = try HTTPConnection(port: port)
            try c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try c.readResponse().body == "pid \(pid) instance 0\n")
            #expect(try await d.client.apps().apps[0].instances[0].restarts == 0)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedCleanlyAtStop() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            try ReloadTests().startCluster(d, port: port, instances: 1)
            let old = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let c = try HTTPConnection(port: port)
            try c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try !c.readResponse().closes)
            // The old process closes the idle connection after its grace, with a FIN (no
            // reset), and so stops without waiting on it or cutting it.
            let run = try d.cli(["reload", "web"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(c.readEnd() == .closed)
            let deadline = ContinuousClock.now + .seconds(10)
            var stopped: Substring?
            while stopped == nil, ContinuousClock.now < deadline {
                let log = (try? String(contentsOfFile: d.home + "/logs/web-0-out.log", encoding: .utf8)) ?? ""
                stopped = log.split(separator: "\n").first { $0.contains("pid \(old): stopped in") }
                if stopped == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(stopped?.hasSuffix("every connection closed") == true, "\(stopped ?? "no stop line")")
        }
    }
}

/// Clients that each hold one persistent HTTP/1.1 connection and send requests back to back on
/// their own threads, reconnecting only after a response with `Connection: close`. Anything
/// else that ends a request without its answer counts as a failure, as wrk counts it.
final class KeepAliveLoad: Sendable {
    let port: Int
    let clients: Int
    let answered = Atomic<Int>(0)
    let closedByServer = Atomic<Int>(0)
    let failures = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    init(port: Int, clients: Int) {
        self.port = port
        self.clients = clients
    }

    /// Ends the run after each client's request in flight.
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Waits until `n` more requests have been answered (at most 20 s).
    func waitForAnswers(_ n: Int) async throws {
        let target = answered.load(ordering: .relaxed) + n
        let deadline = ContinuousClock.now + .seconds(20)
        while answered.load(ordering: .relaxed) < target, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func start() -> Task<Void, Never> {
        Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                            Thread {
                                self.runClient()
                                c.resume()
                            }.start()
                        }
                    }
                }
            }
        }
    }

    private func runClient() {
        var connection: HTTPConnection?
        while !stopped.load(ordering: .relaxed) {
            do {
                let c = try connection ?? HTTPConnection(port: port)
                connection = c
                try c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let response = try c.readResponse()
                guard response.status == 200 else { throw HTTPConnection.Failure.status(response.status) }
                answered.add(1, ordering: .relaxed)
                if response.closes {
                    closedByServer.add(1, ordering: .relaxed)
                    connection = nil
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
                connection = nil
            }
        }
    }
}

/// One client connection to 127.0.0.1 over a blocking socket (5 s timeouts): HTTP/1.x requests
/// as text, responses with a `Content-Length` body.
final class HTTPConnection {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32), send(Int32), receive(Int32), closedEarly(bytes: Int), malformed(String), status(Int)

        var description: String {
            switch self {
            case .connect(let e): "connect: \(String(cString: strerror(e)))"
            case .send(let e): "send: \(String(cString: strerror(e)))"
            case .receive(let e): "receive: \(String(cString: strerror(e)))"
            case .closedEarly(let bytes): "closed by the server after \(bytes) bytes of a response"
            case .malformed(let head): "malformed response: \(head)"
            case .status(let status): "status \(status)"
            }
        }
    }

    struct Response {
        var version: String
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value
        }

        /// The server ends the connection after this response.
        var closes: Bool {
            let connection = header("connection")?.lowercased()
            return connection == "close" || (version == "HTTP/1.0" && connection != "keep-alive")
        }
    }

    /// How a connection ended, read after the last expected response.
    enum End: Equatable {
        case closed, reset, data, timeout
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = errno
            close(fd)
            throw Failure.connect(error)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.send(errno) }
            sent += n
        }
    }

    func readResponse() throws -> Response {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = buffer.indices.dropLast(3).first { buffer[$0..<$0 + 4].elementsEqual(separator) }
            if headEnd == nil { try receive() }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(head) }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd! + 4
        while buffer.count < bodyStart + length { try receive() }
        let body = String(decoding: buffer[bodyStart..<bodyStart + length], as: UTF8.self)
        buffer.removeFirst(bodyStart + length)
        return Response(version: String(statusLine[0]), status: status, headers: headers, body: body)
    }

    /// Waits (at most the 5 s timeout) for what comes after the last response.
    func readEnd() -> End {
        if !buffer.isEmpty { return .data }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 0 { return .closed }
        if n > 0 { return .data }
        return errno == ECONNRESET ? .reset : .timeout
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { throw Failure.closedEarly(bytes: buffer.count) }
        guard n > 0 else { throw Failure.receive(errno) }
        buffer.append(contentsOf: chunk[..<n])
    }
}
