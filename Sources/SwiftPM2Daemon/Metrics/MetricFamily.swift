import Prometheus

/// One metric name of `/metrics`, with its help text and type. The cases are in the order the
/// families are emitted: the daemon, then apps, then instances.
///
/// Per instance, the labels are `app`, `namespace` and `instance` (the instance number, which
/// stays the same across restarts); pids change on every restart, so they are a value
/// (`swiftpm2_instance_pid`), never a label. Units follow Prometheus conventions: seconds,
/// bytes, and CPU as a ratio of one core.
enum MetricFamily: CaseIterable, Sendable {
    case daemonInfo, daemonPID, daemonUptime, daemonCPU, daemonMemory, daemonOpenFDs
    case appInstances
    case instanceUp, instanceState, instancePID, instanceUptime, instanceCPU, instanceMemory
    case instanceRestarts, instanceUnstableRestarts

    /// `swiftpm2_<subsystem>_<name>[_<unit>]`.
    var descriptor: MetricNameDescriptor {
        let (subsystem, metric, unit) = parts
        return MetricNameDescriptor(namespace: "swiftpm2", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    /// The full name, such as `swiftpm2_instance_memory_rss_bytes`.
    var name: String { descriptor.name }

    /// Counters only go up (until the daemon or the app starts afresh); the rest are gauges.
    var isCounter: Bool { self == .daemonCPU || self == .instanceRestarts }

    private var parts: (subsystem: String, metric: String, unit: String) {
        switch self {
        case .daemonInfo: ("daemon", "info", "")
        case .daemonPID: ("daemon", "pid", "")
        case .daemonUptime: ("daemon", "uptime", "seconds")
        case .daemonCPU: ("daemon", "cpu", "seconds_total")
        case .daemonMemory: ("daemon", "memory_rss", "bytes")
        case .daemonOpenFDs: ("daemon", "open_fds", "")
        case .appInstances: ("app", "instances", "")
        case .instanceUp: ("instance", "up", "")
        case .instanceState: ("instance", "state", "")
        case .instancePID: ("instance", "pid", "")
        case .instanceUptime: ("instance", "uptime", "seconds")
        case .instanceCPU: ("instance", "cpu_usage", "ratio")
        case .instanceMemory: ("instance", "memory_rss", "bytes")
        case .instanceRestarts: ("instance", "restarts", "total")
        case .instanceUnstableRestarts: ("instance", "unstable_restarts", "")
        }
    }

    /// The `# HELP` text.
    var help: String {
        switch self {
        case .daemonInfo: "Always 1; the label version is the version of swiftpm2d."
        case .daemonPID: "Process id of swiftpm2d."
        case .daemonUptime: "Seconds since swiftpm2d started."
        case .daemonCPU: "CPU time used by swiftpm2d itself (user and system), in seconds."
        case .daemonMemory: "Resident memory of swiftpm2d, in bytes."
        case .daemonOpenFDs: "Open file descriptors of swiftpm2d."
        case .appInstances: "Instances of the app (its instance slots, in any state)."
        case .instanceUp: "1 when the instance is online, else 0."
        case .instanceState: "1 for the state the instance is in, 0 for the other states."
        case .instancePID: "Process id of the instance's current process; absent when it has none."
        case .instanceUptime: "Seconds since the instance's current process started."
        case .instanceCPU: "CPU used by the instance's process tree over the last sampling interval, in cores (1 = one core busy)."
        case .instanceMemory: "Resident memory of the instance's process tree, in bytes (shared pages counted in each process)."
        case .instanceRestarts: "Restarts of the instance since its app was started: crashes and explicit restarts."
        case .instanceUnstableRestarts: "Consecutive unstable restarts of the instance, counted toward max_restarts."
        }
    }
}
