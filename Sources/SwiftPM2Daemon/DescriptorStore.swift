import CSpawn
import CSystemd
import Glibc
import Logging

/// Keeps named file descriptors (listening sockets, log pipes) outside the daemon, so that
/// they outlive it when it is killed and the next daemon takes them back.
///
/// Under systemd with a fd store (`FileDescriptorStoreMax=`, which systemd announces in
/// `$FDSTORE`), the descriptors go to systemd (`FDSTORE=1` with `FDNAME=`) and come back at the
/// next start as `LISTEN_FDS`/`LISTEN_FDNAMES`. Elsewhere a keeper process
/// (`swiftpm2d --fd-keeper`, see cspawn_fdstore.h) holds them, and the next daemon asks it.
///
/// Owned by the supervisor actor.
final class DescriptorStore {
    enum Backend: Equatable {
        case keeper(socket: Int32)
        case systemd
        case none(String)
    }

    private(set) var backend: Backend
    /// What the store holds now: name → identity of the open file (device and inode).
    private var held: [String: FileIdentity] = [:]
    private let logger: Logger

    private init(backend: Backend, held: [String: FileIdentity], logger: Logger) {
        self.backend = backend
        self.held = held
        self.logger = logger
    }

    /// Opens the store for `home` and returns what it held from a previous daemon (names and
    /// descriptors now open in this process). `inherited` are the names and fds systemd passed
    /// (socket activation and its fd store), when run by systemd.
    static func open(home: DaemonHome, inherited: [String: Int32], logger: Logger) -> (DescriptorStore, [String: Int32]) {
        if let max = getenv("FDSTORE").flatMap({ Int(String(cString: $0)) }), max > 0, getenv("NOTIFY_SOCKET") != nil {
            let recovered = inherited.filter { $0.key.hasPrefix(storedPrefix) }
            let store = DescriptorStore(backend: .systemd, held: syncedOnly(recovered), logger: logger)
            return (store, recovered)
        }
        var sock = pm2_keeper_connect(home.keeperPath)
        if sock < 0 {
            if let error = startKeeper(home: home) {
                logger.warning("no fd keeper (\(error)): apps will not outlive a daemon crash")
                return (DescriptorStore(backend: .none(error), held: [:], logger: logger), [:])
            }
            sock = pm2_keeper_connect(home.keeperPath)
            guard sock >= 0 else {
                let why = String(cString: strerror(-sock))
                logger.warning("cannot reach the fd keeper: \(why)")
                return (DescriptorStore(backend: .none(why), held: [:], logger: logger), [:])
            }
        }
        let recovered = fetch(sock)
        let store = DescriptorStore(backend: .keeper(socket: sock), held: syncedOnly(recovered), logger: logger)
        return (store, recovered)
    }

    /// What `sync` manages among recovered descriptors (log pipes are kept and discarded one
    /// by one instead).
    private static func syncedOnly(_ fds: [String: Int32]) -> [String: FileIdentity] {
        fds.filter { !$0.key.hasPrefix("pm2-log-") }.compactMapValues(FileIdentity.init(fd:))
    }

    /// Names of what the daemon stores begin with this (systemd may pass other fds too).
    static let storedPrefix = "pm2-"

    /// Makes the store hold exactly `wanted` (name → fd): new or changed ones are put, the
    /// others removed.
    func sync(_ wanted: [String: Int32]) {
        for (name, fd) in wanted {
            guard let identity = FileIdentity(fd: fd) else { continue }
            if held[name] != identity, put(name, fd) { held[name] = identity }
        }
        for name in held.keys where wanted[name] == nil {
            remove(name)
            held.removeValue(forKey: name)
        }
    }

    /// Stores one descriptor outside `sync`'s set (a log pipe, named by its process).
    func keep(_ name: String, _ fd: Int32) {
        _ = put(name, fd)
    }

    /// Removes what `keep` stored.
    func discard(_ name: String) {
        remove(name)
    }

    /// Graceful shutdown: nothing is to outlive the daemon; the keeper exits.
    func release() {
        switch backend {
        case .keeper(let sock):
            _ = pm2_keeper_send(sock, "QUIT", -1)
            Glibc.close(sock)
        case .systemd:
            for name in held.keys { remove(name) }
        case .none:
            break
        }
        held = [:]
        backend = .none("released")
    }

    private func put(_ name: String, _ fd: Int32) -> Bool {
        switch backend {
        case .keeper(let sock):
            let rc = pm2_keeper_send(sock, "PUT \(name)", fd)
            if rc != 0 { logger.warning("fd keeper: cannot store \(name): \(String(cString: strerror(-rc)))") }
            return rc == 0
        case .systemd:
            var one = fd
            let rc = "FDSTORE=1\nFDNAME=\(name)".withCString { sd_pid_notify_with_fds(0, 0, $0, &one, 1) }
            if rc <= 0 { logger.warning("systemd fd store: cannot store \(name) (\(rc))") }
            return rc > 0
        case .none:
            return false
        }
    }

    private func remove(_ name: String) {
        switch backend {
        case .keeper(let sock): _ = pm2_keeper_send(sock, "DEL \(name)", -1)
        case .systemd: _ = "FDSTOREREMOVE=1\nFDNAME=\(name)".withCString { sd_notify(0, $0) }
        case .none: break
        }
    }

    /// Everything the keeper holds, as fds of this process.
    private static func fetch(_ sock: Int32) -> [String: Int32] {
        guard pm2_keeper_send(sock, "GET", -1) == 0 else { return [:] }
        var out: [String: Int32] = [:]
        var buf = [CChar](repeating: 0, count: 512)
        while true {
            var fd: Int32 = -1
            let n = pm2_keeper_recv(sock, &buf, buf.count, &fd)
            guard n > 0 else { break }
            let text = String(cString: buf)
            if text == "END" { break }
            if text.hasPrefix("FD "), fd >= 0 { out[String(text.dropFirst(3))] = fd } else if fd >= 0 { Glibc.close(fd) }
        }
        return out
    }

    /// Starts `swiftpm2d --fd-keeper PATH` (this executable) in a session of its own and waits
    /// until it accepts; returns why it could not, or nil.
    private static func startKeeper(home: DaemonHome) -> String? {
        var env = daemonEnvironment()
        env["SWIFTPM2_HOME"] = home.root
        let request = SpawnRequest(executable: "/proc/self/exe", arguments: ["--fd-keeper", home.keeperPath],
                                   argv0: "swiftpm2d-keeper", environment: env, cwd: "/", stdout: -1, stderr: -1)
        do {
            _ = try Spawner.spawn(request)
        } catch {
            return error.description
        }
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            let sock = pm2_keeper_connect(home.keeperPath)
            if sock >= 0 { Glibc.close(sock); return nil }
            usleep(2_000)
        }
        return "the keeper did not start within 3 s"
    }
}

/// Which open file a descriptor refers to.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init?(fd: Int32) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
