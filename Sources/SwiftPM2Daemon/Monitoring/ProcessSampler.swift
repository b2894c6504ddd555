import Glibc

/// Samples CPU and memory of whole process trees from `/proc`: for each instance its root
/// process and every descendant, including those that left the root's process group or
/// session (`setsid`), which parentage still links. A descendant whose parent exits is
/// re-parented to the daemon (the subreaper) or init and stops counting: orphans are not the
/// instance's any more.
///
/// Usage: call `sample(_:)` periodically (e.g. once a second) with every instance to watch; the
/// sampler keeps each key's previous members to compute CPU over the interval, and forgets keys
/// that are not passed. Synchronous and cheap: measured 3.6-4.4 ms of CPU per sample of 200
/// single-process instances in a debug build (`ProcessSamplerTests` prints it), under 0.5 % of
/// a core at one sample a second. It does no blocking waits, only `/proc` reads, so it may run
/// on the actor that owns it. Not thread-safe: one owner (the supervisor, or one task) calls it.
///
/// - CPU: ticks of utime+stime (see `TreeCPUAccounting`: exited members and short-lived
///   children are accounted through their parents' cutime+cstime, never negative) divided by
///   `sysconf(_SC_CLK_TCK)` and by the interval on `CLOCK_MONOTONIC`; 100 % is one core.
///   Ticks are 10 ms, so a figure is ±1 % over a 1 s interval but ±10 % over 100 ms.
/// - RSS: `/proc/PID/stat` field 24 of each live member, times the page size.
/// - PSS: `/proc/PID/smaps_rollup`, at a lower rate (`pssEvery`), since the kernel walks the
///   page tables of the whole process for it. Measured: 60 µs for a `sleep`, 2.6 ms for a
///   process with 256 MiB resident (about 10 µs per MiB). 200 instances of 100 MiB cost about
///   200 ms for one pass, so the default spreads it over a minute at one sample a second.
/// - Members are found by scanning all of `/proc` or by walking `children` files from each root,
///   whichever `DiscoveryPlanner` predicts cheaper.
final class ProcessSampler<Key: Hashable & Sendable> {
    /// Every how many samples of a tree its PSS is measured (0: only with `forcePSS`). Trees
    /// are staggered, so that not all of them pay on the same sample.
    let pssEvery: Int
    /// The strategy used by the latest sample.
    private(set) var lastStrategy: DiscoveryPlanner.Strategy = .scan

    let files: ProcFiles
    /// A strategy forced by the caller; nil lets the planner choose.
    private let forcedStrategy: DiscoveryPlanner.Strategy?
    private var planner = DiscoveryPlanner()
    private let ticksPerSecond: Double
    private let pageSize: UInt64
    /// `children` files exist (CONFIG_PROC_CHILDREN).
    private let canWalk: Bool
    /// Each key's tree at its previous sample.
    private(set) var trees: [Key: Tree] = [:]
    private var pssStagger = 0
    /// Processes on the machine at the last scan or count, and samples since.
    private var machineProcesses = 0
    private var samplesSinceCount = 0

    /// Scratch storage of a scan, kept between samples to avoid reallocating.
    var scanned: [ProcStat] = []
    var scanIndex: [pid_t: Int] = [:]
    var scanOwner: [Int] = []
    var threadScratch: [pid_t] = []

    /// What the sampler remembers of one tree between samples.
    struct Tree {
        var rootPID: pid_t
        var rootStart: UInt64
        var members: [pid_t: ProcStat]
        var sampledAtNs: UInt64
        /// Samples left until the next PSS measurement.
        var pssCountdown: Int
        /// CPU already counted of exited members whose parents have not reaped them yet.
        var debt: [pid_t: UInt64] = [:]
    }

    /// - Parameters:
    ///   - pssEvery: measure PSS every this many samples of a tree (0: only when forced).
    ///   - strategy: force one way of finding members (to measure it); nil lets
    ///     `DiscoveryPlanner` choose at each sample. `walk` falls back to `scan` on kernels
    ///     without `CONFIG_PROC_CHILDREN`.
    init(pssEvery: Int = 60, strategy: DiscoveryPlanner.Strategy? = nil) throws(DaemonError) {
        self.pssEvery = max(0, pssEvery)
        forcedStrategy = strategy
        files = try ProcFiles()
        ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        pageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        let me = getpid()
        canWalk = files.read(me, task: me, "children") != nil
    }

