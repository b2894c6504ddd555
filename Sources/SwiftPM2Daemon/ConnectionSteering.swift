import CSpawn
import Glibc

/// Round-robin over one address's per-slot SO_REUSEPORT sockets (`balance: roundrobin`): a
/// BPF program attached to the sockets' reuseport group deals each new connection to the next
/// socket in rotation. The supervisor keeps only the slots whose instance is online in the
/// rotation, so a crashed, starting or draining instance gets no new connection.
///
/// Owned by the supervisor actor (never shared across threads).
final class ConnectionSteering {
    private var kernel = pm2_steering(prog_fd: -1, state_fd: -1, socks_fd: -1, capacity: 0, filled: 0)
    /// The sockets in rotation, as last written.
    private(set) var rotation: [Int32] = []

    /// The most sockets one address may have in rotation (instances of one app).
    static let capacity: Int32 = 1024

    /// Loads the program; throws with the errno when the daemon may not (no CAP_BPF).
    init() throws(DaemonError) {
        let rc = pm2_steer_create(Self.capacity, &kernel)
        if rc != 0 { throw DaemonError.system("cannot load the round-robin BPF program", errno: -rc) }
    }

    deinit { pm2_steer_close(&kernel) }

    /// Steers the reuseport group of `socket` (any member; later members are steered too).
    func attach(to socket: ListenSocket) throws(DaemonError) {
        let rc = pm2_steer_attach(&kernel, socket.fd)
        if rc != 0 { throw DaemonError.system("cannot attach the round-robin program to \(socket.address)", errno: -rc) }
    }

    /// Puts exactly `fds` in rotation (no change when they already are).
    func rotate(over fds: [Int32]) throws(DaemonError) {
        guard fds != rotation else { return }
        let rc = fds.withUnsafeBufferPointer { pm2_steer_set(&kernel, $0.baseAddress, Int32($0.count)) }
        if rc != 0 {
            rotation = []
            throw DaemonError.system("cannot update the round-robin rotation", errno: -rc)
        }
        rotation = fds
    }

    /// Whether this daemon may load the program, probed once.
    static let isAvailable: Result<Void, DaemonError> = {
        do throws(DaemonError) {
            _ = try ConnectionSteering()
            return .success(())
        } catch {
            return .failure(error)
        }
    }()
}

extension ListenSocket {
    /// Connections waiting in this listening socket's accept queue (0 when unknown).
    var queuedConnections: Int {
        max(0, Int(pm2_listen_queue_length(fd)))
    }
}
