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

    private func send(_ state: String) {
        guard isEnabled else { return }
        _ = state.withCString { sd_notify(0, $0) }
    }
}
