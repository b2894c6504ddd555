/// What to do when an instance exits without having been asked to stop.
public enum RestartDecision: Sendable, Equatable {
    /// Start it again after this delay.
    case restart(after: Duration)
    /// Leave it stopped: autorestart is off, or the exit code is one of `stop_exit_codes`.
    case stop(reason: String)
    /// Give up and mark it errored: it is crash-looping.
    case giveUp(reason: String)
}

/// The restart settings of one app, in the units the policy works in.
public struct RestartSettings: Sendable, Equatable {
    public var autorestart: Bool
    public var maxRestarts: Int
    public var minUptime: Duration
    public var restartDelay: Duration
    public var expBackoffBase: Duration?
    public var crashWindow: Duration
    public var stopExitCodes: [Int32]

    /// Exponential backoff grows by this factor per unstable crash...
    public static let backoffFactor = 1.5
    /// ...and never waits longer than this.
    public static let backoffCap = Duration.seconds(15)

    public init(autorestart: Bool = true, maxRestarts: Int = AppSpec.defaultMaxRestarts,
                minUptime: Duration = .seconds(1), restartDelay: Duration = .zero,
                expBackoffBase: Duration? = nil, crashWindow: Duration = .seconds(60),
                stopExitCodes: [Int32] = []) {
        self.autorestart = autorestart
        self.maxRestarts = maxRestarts
        self.minUptime = minUptime
        self.restartDelay = restartDelay
        self.expBackoffBase = expBackoffBase
        self.crashWindow = crashWindow
        self.stopExitCodes = stopExitCodes
    }

    public init(spec: AppSpec) {
        self.init(autorestart: spec.autorestart, maxRestarts: spec.maxRestarts,
                  minUptime: .milliseconds(spec.minUptimeMs), restartDelay: .milliseconds(spec.restartDelayMs),
                  expBackoffBase: spec.expBackoffRestartDelayMs.map { .milliseconds($0) },
                  crashWindow: .milliseconds(spec.crashWindowMs), stopExitCodes: spec.stopExitCodes)
    }
}

/// Decides whether and when a crashed instance restarts; no clock of its own.
///
/// Times are offsets on a monotonic clock chosen by the caller (tests inject their own), so a
/// wall-clock jump never changes a decision.
///
/// The rule (documented in docs/ecosystem.md):
/// - A crash is *unstable* when the run lasted less than `min_uptime` (PM2's rule), **or** when it
///   comes less than `crash_window` after the previous crash. The second half is ours: PM2 never
///   counts an app that crashes, say, 30 s after every start, so it restarts forever while showing
///   `online`. Here such a loop is counted too.
/// - Consecutive unstable crashes are counted; a crash that is not unstable resets the count to 0.
/// - When the count passes `max_restarts` the instance is given up (`errored`): it was restarted
///   `max_restarts` times in a row and crashed once more.
/// - The delay is `restart_delay`, or with `exp_backoff_restart_delay` the base delay multiplied by
///   1.5 for each further unstable crash, capped at 15 s, back to the base after a stable run.
public struct RestartPolicy: Sendable, Equatable {
    public let settings: RestartSettings
    /// Consecutive unstable crashes.
    public private(set) var unstableCrashes = 0
    /// The backoff delay used for the last restart, when backoff is on.
    public private(set) var currentBackoff: Duration?
    private var lastStart: Duration?
    private var lastCrash: Duration?

    public init(settings: RestartSettings) {
        self.settings = settings
    }

    /// The instance's process started (or restarted) at `now`.
    public mutating func started(at now: Duration) {
        lastStart = now
    }

    /// Forget the crash history: an explicit start or restart by a person.
    public mutating func reset() {
        unstableCrashes = 0
        currentBackoff = nil
        lastCrash = nil
    }

    /// The instance exited at `now` without being asked to stop.
    public mutating func exited(at now: Duration, code: Int32?, signal: Int32?) -> RestartDecision {
        let ranFor = lastStart.map { now - $0 } ?? .zero
        let closeToLastCrash = lastCrash.map { now - $0 < settings.crashWindow } ?? false
        let unstable = ranFor < settings.minUptime || closeToLastCrash
        lastCrash = now
        unstableCrashes = unstable ? unstableCrashes + 1 : 0

        if !settings.autorestart {
            return .stop(reason: "autorestart is off")
        }
        if let code, signal == nil, settings.stopExitCodes.contains(code) {
            return .stop(reason: "exit code \(code) is in stop_exit_codes")
        }
        if unstableCrashes > settings.maxRestarts {
            let why = ranFor < settings.minUptime
                ? "each run shorter than min_uptime \(Self.describe(settings.minUptime))"
                : "each crash within crash_window \(Self.describe(settings.crashWindow)) of the last"
            return .giveUp(reason: "crashed \(unstableCrashes) times in a row (\(why)); max_restarts is \(settings.maxRestarts)")
        }
        return .restart(after: nextDelay(unstable: unstable))
    }

    private mutating func nextDelay(unstable: Bool) -> Duration {
        guard let base = settings.expBackoffBase else { return settings.restartDelay }
        let next: Duration
        if unstable, let current = currentBackoff {
            next = min(current * RestartSettings.backoffFactor, RestartSettings.backoffCap)
        } else {
            next = min(base, RestartSettings.backoffCap)
        }
        currentBackoff = next
        return next
    }

    /// "1.5s", "200ms", "2m".
    public static func describe(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 60_000 == 0, ms >= 60_000 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0, ms >= 1000 { return "\(ms / 1000)s" }
        if ms >= 1000 { return "\(Double(ms) / 1000)s" }
        return "\(ms)ms"
    }
}
