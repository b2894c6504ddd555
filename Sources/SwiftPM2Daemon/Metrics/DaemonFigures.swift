import Glibc

/// The daemon's own process figures for `swiftpm2_daemon_*`. A figure that could not be read
/// is nil, and its sample is left out rather than reported as 0.
struct DaemonFigures: Sendable, Equatable {
    var pid: Int32
    /// The daemon's version (`swiftpm2_daemon_info{version=...}`).
    var version: String
    /// Seconds since the process started.
    var uptimeSeconds: Double?
    /// Resident set size in bytes.
    var rssBytes: UInt64?
    /// CPU time used so far, user plus system, in seconds.
    var cpuSecondsTotal: Double?
    /// Open file descriptors.
    var openFDs: Int?

    init(pid: Int32, version: String, uptimeSeconds: Double? = nil, rssBytes: UInt64? = nil,
         cpuSecondsTotal: Double? = nil, openFDs: Int? = nil) {
        self.pid = pid
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.rssBytes = rssBytes
        self.cpuSecondsTotal = cpuSecondsTotal
        self.openFDs = openFDs
    }
}
