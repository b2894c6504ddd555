/// `health`: how the daemon checks, from outside, that an instance still works — for apps that
/// do not send sd_notify `READY=1` or `WATCHDOG=1`.
///
/// A check is an HTTP GET, a TCP connect, or a command, run every ``intervalMs`` against one
/// process. ``failures`` failed checks in a row recycle the instance (gracefully in cluster
/// mode); with `wait_ready`, the first passing check is what makes an instance ready (see
/// ``HealthTracker`` for the rules).
///
/// **Which process a check reaches.** In cluster mode every instance accepts on the same
/// daemon-held socket, so a check sent to the app's port reaches whichever instance the kernel
/// picks. With ``port`` set, each process serves its health endpoint on a port of its own:
/// instance `i` on `port + i`, told in `SWIFTPM2_HEALTH_PORT` (see ``assignPort(index:instances:taken:)``
/// for reload replacements). Without it, `http` and `tcp` checks go to the app's own port,
/// which is only allowed when the app has exactly one instance.
public struct HealthCheck: Sendable, Equatable {
    /// What one check does.
    public enum Kind: Sendable, Equatable {
        /// `GET path` on `127.0.0.1:<port>`; passes when the answer's status is `expectedStatus`.
        case http(path: String, expectedStatus: Int)
        /// A TCP connect to `127.0.0.1:<port>`; passes when it is accepted.
        case tcp
        /// An executable and its arguments, run without a shell; passes when it exits 0.
        case command([String])
    }

    public var kind: Kind
    /// Base of the per-instance health ports (instance `i` serves `port + i`), or nil to check
    /// the app's own port (`http`, `tcp`) or no port at all (`command`).
    public var port: Int?
    /// Time from the end of one check to the start of the next.
    public var intervalMs: Int
    /// A check that has not passed within this long fails (a command is killed).
    public var timeoutMs: Int
    /// Failed checks in a row that recycle the instance.
    public var failures: Int
    /// Without `wait_ready`: failures this soon after a start do not count (ended early by a
    /// passing check or `READY=1`). nil: no grace.
    public var startPeriodMs: Int?

    public static let defaultIntervalMs = 5000
    public static let defaultTimeoutMs = 2000
    public static let defaultFailures = 3
    public static let defaultStatus = 200
    /// Where every check connects: health endpoints are local.
    public static let host = "127.0.0.1"
    /// The variable that tells a process its own health port.
    public static let portVariable = "SWIFTPM2_HEALTH_PORT"

    public init(kind: Kind, port: Int? = nil, intervalMs: Int = HealthCheck.defaultIntervalMs,
                timeoutMs: Int = HealthCheck.defaultTimeoutMs, failures: Int = HealthCheck.defaultFailures,
                startPeriodMs: Int? = nil) {
        self.kind = kind
        self.port = port
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.failures = failures
        self.startPeriodMs = startPeriodMs
    }

    /// What the check does, for messages: `GET /healthz`, `TCP connect`, `command /bin/check`.
    public var summary: String {
        switch kind {
        case .http(let path, _): return "GET \(path)"
        case .tcp: return "TCP connect"
        case .command(let argv): return "command \(argv.first ?? "")"
        }
    }

    /// True for the checks that need a port (`http`, `tcp`).
    public var needsPort: Bool {
        if case .command = kind { return false }
        return true
    }
}
