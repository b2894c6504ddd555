import CSystemd
import Glibc

/// The daemon's own readiness and status for systemd, through libsystemd's `sd_notify`.
///
/// Does nothing when `NOTIFY_SOCKET` is unset (not run by systemd), which `sd_notify` itself
/// checks.
struct SystemdNotifier: Sendable {
    var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    func ready(status: String) {
        send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())")
    }

    func status(_ text: String) {
        send("STATUS=\(text)")
    }

    func stopping() {
        send("STOPPING=1\nSTATUS=stopping apps")
    }

    /// Before a reload (SIGHUP); `ready` follows once it is done.
    func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        send("RELOADING=1\nSTATUS=reloading apps\nMONOTONIC_USEC=\(usec)")
    }

    func watchdog() {
        send("WATCHDOG=1")
    }

    /// systemd's watchdog interval for this process (`WATCHDOG_USEC`, when `WATCHDOG_PID` is
    /// unset or ours), or nil.
    static func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    /// Descriptors systemd passed (`LISTEN_FDS`): the control socket of `swiftpm2d.socket`
    /// (any listening socket whose name is not one of ours), and what the daemon had put in
    /// systemd's fd store, by name. All are made close-on-exec; the variables are unset.
    static func inheritedDescriptors() -> (control: Int32?, stored: [String: Int32]) {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return (nil, [:]) }
        defer {
            for i in 0..<Int(count) { free(names?[i]) }
            free(names)
        }
        var control: Int32?
        var stored: [String: Int32] = [:]
        for i in 0..<count {
            let fd = SD_LISTEN_FDS_START + i
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let name = names?[Int(i)].map { String(cString: $0) } ?? "unknown"
            if name.hasPrefix(DescriptorStore.storedPrefix) {
                stored[name] = fd
            } else if control == nil, sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 {
                control = fd
            } else {
                close(fd)
            }
        }
        return (control, stored)
    }

    private func send(_ state: String) {
        guard isEnabled else { return }
        _ = state.withCString { sd_notify(0, $0) }
    }
}
