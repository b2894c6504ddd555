import Glibc
import NIOCore

/// Who is on the other end of a Unix socket connection, from `SO_PEERCRED`.
struct PeerCredentials: Sendable {
    var pid: pid_t
    var uid: uid_t
    var gid: gid_t

    /// Only the daemon's own user and root may use the control API.
    func isAllowed(daemonUID: uid_t = getuid()) -> Bool {
        uid == daemonUID || uid == 0
    }

    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future
            .map { Optional(PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid)) }
            .recover { _ in nil }
    }
}

/// `struct ucred` of <sys/socket.h>, which Swift's Glibc hides behind _GNU_SOURCE.
struct UCred: Sendable {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
}
