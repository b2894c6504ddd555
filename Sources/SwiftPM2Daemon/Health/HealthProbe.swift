import Glibc
import NIOCore
import SwiftPM2Core

/// Runs one health check of one process and says how it went; the decisions (ready, recycle)
/// are ``HealthTracker``'s.
///
/// Nothing here blocks a thread for the length of a check: `http` and `tcp` run on a NIO event
/// loop (non-blocking connect and read, with a scheduled deadline), and a `command` is a child
/// process whose exit comes from the ``ChildReaper`` thread while the task awaits it (see
/// `HealthProbe+Command.swift`). Every check ends within its timeout (a command within its
/// timeout plus the moment its process group takes to die after SIGKILL).
struct HealthProbe: Sendable {
    let group: any EventLoopGroup

    init(group: any EventLoopGroup) {
        self.group = group
    }

    /// Runs `check` once against `subject`.
    func run(_ check: HealthCheck, on subject: HealthSubject) async -> HealthResult {
        let started = ContinuousClock.now
        let timeout = Duration.milliseconds(max(1, check.timeoutMs))
        let outcome: (ok: Bool, detail: String)
        switch check.kind {
        case .http(let path, let expected):
            if let target = subject.target {
                outcome = await http(path: path, expectedStatus: expected, target: target, timeout: timeout)
            } else {
                outcome = (false, "GET \(path): the instance has no port to check")
            }
        case .tcp:
            if let target = subject.target {
                outcome = await tcp(target: target, timeout: timeout)
            } else {
                outcome = (false, "TCP connect: the instance has no port to check")
            }
        case .command(let argv):
            var environment = subject.environment
            environment["SWIFTPM2_APP"] = subject.app
            environment["SWIFTPM2_INSTANCE"] = String(subject.instance)
            environment["SWIFTPM2_PID"] = String(subject.pid)
            environment[HealthCheck.portVariable] = subject.target.map { String($0.port) }
            outcome = await command(argv, environment: environment, cwd: subject.cwd, timeout: timeout)
        }
        return HealthResult(ok: outcome.ok, detail: outcome.detail, durationMs: Self.milliseconds(ContinuousClock.now - started))
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
