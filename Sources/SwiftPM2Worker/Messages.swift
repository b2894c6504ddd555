import Glibc

extension Worker {
    /// The channel to the daemon when the app runs with `"ipc": true`; nil otherwise. Opened on
    /// first use, which starts its reader thread: call ``blockStopSignals()`` before, and touch
    /// it early (`_ = Worker.ipc`) when the app should answer pings before it registers anything.
    ///
    /// Nil also when `SWIFTPM2_IPC_FD` names no connected Unix stream socket: a program the app
    /// runs inherits the variable but not the fd (it is close-on-exec), and its fd of that
    /// number, if any, is something else.
    public static let ipc: IPC? = {
        guard let text = getenv("SWIFTPM2_IPC_FD"), let fd = Int32(String(cString: text)), isChannel(fd) else { return nil }
        return try? IPC(fd: fd)
    }()

    /// The `message`s from the daemon: ``ipc``'s ``IPC/messages``, or a stream that ends at
    /// once when the app runs without `"ipc": true`.
    public static var messages: AsyncStream<IPC.Message> {
        ipc?.messages ?? AsyncStream { $0.finish() }
    }

    /// Whether `fd` is a Unix stream socket that is not listening (a connected one).
    private static func isChannel(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard fd >= 0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &value, &length) == 0, value == Int32(SOCK_STREAM.rawValue) else { return false }
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) == 0, value == 0 else { return false }
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &value, &length) == 0 else { return false }
        return value == AF_UNIX
    }
}
