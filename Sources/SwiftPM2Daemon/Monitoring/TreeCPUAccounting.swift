import Glibc

/// How much CPU a process tree used between two samples, from its members' cumulative times.
///
/// Summing utime+stime of the members alive at each sample and subtracting would go negative
/// when a member exits (its time vanishes from the sum) and would miss every short-lived
/// process that started and ended between two samples (a shell script's commands). Instead:
///
/// - a member present at both samples (same pid **and** start time) adds the growth of its own
///   time (utime+stime) and of its reaped children's time (cutime+cstime);
/// - a member seen for the first time adds all of its time and its reaped children's: all of it
///   was spent since the previous sample;
/// - a member that **exited** since the previous sample was reaped by its parent, whose reaped
///   time then grew by the exited member's whole life. What was already counted of it (its own
///   and reaped time at the previous sample) is taken off that parent's growth — or off the
///   nearest surviving ancestor's, when its parent exited too and was itself reaped;
/// - a member that **left** the tree alive (re-parented away when its parent exited) adds
///   nothing more, and nothing is taken off for it.
///
/// What is taken off one parent never exceeds that parent's own reaped growth, so the result is
/// never negative. What could not be taken off yet — the member exited but its parent has not
/// reaped it (a zombie, which no sample lists) — is returned as debt and carried to the next
/// sample, so that its whole life is not counted again when the parent reaps it. Times only
/// grow: a smaller value for the same process (seen with zombies) counts as no growth.
enum TreeCPUAccounting {
    /// Ticks used, and what exited members' ancestors still owe (see above), by pid.
    static func account(previous: [pid_t: ProcStat], current: [pid_t: ProcStat], leftAlive: Set<pid_t> = [],
                        carried: [pid_t: UInt64] = [:]) -> (ticks: UInt64, debt: [pid_t: UInt64]) {
        var debt: [pid_t: UInt64] = [:]
        let ticks = ticks(previous: previous, current: current, leftAlive: leftAlive, carried: carried, unpaid: &debt)
        return (ticks, debt)
    }

    /// Clock ticks used by the tree between the two samples.
    /// - Parameters:
    ///   - previous: the members at the previous sample, by pid.
    ///   - current: the members now, by pid.
    ///   - leftAlive: previous members that still exist but no longer belong to the tree.
    static func ticks(previous: [pid_t: ProcStat], current: [pid_t: ProcStat], leftAlive: Set<pid_t> = []) -> UInt64 {
        var unpaid: [pid_t: UInt64] = [:]
        return ticks(previous: previous, current: current, leftAlive: leftAlive, carried: [:], unpaid: &unpaid)
    }

    private static func ticks(previous: [pid_t: ProcStat], current: [pid_t: ProcStat], leftAlive: Set<pid_t>,
                              carried: [pid_t: UInt64], unpaid: inout [pid_t: UInt64]) -> UInt64 {
        func survived(_ pid: pid_t) -> Bool {
            guard let before = previous[pid], let now = current[pid] else { return false }
            return before.startTime == now.startTime
        }

        // What was already counted of each exited member, owed by the ancestor that reaped it.
        var owed: [pid_t: UInt64] = carried.filter { survived($0.key) }
        for (pid, before) in previous where !survived(pid) && !leftAlive.contains(pid) {
            var ancestor = before.ppid
            var hops = 0
            while !survived(ancestor), let exited = previous[ancestor], !leftAlive.contains(ancestor), hops < previous.count {
                ancestor = exited.ppid
                hops += 1
            }
            if survived(ancestor) {
                owed[ancestor, default: 0] &+= before.ownTicks &+ before.reapedTicks
            }
        }

        var total: UInt64 = 0
        for (pid, now) in current {
            guard let before = previous[pid], before.startTime == now.startTime else {
                total &+= now.ownTicks &+ now.reapedTicks
                continue
            }
            total &+= now.ownTicks > before.ownTicks ? now.ownTicks - before.ownTicks : 0
            let grown = now.reapedTicks > before.reapedTicks ? now.reapedTicks - before.reapedTicks : 0
            let debt = owed[pid] ?? 0
            total &+= grown > debt ? grown - debt : 0
            if debt > grown { unpaid[pid] = debt - grown }
        }
        return total
    }
}
