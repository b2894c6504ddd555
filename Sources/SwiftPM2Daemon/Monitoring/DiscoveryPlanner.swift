/// Chooses how the sampler finds each tree's members: the cheaper of two ways, by a cost model
/// measured on this kind of machine, re-decided at every sample.
///
/// - `scan` reads `/proc/PID/stat` of **every** process on the machine and links them by parent
///   pid: its cost grows with the machine's process count, not with the trees'.
/// - `walk` starts at each root and reads `/proc/PID/task/TID/children` (kernel option
///   `CONFIG_PROC_CHILDREN`) for every thread of every member: its cost grows with the trees'
///   members and their threads, and a member with many threads (Node, Java, Go) costs one read
///   per thread, since a child is listed under the thread that forked it.
///
/// Measured (C, 2 cores): a scan costs about 9 µs per process on the machine; a walk about 13 µs
/// per single-threaded member and 6 µs more per thread of a multi-threaded one. So 200
/// single-threaded instances on a machine of 1100 processes: walk 2.6 ms, scan 11 ms; 200
/// instances of 8 threads on a machine of 300 processes: walk 11 ms, scan 3 ms. This Swift code
/// (debug build, 200 single-process instances, 340 processes): scan 3.7 ms, walk 3.0 ms, the
/// same proportions.
struct DiscoveryPlanner: Sendable, Equatable {
    enum Strategy: Sendable, Equatable {
        case scan, walk
    }

    /// Cost of a scan per process on the machine (µs).
    var scanPerProcess = 9.0
    /// Cost of a walk per member (µs): its stat and one children file.
    var walkPerMember = 13.0
    /// Extra cost of a walk per thread of a multi-threaded member (µs).
    var walkPerThread = 6.0
    /// The other strategy must be predicted this much cheaper to switch (no flapping).
    var hysteresis = 0.8

    private(set) var current: Strategy = .scan

    /// Predicted costs (µs) for the figures of the previous sample.
    func costs(processes: Int, members: Int, threadsOfThreadedMembers: Int) -> (scan: Double, walk: Double) {
        (Double(processes) * scanPerProcess,
         Double(members) * walkPerMember + Double(threadsOfThreadedMembers) * walkPerThread)
    }

    /// The strategy for the next sample.
    /// - Parameters:
    ///   - processes: processes on the machine (from the last scan or count).
    ///   - members: members of all the trees at the previous sample.
    ///   - threadsOfThreadedMembers: threads of those members that have more than one, summed.
    mutating func choose(processes: Int, members: Int, threadsOfThreadedMembers: Int) -> Strategy {
        let cost = costs(processes: processes, members: members, threadsOfThreadedMembers: threadsOfThreadedMembers)
        switch current {
        case .scan where cost.walk < cost.scan * hysteresis: current = .walk
        case .walk where cost.scan < cost.walk * hysteresis: current = .scan
        default: break
        }
        return current
    }
}
