import Glibc
import SwiftPM2Core

/// Names one instance of one app.
struct InstanceRef: Hashable, Sendable {
    var appID: Int
    var index: Int
}

/// An app as the supervisor holds it.
struct ManagedApp {
    let id: Int
    var spec: AppSpec
    var instances: [ManagedInstance]
    /// Cluster mode: the sockets the daemon bound for `listen`, held for the app's life.
    var sockets: [ListenSocket] = []
    /// `balance: roundrobin` or `reuseport`: each instance slot's own SO_REUSEPORT sockets,
    /// kept across the slot's restarts and reloads.
    var slotSockets: [[ListenSocket]] = []
    /// `balance: roundrobin`: the steering of each `listen` address, in its order.
    var steering: [ConnectionSteering] = []
    /// Slots taken out of the rotation before they are scaled away.
    var drainingSlots: Set<Int> = []
    /// `cron_restart`: the timer of the next scheduled recycle.
    var cronTask: Task<Void, Never>?
    /// `watch`: the watcher and the task that recycles the app on its reports.
    var watcher: FileWatcher?
    var watchTask: Task<Void, Never>?

    /// The sockets instance `index` inherits.
    func sockets(for index: Int) -> [ListenSocket] {
        slotSockets.isEmpty ? sockets : (index < slotSockets.count ? slotSockets[index] : [])
    }

    var isFullyStopped: Bool {
        instances.allSatisfy { $0.state == .stopped || $0.state == .errored }
    }
}

/// One instance as the supervisor holds it: its process, its state, its restart policy.
struct ManagedInstance {
    let index: Int
    var state: InstanceState = .stopped
    var pid: pid_t?
    /// Process group of the current (or last) process: the instance leads its own session.
    var pgid: pid_t?
    /// Bumped at every spawn and every stop, so that a timer set for an earlier life does nothing.
    var generation = 0
    var startedAt: Duration?
    var startedAtWallMs: Int64?
    var restarts = 0
    var policy: RestartPolicy
    var lastExit: ExitInfo?
    var message: String?
    var stopRequested = false
    var stopDeadline: Duration?
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    var timer: Task<Void, Never>?
    var logs: LogPaths
    /// The last `STATUS=` it sent.
    var statusText: String?
    /// Set when the daemon stops it for a failure (never ready): it ends errored, not stopped.
    var failReason: String?
    /// Why the daemon killed the current process (watchdog), told with its exit.
    var exitCause: String?
    /// sd_notify watchdog: the interval, and the timer a `WATCHDOG=1` re-arms.
    var watchdogInterval: Duration?
    var watchdogTimer: Task<Void, Never>?
    /// Resource samples of the process tree (`ProcessSampler`), newest last, and the latest.
    var samples = SampleRing()
    var lastSample: ProcessTreeSample?
    /// Consecutive samples over `max_memory_restart`.
    var samplesOverMemory = 0
    /// A recycle (memory, health, cron, watch) is under way: no second one meanwhile.
    var recycling = false

    init(index: Int, spec: AppSpec, logs: LogPaths) {
        self.index = index
        self.policy = RestartPolicy(settings: RestartSettings(spec: spec))
        self.logs = logs
    }

    /// Records `pid` as the slot's process, started at `start` (monotonic) and `wallMs`:
    /// it leads its own process group, its restart clock starts, and what belonged to the
    /// previous process (status, failure, exit cause, message, watchdog timer) is cleared.
    mutating func began(pid: pid_t, at start: Duration, wallMs: Int64, spec: AppSpec) {
        self.pid = pid
        pgid = pid
        startedAt = start
        startedAtWallMs = wallMs
        policy.started(at: start)
        statusText = nil
        failReason = nil
        exitCause = nil
        message = nil
        watchdogTimer?.cancel()
        watchdogTimer = nil
        watchdogInterval = spec.watchdogMs.map { .milliseconds($0) }
        lastSample = nil
        samplesOverMemory = 0
    }

    /// True while a process of this instance may still run.
    var isActive: Bool {
        switch state {
        case .launching, .online, .stopping, .waitingRestart: return true
        case .stopped, .errored: return false
        }
    }
}
