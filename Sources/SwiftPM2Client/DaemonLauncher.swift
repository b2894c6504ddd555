import CSpawn
import Glibc

/// Finds the daemon of a home folder, starting one when none answers (as `pm2` does).
public struct DaemonLauncher: Sendable {
    public let home: String

    public init(home: String) {
        self.home = home
    }

    /// `$SWIFTPM2_HOME`, else `$HOME/.swiftpm2`.
    public static func defaultHome() -> String {
        if let h = getenv("SWIFTPM2_HOME"), h.pointee != 0 { return String(cString: h) }
        return (getenv("HOME").map { String(cString: $0) } ?? "/root") + "/.swiftpm2"
    }

    public var socketPath: String { home + "/daemon.sock" }
    public var logPath: String { home + "/daemon.log" }

    /// True when something accepts connections on the socket.
    public func isRunning() -> Bool {
        guard let fd = try? BlockingExchange.connectUnix(socketPath) else { return false }
        close(fd)
        return true
    }

    /// A client of the running daemon, starting the daemon first when none runs.
    public func client() throws(ClientError) -> DaemonClient {
        if !isRunning() { try start() }
        return DaemonClient(socketPath: socketPath)
    }

    /// Spawns `swiftpm2d` in its own session, with stdout and stderr appended to `daemon.log`,
    /// and waits (at most 10 s) for the byte it writes on `SWIFTPM2_READY_FD` once it serves.
    public func start() throws(ClientError) {
        let daemonPath = try findDaemonBinary()
        if mkdir(home, 0o700) != 0 && errno != EEXIST {
            throw .daemonUnavailable("cannot create \(home): \(String(cString: strerror(errno)))")
        }
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard logFD >= 0 else { throw .daemonUnavailable("cannot open \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(logFD) }
        var fds: [Int32] = [0, 0]
        guard pm2_pipe_cloexec(&fds) == 0 else { throw .daemonUnavailable("cannot create a pipe: \(String(cString: strerror(errno)))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 3) // dup2 clears close-on-exec
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        posix_spawnattr_setflags(&attr, Int16(pm2_posix_spawn_setsid_flag() | POSIX_SPAWN_SETSIGMASK))

        var env = currentEnvironment().filter { !$0.hasPrefix("SWIFTPM2_READY_FD=") && !$0.hasPrefix("NOTIFY_SOCKET=") && !$0.hasPrefix("LISTEN_") }
        env.append("SWIFTPM2_READY_FD=3")
        env.append("SWIFTPM2_HOME=\(home)")
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(daemonPath), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let rc = posix_spawn(&pid, daemonPath, &actions, &attr, argv, envp)
        close(writeEnd)
        guard rc == 0 else { throw .daemonUnavailable("cannot start \(daemonPath): \(String(cString: strerror(rc)))") }

        var pfd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        var byte: UInt8 = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let ready = poll(&pfd, 1, 100)
            if ready < 0 && errno != EINTR { break }
            if ready > 0 {
                if read(readEnd, &byte, 1) == 1 { return }
                break // closed without the byte: the daemon failed
            }
        }
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
        // Another command may have started a daemon for this home at the same moment: ours
        // then stops at the lock, and the winner serves soon.
        while ContinuousClock.now < deadline {
            if isRunning() { return }
            usleep(5_000)
        }
        throw .daemonUnavailable("the daemon did not start; the end of \(logPath) says:\n" + tail(of: logPath, lines: 5))
    }

    private func findDaemonBinary() throws(ClientError) -> String {
        if let explicit = getenv("SWIFTPM2D_PATH").map({ String(cString: $0) }), !explicit.isEmpty { return explicit }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        if n > 0 {
            let exe = String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let sibling = String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]) + "/swiftpm2d"
            if access(sibling, X_OK) == 0 { return sibling }
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where access("\(dir)/swiftpm2d", X_OK) == 0 {
            return "\(dir)/swiftpm2d"
        }
        throw .daemonUnavailable("cannot find swiftpm2d next to this swiftpm2 or on PATH; set SWIFTPM2D_PATH")
    }

    private func tail(of path: String, lines: Int) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "(no log)" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        let from = max(0, size - 4096)
        var buf = [UInt8](repeating: 0, count: Int(size - from))
        let n = pread(fd, &buf, buf.count, from)
        guard n > 0 else { return "(empty log)" }
        return buf[..<n].split(separator: 10).suffix(lines).map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }
}

func currentEnvironment() -> [String] {
    var out: [String] = []
    var p = environ
    while let entry = p.pointee {
        out.append(String(cString: entry))
        p += 1
    }
    return out
}
