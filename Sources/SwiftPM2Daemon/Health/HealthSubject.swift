import Glibc
import SwiftPM2Core

/// The process one health check is about, as the supervisor knows it.
struct HealthSubject: Sendable {
    var app: String
    var instance: Int
    var pid: pid_t
    /// Where `http` and `tcp` checks connect (`HealthCheck.target(assignedPort:spec:)`); nil
    /// when there is no port (a `command` check may do without).
    var target: HealthTarget?
    /// The environment a `command` check starts from: the one the instance got (the daemon's
    /// own plus the app's `env`); the probe adds the `SWIFTPM2_*` variables.
    var environment: [String: String]
    /// Working directory of a `command` check: the app's `cwd`.
    var cwd: String
}
