import Glibc

/// Helpers for a Swift app managed by swiftpm2 (or by systemd): the inherited listening sockets
/// and an accept loop for them (``AcceptLoop``), readiness, status and watchdog over
/// `NOTIFY_SOCKET` in the sd_notify datagram format, and the graceful-stop hook. Needs no
/// library of the daemon's.
public enum Worker {
    /// The instance number (`SWIFTPM2_INSTANCE`), or nil when not run by swiftpm2.
    public static var instance: Int? {
        getenv("SWIFTPM2_INSTANCE").flatMap { Int(String(cString: $0)) }
    }

    /// Listening sockets passed by socket activation (swiftpm2's cluster mode, or systemd):
    /// fds 3..<3+LISTEN_FDS with their LISTEN_FDNAMES, when LISTEN_PID is this process.
    /// Empty when none were passed. Works the same under plain systemd socket activation.
    public static func inheritedListeners() -> [(fd: Int32, name: String)] {
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }),
              pid_t(pidText) == getpid(),
              let count = getenv("LISTEN_FDS").flatMap({ Int32(String(cString: $0)) }), count > 0 else { return [] }
        let names = getenv("LISTEN_FDNAMES").map { String(cString: $0).split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        return (0..<count).map { i in (fd: 3 + i, name: Int(i) < names.count ? names[Int(i)] : "unknown") }
    }

    /// The graceful-stop hook, part one: call first thing in `main`, before any thread starts
    /// (SwiftNIO's event loops included), so that every thread inherits a mask that blocks
    /// SIGINT and SIGTERM and no thread dies of them.
    public static func blockStopSignals() {
        var mask = stopSignals
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// The graceful-stop hook, part two: blocks until swiftpm2 (or systemd) asks the app to
    /// stop, tells the manager it is stopping (`STOPPING=1`), and returns the signal. Then stop
    /// accepting, finish what is in flight, and exit before `kill_timeout`.
    public static func waitForStopSignal() -> Int32 {
        var mask = stopSignals
        var received: Int32 = 0
        while sigwait(&mask, &received) != 0 {}
        notify("STOPPING=1")
        return received
    }

    private static var stopSignals: sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        return mask
    }

    /// Tells the manager the app is ready to serve (`READY=1`). Returns false when no
    /// manager listens (no `NOTIFY_SOCKET`), which is not an error.
    @discardableResult
    public static func ready(status: String? = nil) -> Bool {
        notify("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? ""))
    }

    /// The watchdog interval the manager asks for (`WATCHDOG_USEC`), or nil when there is none.
    /// Send ``watchdog()`` at least this often — half of it is the usual rhythm.
    public static var watchdogInterval: Duration? {
        guard let usec = getenv("WATCHDOG_USEC").flatMap({ Int64(String(cString: $0)) }), usec > 0 else { return nil }
        return .microseconds(usec)
    }

    /// "Still alive" for the manager's watchdog (`WATCHDOG=1`).
    @discardableResult
    public static func watchdog() -> Bool {
        notify("WATCHDOG=1")
    }

    /// A one-line status for the manager (`STATUS=...`); systemd shows it in `systemctl status`.
    @discardableResult
    public static func status(_ text: String) -> Bool {
        notify("STATUS=\(text)")
    }

    /// Sends one sd_notify datagram (`KEY=VALUE` lines) to `NOTIFY_SOCKET`.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard let raw = getenv("NOTIFY_SOCKET") else { return false }
        var path = Array(String(cString: raw).utf8)
        guard !path.isEmpty else { return false }
        if path[0] == UInt8(ascii: "@") { path[0] = 0 } // abstract namespace
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard path.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { for (i, b) in path.enumerated() { $0[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let sent = state.withCString { text in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), 0, $0, length) }
            }
        }
        return sent >= 0
    }
}
