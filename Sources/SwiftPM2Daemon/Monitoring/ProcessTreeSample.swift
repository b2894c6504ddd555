import Glibc

/// What one sample measured for one instance's process tree: its root and every descendant.
struct ProcessTreeSample: Sendable, Equatable {
    /// The root the caller named (the instance's own process).
    var rootPID: pid_t
    /// CPU used by the tree since the previous sample of the same root, in percent of one core
    /// (200 = two cores busy). Nil on the first sample of a root: there is no interval yet.
    var cpuPercent: Double?
    /// Resident memory of all members, summed. Shared pages count once per member that maps
    /// them, as with `ps`; see `pssBytes`.
    var rssBytes: UInt64
    /// Proportional set size of all members, summed: shared pages divided among their users.
    /// Only on the samples that measured it (see `ProcessSampler.pssEvery`); nil on the others
    /// and when some member's `smaps_rollup` could not be read (another user's process).
    var pssBytes: UInt64?
    /// Live members: the root and its descendants, zombies excluded.
    var processCount: Int
    /// Their pids, ascending.
    var pids: [pid_t]
}
