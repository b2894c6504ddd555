/// Decides what the health check results of one process mean; no clock and no I/O of its own.
///
/// Times are offsets on a monotonic clock chosen by the caller, as for ``RestartPolicy``. One
/// tracker follows one process (a reload replacement has its own), so a result always belongs
/// to the process the tracker was ``started(at:)`` for.
///
/// The rules (documented in docs/monitoring.md):
/// - **Start-up with `wait_ready`** (``Settings/gatesReadiness``): the instance is launching
///   until a check passes, which gives ``Action/ready``; `READY=1` neither replaces nor
///   hastens that. Failures meanwhile count as "not ready yet", never toward recycling. A
///   failure once `listen_timeout` has passed since the start (or ``readinessTimedOut()``,
///   from the supervisor's timer) gives ``Action/notReady(reason:)``, with the last failure
///   in the reason. Checks run every ``Settings/startupInterval`` until then.
/// - **Start-up without `wait_ready`**: the instance is online from its start. Failures within
///   `start_period` of the start do not count; the start period ends early at the first
///   passing check or at `READY=1` (``becameReady()``).
/// - **Running**: each failure adds one to ``consecutiveFailures`` and a pass resets it; at
///   `failures` in a row the tracker gives ``Action/recycle(reason:)`` once and ignores results
///   until the next ``started(at:)`` (the new process) or ``recycleAbandoned()`` (the recycle
///   failed and the old process keeps its slot: counting starts over).
public struct HealthTracker: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// The first passing check of a `wait_ready` instance: it is ready (online, or a
        /// reload replacement may take over).
        case ready
        /// A `wait_ready` instance had no passing check within `listen_timeout`: it failed to
        /// start (killed and `errored`, as an instance without `READY=1`).
        case notReady(reason: String)
        /// `failures` checks in a row failed: replace the process (gracefully in cluster mode).
        case recycle(reason: String)
    }

    public enum Phase: Sendable, Equatable {
        /// No process to check.
        case idle
        /// Started at `since`, not yet ready (`wait_ready`) or still in its start period.
        case starting(since: Duration)
        /// Failures count.
        case running
        /// A recycle was asked for; results are ignored.
        case recycling
        /// It failed to get ready; results are ignored.
        case failed
    }

    public let settings: Settings
    public private(set) var phase = Phase.idle
    public private(set) var consecutiveFailures = 0
    /// The latest result, for `describe`.
    public private(set) var lastPassed: Bool?
    public private(set) var lastDetail: String?

    public init(settings: Settings) {
        self.settings = settings
    }

    /// The process started at `now`: start-up begins and everything earlier is forgotten.
    public mutating func started(at now: Duration) {
        phase = .starting(since: now)
        consecutiveFailures = 0
        lastPassed = nil
        lastDetail = nil
    }

    /// The process is gone (stopped or exited): no more checks.
    public mutating func stopped() {
        phase = .idle
    }

    /// The process sent `READY=1`. Without `wait_ready` this ends the start period; with it,
    /// readiness is the first passing check and this changes nothing.
    public mutating func becameReady() {
        if case .starting = phase, !settings.gatesReadiness { phase = .running }
    }

    /// A check of the process finished at `now`.
    public mutating func result(ok: Bool, at now: Duration, detail: String) -> Action {
        lastPassed = ok
        lastDetail = detail
        switch phase {
        case .idle, .recycling, .failed:
            return .none
        case .starting(let since):
            if ok {
                phase = .running
                consecutiveFailures = 0
                return settings.gatesReadiness ? .ready : .none
            }
            if settings.gatesReadiness {
                return now - since >= settings.listenTimeout ? failStart() : .none
            }
            if now - since < settings.startPeriod { return .none }
            phase = .running
            return countFailure(detail)
        case .running:
            if ok {
                consecutiveFailures = 0
                return .none
            }
            return countFailure(detail)
        }
    }

    /// A `HealthResult` finished at `now`.
    public mutating func result(_ result: HealthResult, at now: Duration) -> Action {
        self.result(ok: result.ok, at: now, detail: result.detail)
    }

    /// `listen_timeout` has passed since the start (the supervisor's readiness timer):
    /// ``Action/notReady(reason:)`` when a `wait_ready` instance is still not ready.
    public mutating func readinessTimedOut() -> Action {
        guard case .starting = phase, settings.gatesReadiness else { return .none }
        return failStart()
    }

    /// The recycle asked for could not be done and the process stays: count from zero again.
    public mutating func recycleAbandoned() {
        guard phase == .recycling else { return }
        phase = .running
        consecutiveFailures = 0
    }

    /// How long after a result (or the start) the next check should begin; nil when the
    /// process is not being checked.
    public var nextCheckDelay: Duration? {
        switch phase {
        case .starting: return settings.gatesReadiness ? settings.startupInterval : settings.interval
        case .running: return settings.interval
        case .idle, .recycling, .failed: return nil
        }
    }

    /// When a `wait_ready` instance that is still starting fails to start.
    public var readinessDeadline: Duration? {
        guard case .starting(let since) = phase, settings.gatesReadiness else { return nil }
        return since + settings.listenTimeout
    }

    private mutating func countFailure(_ detail: String) -> Action {
        consecutiveFailures += 1
        guard consecutiveFailures >= settings.failures else { return .none }
        phase = .recycling
        let inARow = consecutiveFailures > 1 ? " (\(consecutiveFailures) failures in a row)" : ""
        return .recycle(reason: "health: \(detail)\(inARow)")
    }

    private mutating func failStart() -> Action {
        phase = .failed
        let last = lastPassed == false ? lastDetail.map { "last: \($0)" } : nil
        return .notReady(reason: "health: no passing check within listen_timeout \(RestartPolicy.describe(settings.listenTimeout)) (\(last ?? "no check finished"))")
    }
}
