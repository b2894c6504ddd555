import CSpawn
import Glibc

/// One sd_notify datagram from an instance: its sender's pid and its `KEY=VALUE` lines.
struct NotifyMessage: Sendable {
    var pid: pid_t
    var fields: [String: String]
}

/// The daemon's `NOTIFY_SOCKET`: a datagram socket in the home folder that every instance gets,
/// as systemd gives one to a service. Senders are identified by `SCM_CREDENTIALS`, never by
/// what they write. A thread of its own blocks in `recvmsg` and hands messages on as a stream.
final class NotifySocket: Sendable {
    let path: String
    let messages: AsyncStream<NotifyMessage>
    private let fd: Int32

    init(path: String) throws(DaemonError) {
        self.path = path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("cannot create the notify socket", errno: errno) }
        guard var addr = ListenSocket.socketAddress(path) else {
            close(fd)
            throw DaemonError(message: "notify socket path too long: \(path)", errno: nil)
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, pm2_enable_passcred(fd) == 0 else {
            let code = errno
            close(fd)
            throw DaemonError.system("cannot bind the notify socket \(path)", errno: code)
        }
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        self.fd = fd
        let (stream, continuation) = AsyncStream.makeStream(of: NotifyMessage.self, bufferingPolicy: .bufferingNewest(65536))
        self.messages = stream
        let box = Unmanaged.passRetained(ReaderBox(fd: fd, continuation: continuation)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            Unmanaged<ReaderBox>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        pthread_detach(thread)
    }

    /// `READY=1\nSTATUS=x` → ["READY": "1", "STATUS": "x"].
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return fields
    }
}

private final class ReaderBox: @unchecked Sendable {
    // @unchecked: handed whole to the reader thread, which alone uses it.
    let fd: Int32
    let continuation: AsyncStream<NotifyMessage>.Continuation
    init(fd: Int32, continuation: AsyncStream<NotifyMessage>.Continuation) {
        self.fd = fd
        self.continuation = continuation
    }

    func run() {
        var buf = [CChar](repeating: 0, count: 4096)
        while true {
            var pid: pid_t = 0
            let n = pm2_recv_with_pid(fd, &buf, buf.count, &pid)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            guard pid > 0 else { continue } // no credentials: cannot tell who sent it
            let text = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            continuation.yield(NotifyMessage(pid: pid, fields: NotifySocket.parse(text)))
        }
    }
}
