/// One reading of an instance slot, taken at each refresh of `swiftpm2 monit`.
public struct MonitSample: Sendable, Equatable {
    /// CPU use in percent of one core; nil when the daemon does not report it or no process runs.
    public var cpuPercent: Double?
    /// Resident memory; nil when no process runs.
    public var memoryBytes: UInt64?
    /// True on the first reading of a new process of the slot (its pid changed).
    public var newProcess: Bool

    public init(cpuPercent: Double?, memoryBytes: UInt64?, newProcess: Bool = false) {
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.newProcess = newProcess
    }
}