    /// Samples the trees of `roots` (each a key of the caller's and the pid of the instance's
    /// process), and forgets every key not listed.
    ///
    /// - Parameter forcePSS: measure PSS of every tree now, whatever `pssEvery` says.
    /// - Returns: one sample per key whose root process exists; a key whose root is gone is
    ///   missing. A root that has exited but is not reaped yet (a zombie) still has a sample,
    ///   with its live descendants only. A key whose root pid changed, or was reused by another
    ///   process, starts afresh (CPU nil).
    func sample(_ roots: [(key: Key, pid: pid_t)], forcePSS: Bool = false) -> [Key: ProcessTreeSample] {
        guard !roots.isEmpty else {
            trees = [:]
            return [:]
        }
        let strategy = chooseStrategy()
        lastStrategy = strategy
        let before = Self.monotonicNanos()
        let found: [Discovered] = switch strategy {
        case .scan: scanTrees(roots)
        case .walk: walkTrees(roots)
        }
        // The reads took a few ms, longer if this thread was preempted: date them all at the
        // middle, so that the error on an interval is at most half of that, either way.
        let now = before + (Self.monotonicNanos() - before) / 2

        var results: [Key: ProcessTreeSample] = [:]
        results.reserveCapacity(roots.count)
        var kept: [Key: Tree] = [:]
        kept.reserveCapacity(roots.count)
        for (index, root) in roots.enumerated() {
            let tree = found[index]
            guard let rootStat = tree.members[root.pid] else { continue }
            var previous = trees[root.key]
            if let known = previous, known.rootPID != root.pid || known.rootStart != rootStat.startTime {
                previous = nil
            }
            var cpu: Double?
            var members = tree.members
            var debt: [pid_t: UInt64] = [:]
            if let previous {
                let (ticks, unpaid) = TreeCPUAccounting.account(previous: previous.members, current: members,
                                                                leftAlive: tree.leftAlive, carried: previous.debt)
                debt = unpaid
                let seconds = Double(now &- previous.sampledAtNs) / 1e9
                if seconds > 0 { cpu = Double(ticks) / ticksPerSecond / seconds * 100 }
                Self.keepTimesMonotonic(&members, previous: previous.members)
            }
            var countdown = previous?.pssCountdown ?? nextStagger()
            var pss: UInt64?
            countdown -= 1
            if forcePSS || (pssEvery > 0 && countdown <= 0) {
                pss = measurePSS(members)
                countdown = pssEvery
            }
            results[root.key] = summary(root.pid, cpu: cpu, members: members, pss: pss)
            kept[root.key] = Tree(rootPID: root.pid, rootStart: rootStat.startTime, members: members,
                                  sampledAtNs: now, pssCountdown: countdown, debt: debt)
        }
        trees = kept
        return results
    }

    /// Members found for one root, and previous members that still live outside the tree.
    struct Discovered {
        var members: [pid_t: ProcStat] = [:]
        var leftAlive: Set<pid_t> = []
    }

    // MARK: - Internals

    private func chooseStrategy() -> DiscoveryPlanner.Strategy {
        switch forcedStrategy {
        case .scan: return .scan
        case .walk: return canWalk ? .walk : .scan
        case nil:
            guard canWalk, !trees.isEmpty, machineProcesses > 0 else { return .scan }
            if planner.current == .walk {
                samplesSinceCount += 1
                if samplesSinceCount >= 10 {
                    // Listing /proc costs about 0.5 µs per process, a twentieth of a scan.
                    machineProcesses = files.forEachProcess { _ in }
                    samplesSinceCount = 0
                }
            }
            var members = 0
            var threads = 0
            for tree in trees.values {
                members += tree.members.count
                for stat in tree.members.values where stat.threads > 1 { threads += stat.threads }
            }
            return planner.choose(processes: machineProcesses, members: members, threadsOfThreadedMembers: threads)
        }
    }

    /// Records the machine's process count, known after a scan.
    func noteMachineProcesses(_ count: Int) {
        machineProcesses = count
        samplesSinceCount = 0
    }

    private func nextStagger() -> Int {
        guard pssEvery > 0 else { return Int.max }
        pssStagger += 1
        return pssStagger % pssEvery + 1
    }

    private func measurePSS(_ members: [pid_t: ProcStat]) -> UInt64? {
        var total: UInt64 = 0
        for (pid, stat) in members where !stat.isZombie {
            guard let text = files.read(pid, "smaps_rollup") else {
                // Gone since the scan: it has no memory left to count.
                if kill(pid, 0) != 0 && errno == ESRCH { continue }
                return nil
            }
            total &+= SmapsRollup.pssBytes(text) ?? 0
        }
        return total
    }

    private func summary(_ root: pid_t, cpu: Double?, members: [pid_t: ProcStat], pss: UInt64?) -> ProcessTreeSample {
        var rss: UInt64 = 0
        var pids: [pid_t] = []
        pids.reserveCapacity(members.count)
        for (pid, stat) in members where !stat.isZombie {
            rss &+= stat.rssPages &* pageSize
            pids.append(pid)
        }
        pids.sort()
        return ProcessTreeSample(rootPID: root, cpuPercent: cpu, rssBytes: rss, pssBytes: pss,
                                 processCount: pids.count, pids: pids)
    }

    /// A process's times never shrink; a smaller reading (a zombie's) keeps the larger one, so
    /// that the next interval does not count the difference twice.
    private static func keepTimesMonotonic(_ members: inout [pid_t: ProcStat], previous: [pid_t: ProcStat]) {
        for (pid, before) in previous {
            guard var now = members[pid], now.startTime == before.startTime else { continue }
            if now.ownTicks < before.ownTicks || now.reapedTicks < before.reapedTicks {
                now.ownTicks = max(now.ownTicks, before.ownTicks)
                now.reapedTicks = max(now.reapedTicks, before.reapedTicks)
                members[pid] = now
            }
        }
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
