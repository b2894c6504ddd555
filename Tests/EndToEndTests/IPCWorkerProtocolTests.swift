import CSpawn
import Foundation
import Testing

/// The instance side of docs/messages.md, without a daemon: each test holds the daemon's end of
/// a socket pair and speaks the protocol, as the daemon would, to example-messenger (which
/// answers through SwiftPM2Worker's `Worker.IPC`) or to ecosystem-examples/messenger.py.
@Suite(.timeLimit(.minutes(1)))
struct IPCWorkerProtocolTests {
    static let messenger = TestDaemon.binDirectory + "/example-messenger"
    static let pythonScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ecosystem-examples/messenger.py").path
    /// The first `python3` on `$PATH`, as `"interpreter": "python3"` would find it.
    static let python3: String? = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
        .map { "\($0)/python3" }.first { access($0, X_OK) == 0 }
    static var hasPython: Bool { python3 != nil }

    @Test func swiftMessengerDeclaresActionsAndAnswersThem() async throws {
        let peer = try IPCPeer.spawn([Self.messenger])
        try await expectDeclared(["health", "rotate-keys"], by: peer)

        try peer.send(#"{"type":"action","id":"a1","action":"rotate-keys","data":null}"#)
        let rotated = try await peer.next("reply a1") { $0.type == "reply" && $0.id == "a1" }
        #expect(rotated.data?["rotated"] as? Bool == true)
        #expect(rotated.data?["pid"] as? Int == Int(peer.pid))
        #expect(rotated["error"] == nil)

        try peer.send(#"{"type":"action","id":"a2","action":"health"}"#) // no data: null
        let health = try await peer.next("reply a2") { $0.type == "reply" && $0.id == "a2" }
        #expect(health.data?["healthy"] as? Bool == true)
        #expect(health.data?["pid"] as? Int == Int(peer.pid))
        #expect((health.data?["uptimeMs"] as? Int).map { $0 >= 0 } == true)

        try await expectCommonAnswers(from: peer)
        #expect(peer.malformedLines == 0)
        #expect(await peer.stop() == 0)
    }

    @Test(.enabled(if: hasPython, "messenger.py needs python3 on PATH"))
    func pythonMessengerDeclaresActionsAndAnswersThem() async throws {
        let peer = try IPCPeer.spawn([Self.python3!, Self.pythonScript])
        try await expectDeclared(["health", "py-hello"], by: peer)

        try peer.send(#"{"type":"action","id":"h1","action":"py-hello","data":{"from":"test"}}"#)
        let hello = try await peer.next("reply h1") { $0.type == "reply" && $0.id == "h1" }
        #expect(hello.data?["pid"] as? Int == Int(peer.pid))
        #expect((hello.data?["got"] as? [String: Any])?["from"] as? String == "test")

        try await expectCommonAnswers(from: peer)
        #expect(peer.malformedLines == 0)
        #expect(await peer.stop() == 0)
    }

    @Test func silentSwiftMessengerNeverAnswersActions() async throws {
        let peer = try IPCPeer.spawn([Self.messenger], environment: ["MESSENGER_SILENT": "1"])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        try await expectNoReply(from: peer, to: "rotate-keys")
        #expect(await peer.stop() == 0)
    }

    @Test(.enabled(if: hasPython, "messenger.py needs python3 on PATH"))
    func silentPythonMessengerNeverAnswersActions() async throws {
        let peer = try IPCPeer.spawn([Self.python3!, Self.pythonScript], environment: ["MESSENGER_SILENT": "1"])
        try await expectDeclared(["health", "py-hello"], by: peer)
        try await expectNoReply(from: peer, to: "py-hello")
        #expect(await peer.stop() == 0)
    }

    /// MESSENGER_GARBAGE=1 writes five malformed lines (not JSON, an array, a cut object,
    /// 70 000 bytes, not UTF-8) before it opens the channel; it must work normally after them.
    @Test func messengerWorksAfterWritingGarbage() async throws {
        let peer = try IPCPeer.spawn([Self.messenger], environment: ["MESSENGER_GARBAGE": "1"])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        #expect(peer.malformedLines == 5, "the garbage comes first, whole lines each")
        try peer.send(#"{"type":"action","id":"g1","action":"rotate-keys","data":null}"#)
        let rotated = try await peer.next("reply g1") { $0.type == "reply" && $0.id == "g1" }
        #expect(rotated.data?["rotated"] as? Bool == true)
        try await expectCommonAnswers(from: peer)
        #expect(await peer.stop() == 0)
    }

    /// What the library must drop or ignore: lines that are not JSON objects (or not UTF-8, or
    /// nested past its limit of 256), a line over 64 KiB, unknown types and keys, requests
    /// without an id. A line written in two pieces is still one line.
    @Test func libraryDropsMalformedLinesFromTheDaemon() async throws {
        let peer = try IPCPeer.spawn([Self.messenger])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        try peer.send("not json")
        try peer.send(#"["message", "an array"]"#)
        try peer.send(#"{"type":"message","data":"too long","pad":""# + String(repeating: "x", count: 70_000) + #""}"#)
        try peer.send(#"{"type":"message","data":"trailing comma",}"#)
        try peer.sendBytes(Array(#"{"type":"message","data":"not UTF-8 "#.utf8) + [0xFF, 0x22, 0x7D, 0x0A])
        try peer.send(#"{"type":"message","data":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}")
        try peer.send(#"{"data":"no type"}"#)
        try peer.send(#"{"type":"from-the-future","data":"unknown type"}"#)
        try peer.send(#"{"type":"action","action":"rotate-keys"}"#) // no id: nobody to answer
        try peer.send(#"{"type":"ping"}"#)
        try peer.sendBytes(Array(#"{"type":"message","da"#.utf8))
        // Not needed for the outcome: only makes it likely that the first half is read alone.
        try await Task.sleep(for: .milliseconds(20))
        try peer.send(#"ta":"split","extra":{"ignored":true}}"#)
        try peer.send(#"{"type":"message","data":"last"}"#)

        _ = try await peer.next("echo of last") { $0.type == "message" && $0.data?["echo"] as? String == "last" }
        try peer.send(#"{"type":"ping","id":"after"}"#)
        _ = try await peer.next("pong after") { $0.type == "pong" && $0.id == "after" }
        // Echoes go out in order, and the ping was sent after the last echo had come: had any
        // garbage been taken for a request, its answer would be in this list.
        let answers = peer.history.filter { $0.type != "actions" }
        #expect(answers.map { "\($0.type ?? "-") \(($0.data?["echo"] as? String) ?? $0.id ?? "-")" } == ["message split", "message last", "pong after"])
        #expect(answers.first?.data?["pid"] as? Int == Int(peer.pid))
        #expect(await peer.stop() == 0)
    }

    /// JSON's corners survive SwiftPM2Worker's parser and serializer: escapes, surrogate pairs,
    /// control characters, exponents, negative zero, large integers, empty containers.
    @Test func jsonSurvivesTheRoundTrip() async throws {
        let peer = try IPCPeer.spawn([Self.messenger])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        let data = #"""
            {"text":"\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0001 ü","numbers":[0,-0,1.5,-2e-7,1E300,12345678901234,-9007199254740992,0.1],"flags":[true,false,null],"empty":[{},[],""],"nested":{"a":{"b":[{"c":"d"}]}}}
            """#
        try peer.send(#"{"type":"message","data":\#(data)}"#)
        let echo = try await peer.next("echo") { $0.type == "message" }
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        let echoed = try #require(echo.data?["echo"] as? [String: Any])
        #expect(NSDictionary(dictionary: echoed).isEqual(to: sent), "sent \(sent), echoed \(echoed)")
        #expect(await peer.stop() == 0)
    }

    /// Pongs (reader thread), replies (a task each) and echoes (the messages task) are written
    /// from different threads at once: every line must still arrive whole.
    @Test func answersFromManyThreadsNeverInterleave() async throws {
        let peer = try IPCPeer.spawn([Self.messenger])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        let count = 100
        var burst = ""
        for i in 0..<count {
            burst += #"{"type":"message","data":{"n":\#(i),"pad":"\#(String(repeating: "m", count: 200))"}}"# + "\n"
            burst += #"{"type":"action","id":"a\#(i)","action":"health"}"# + "\n"
            burst += #"{"type":"ping","id":"p\#(i)"}"# + "\n"
        }
        try peer.sendBytes(Array(burst.utf8))
        var echoed: [Int] = []
        var replies = Set<String>()
        var pongs = Set<String>()
        while echoed.count < count || replies.count < count || pongs.count < count {
            let answer = try await peer.next("the answers (\(echoed.count) echoes, \(replies.count) replies, \(pongs.count) pongs)", timeout: .seconds(20)) { _ in true }
            switch answer.type {
            case "message": echoed.append(((answer.data?["echo"] as? [String: Any])?["n"] as? Int) ?? -1)
            case "reply": replies.insert(answer.id ?? "?")
            case "pong": pongs.insert(answer.id ?? "?")
            case "actions": continue // the first of the two declarations
            default: Issue.record("unexpected \(answer)")
            }
        }
        #expect(echoed == Array(0..<count), "echoes keep the order of the messages")
        #expect(replies == Set((0..<count).map { "a\($0)" }))
        #expect(pongs == Set((0..<count).map { "p\($0)" }))
        #expect(peer.malformedLines == 0)
        #expect(await peer.stop() == 0)
    }

    /// When the daemon's end closes, `messages` finishes; the app lives on and stops cleanly.
    @Test func closingTheDaemonEndFinishesTheStream() async throws {
        let peer = try IPCPeer.spawn([Self.messenger])
        try await expectDeclared(["health", "rotate-keys"], by: peer)
        peer.closeChannel()
        try await peer.waitForLog("the daemon closed the channel")
        #expect(await peer.stop() == 0)
    }

    // MARK: - Shared checks

    /// Waits for the declaration that lists exactly `names` (each `on(action:)` may declare).
    private func expectDeclared(_ names: [String], by peer: IPCPeer) async throws {
        _ = try await peer.next("actions \(names)") { $0.type == "actions" && $0["actions"] as? [String] == names }
    }

    /// Unknown action, ping and message echo, which every participant answers alike.
    private func expectCommonAnswers(from peer: IPCPeer) async throws {
        try peer.send(#"{"type":"action","id":"u1","action":"no-such-action","data":{"x":1},"future":"ignored"}"#)
        let unknown = try await peer.next("reply u1") { $0.type == "reply" && $0.id == "u1" }
        #expect(unknown["error"] as? String == "unknown action")

        try peer.send(#"{"type":"ping","id":"p1"}"#)
        let pong = try await peer.next("pong p1") { $0.type == "pong" && $0.id == "p1" }
        #expect(pong.data?["pid"] as? Int == Int(peer.pid))
        #expect(pong.data?["healthy"] as? Bool == true)

        try peer.send(#"{"type":"message","data":{"text":"héllo\n","list":[1,2.5,null,true]}}"#)
        let echo = try await peer.next("echo") { $0.type == "message" }
        let echoed = echo.data?["echo"] as? [String: Any]
        #expect(echoed?["text"] as? String == "héllo\n")
        #expect((echoed?["list"] as? [Any])?.count == 4)
        #expect(echo.data?["pid"] as? Int == Int(peer.pid))

        try peer.send(#"{"type":"message","id":"m1","data":"answer me"}"#)
        let reply = try await peer.next("reply m1") { $0.type == "reply" && $0.id == "m1" }
        #expect(reply.data?["echo"] as? String == "answer me")
        _ = try await peer.next("echo of m1") { $0.type == "message" && $0.data?["echo"] as? String == "answer me" }
    }

    /// Sends `action`, then a ping: once the pong is back the action has been read (lines are
    /// handled in order), and no reply may come within 500 ms of sending it.
    private func expectNoReply(from peer: IPCPeer, to action: String) async throws {
        let sent = ContinuousClock.now
        try peer.send(#"{"type":"action","id":"s1","action":"\#(action)","data":null}"#)
        try peer.send(#"{"type":"ping","id":"after-s1"}"#)
        _ = try await peer.next("pong after-s1") { $0.type == "pong" && $0.id == "after-s1" }
        let rest = max(.zero, .milliseconds(500) - (ContinuousClock.now - sent))
        let arrived = try await peer.collect(for: rest)
        #expect(!arrived.contains { $0.type == "reply" }, "a silent instance answered: \(arrived)")
    }
}

fileprivate extension Dictionary where Key == String, Value == Any {
    var type: String? { self["type"] as? String }
    var id: String? { self["id"] as? String }
    var data: [String: Any]? { self["data"] as? [String: Any] }
}

/// A participant spawned with the daemon's end of a socket pair kept here: its end is fd 3 in
/// the child, `SWIFTPM2_IPC_FD=3`, as the daemon passes it. Reads without blocking and waits
/// with deadlines; the child is killed and reaped at the latest when this goes away.
final class IPCPeer {
    let pid: pid_t
    private let fd: Int32
    private let logPath: String
    private var buffer: [UInt8] = []
    /// Received and not yet taken by ``next(_:timeout:where:)``.
    private var pending: [[String: Any]] = []
    /// Every JSON object received, in order.
    private(set) var history: [[String: Any]] = []
    /// Lines that were not a JSON object.
    private(set) var malformedLines = 0
    private var endOfFile = false
    private var exitStatus: Int32?

    private init(pid: pid_t, fd: Int32, logPath: String) {
        self.pid = pid
        self.fd = fd
        self.logPath = logPath
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        close(fd)
        unlink(logPath)
    }

    static func spawn(_ argv: [String], environment: [String: String] = [:]) throws -> IPCPeer {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // Above 3, so that dup2 onto 3 in the child really copies it (and drops close-on-exec).
        let childEnd = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        close(pair[1])
        guard childEnd >= 0 else {
            close(pair[0])
            throw POSIXError(.EMFILE)
        }
        defer { close(childEnd) }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        // The child's end non-blocking too, the worst a daemon may hand over (a socketpair made
        // with SOCK_NONBLOCK): the participants must make it blocking for themselves.
        _ = fcntl(childEnd, F_SETFL, fcntl(childEnd, F_GETFL) | O_NONBLOCK)

        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC"] { env[key] = nil }
        env["SWIFTPM2_IPC_FD"] = "3"
        for (key, value) in environment { env[key] = value }
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("ipc-peer-\(UUID().uuidString).log").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childEnd, 3)
        // As the daemon does: default dispositions and nothing blocked, whatever this process has.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else {
            close(pair[0])
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        return IPCPeer(pid: pid, fd: pair[0], logPath: logPath)
    }

    /// Sends `line` and a newline.
    func send(_ line: String) throws {
        try sendBytes(Array((line + "\n").utf8))
    }

    /// Sends raw bytes, all of them; reads meanwhile when the socket is full, so that neither
    /// side can block the other.
    func sendBytes(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
            } else if errno == EAGAIN, ContinuousClock.now < deadline {
                pump()
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, 10)
            } else if errno != EINTR {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        }
    }

    /// The first object received that `match`es, waiting up to `timeout` for it.
    func next(_ what: String, timeout: Duration = .seconds(10), where match: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            pump()
            if let index = pending.firstIndex(where: match) { return pending.remove(at: index) }
            guard ContinuousClock.now < deadline, !endOfFile else {
                Issue.record("no \(what)\(endOfFile ? " (the channel closed)" : ""); not taken: \(pending); log: \(log)")
                throw TestDaemon.TimeoutError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Everything received and not taken, after waiting `duration` for more.
    func collect(for duration: Duration) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            pump()
            try await Task.sleep(for: .milliseconds(5))
        }
        pump()
        defer { pending = [] }
        return pending
    }

    /// Waits until the child's output contains `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else {
                Issue.record("no \"\(text)\" in the output: \(log)")
                throw TestDaemon.TimeoutError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The child's stdout and stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Shuts the daemon's end down both ways, as when the daemon forgets the instance.
    func closeChannel() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// SIGTERM, then the exit status (128+signal when killed); SIGKILL after 10 s.
    func stop() async -> Int32 {
        if let exitStatus { return exitStatus }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline {
                Issue.record("pid \(pid) did not stop on SIGTERM; log: \(log)")
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Reads what is there without blocking and parses every complete line.
    private func pump() {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !endOfFile {
            let n = read(fd, &chunk, chunk.count)
            if n > 0 {
                buffer += chunk[..<n]
            } else if n == 0 {
                endOfFile = true
            } else if errno != EINTR {
                break // EAGAIN: nothing more for now
            }
        }
        var start = 0
        while let newline = buffer[start...].firstIndex(of: 0x0A) {
            let line = Data(buffer[start..<newline])
            start = newline + 1
            if let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] {
                pending.append(object)
                history.append(object)
            } else {
                malformedLines += 1
            }
        }
        buffer.removeFirst(start)
    }
}
