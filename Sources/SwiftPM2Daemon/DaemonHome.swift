import Glibc
import SwiftPM2Core

/// The daemon's folder (`$SWIFTPM2_HOME`, default `~/.swiftpm2`) and the paths inside it.
public struct DaemonHome: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// `$SWIFTPM2_HOME`, else `$HOME/.swiftpm2`.
    public static func fromEnvironment() -> DaemonHome {
        if let home = getenv("SWIFTPM2_HOME").map({ String(cString: $0) }), !home.isEmpty {
            return DaemonHome(root: home)
        }
        let userHome = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return DaemonHome(root: userHome + "/.swiftpm2")
    }

    public var socketPath: String { root + "/daemon.sock" }
    public var pidPath: String { root + "/daemon.pid" }
    public var logPath: String { root + "/daemon.log" }
    public var logsDirectory: String { root + "/logs" }
    /// The `NOTIFY_SOCKET` every instance gets (sd_notify datagrams).
    public var notifyPath: String { root + "/notify.sock" }
    /// The fd keeper's socket (descriptors that outlive the daemon).
    public var keeperPath: String { root + "/keeper.sock" }
    /// What runs, for the next daemon to take back after a crash (rewritten on every change).
    public var statePath: String { root + "/state.json" }
    /// What `swiftpm2 save` wrote, for `resurrect`.
    public var dumpPath: String { root + "/dump.json" }

    /// Creates the folder (0700) and `logs/`, and tightens the mode of a folder that exists.
    public func prepare() throws(DaemonError) {
        for dir in [root, logsDirectory] {
            if mkdir(dir, 0o700) != 0 && errno != EEXIST {
                throw DaemonError.system("cannot create \(dir)", errno: errno)
            }
        }
        if chmod(root, 0o700) != 0 {
            throw DaemonError.system("cannot set mode 0700 on \(root)", errno: errno)
        }
    }

    public var lockPath: String { root + "/daemon.lock" }

    /// Takes `daemon.lock` for the life of the process, so that two daemons started at once
    /// for the same home never both serve (the second stops here with a clear error).
    public func lockExclusively() throws(DaemonError) {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DaemonError.system("cannot open \(lockPath)", errno: errno) }
        // A daemon that is shutting down holds the lock until it exits, a moment after its
        // socket is gone: wait for it (at most 5 s) rather than fail a start right behind it.
        let deadline = ContinuousClock.now + .seconds(5)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK && ContinuousClock.now < deadline && !daemonSocketAnswers() {
                usleep(10_000)
                continue
            }
            close(fd)
            if code == EWOULDBLOCK {
                throw DaemonError(message: "another swiftpm2d holds \(lockPath) and serves \(socketPath)", errno: nil)
            }
            throw DaemonError.system("cannot lock \(lockPath)", errno: code)
        }
        // Deliberately kept open: the lock lasts as long as this process.
    }

    /// True when something accepts connections on `daemon.sock` (a serving daemon).
    func daemonSocketAnswers() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0, var addr = ListenSocket.socketAddress(socketPath) else { return false }
        defer { close(fd) }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }

    /// Writes `daemon.pid`.
    public func writePID() {
        let text = "\(getpid())\n"
        let fd = open(pidPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}
