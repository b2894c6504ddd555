import Glibc

extension ProcessSampler {
    /// Reads every process's stat, then gives each process to the root it descends from.
    func scanTrees(_ roots: [(key: Key, pid: pid_t)]) -> [Discovered] {
        scanned.removeAll(keepingCapacity: true)
        scanIndex.removeAll(keepingCapacity: true)
        let count = files.forEachProcess { pid in
            if let text = files.read(pid, "stat"), let stat = ProcStat.parse(text, pid: pid) {
                scanned.append(stat)
            }
        }
        noteMachineProcesses(count)
        for (index, stat) in scanned.enumerated() { scanIndex[stat.pid] = index }

        var rootOf: [pid_t: Int] = [:]
        for (index, root) in roots.enumerated() { rootOf[root.pid] = index }
        // owner[i]: index in `roots` of the tree process i belongs to; -1 none; -2 not known yet.
        scanOwner.removeAll(keepingCapacity: true)
        scanOwner.append(contentsOf: repeatElement(-2, count: scanned.count))
        var chain: [Int] = []
        for start in scanned.indices where scanOwner[start] == -2 {
            var at = start
            var owner = -1
            chain.removeAll(keepingCapacity: true)
            while true {
                if scanOwner[at] != -2 { owner = scanOwner[at]; break }
                chain.append(at)
                if let root = rootOf[scanned[at].pid] { owner = root; break }
                guard let parent = scanIndex[scanned[at].ppid], chain.count <= scanned.count else { break }
                at = parent
            }
            for index in chain { scanOwner[index] = owner }
        }

        var found = [Discovered](repeating: Discovered(), count: roots.count)
        for (index, stat) in scanned.enumerated() where scanOwner[index] >= 0 {
            found[scanOwner[index]].members[stat.pid] = stat
        }
        // Previous members alive elsewhere: they left the tree, they did not exit. A zombie
        // exited: its parent has yet to reap it (and take its time into its own).
        for (index, root) in roots.enumerated() {
            guard let tree = trees[root.key] else { continue }
            for (pid, before) in tree.members where found[index].members[pid] == nil {
                if let at = scanIndex[pid], scanned[at].startTime == before.startTime, !scanned[at].isExited {
                    found[index].leftAlive.insert(pid)
                }
            }
        }
        return found
    }

    /// Follows `/proc/PID/task/TID/children` down from each root.
    ///
    /// The kernel builds a `children` list while children may be exiting, and may then skip
    /// one (proc(5): the list is exact only while the children are stopped). So a previous
    /// member that was not reached is looked up: alive with the same start time under a member,
    /// it is walked again from there; alive elsewhere, it left; otherwise it exited.
    func walkTrees(_ roots: [(key: Key, pid: pid_t)]) -> [Discovered] {
        var found: [Discovered] = []
        found.reserveCapacity(roots.count)
        var queue: [pid_t] = []
        for root in roots {
            var tree = Discovered()
            queue.removeAll(keepingCapacity: true)
            queue.append(root.pid)
            walk(&queue, into: &tree.members)
            if let previous = trees[root.key], tree.members[root.pid] != nil {
                for (pid, before) in previous.members where tree.members[pid] == nil {
                    guard let text = files.read(pid, "stat"), let stat = ProcStat.parse(text, pid: pid),
                          stat.startTime == before.startTime, !stat.isExited else { continue }  // exited
                    if tree.members[stat.ppid] != nil {
                        queue.append(pid)
                        walk(&queue, into: &tree.members)
                    } else {
                        tree.leftAlive.insert(pid)
                    }
                }
            }
            found.append(tree)
        }
        return found
    }

    private func walk(_ queue: inout [pid_t], into members: inout [pid_t: ProcStat]) {
        while let pid = queue.popLast() {
            guard members[pid] == nil, let text = files.read(pid, "stat"), let stat = ProcStat.parse(text, pid: pid) else {
                continue
            }
            members[pid] = stat
            if stat.isZombie { continue }  // its children were re-parented when it exited
            if stat.threads <= 1 {
                appendChildren(pid, task: pid, to: &queue)
            } else {
                threadScratch.removeAll(keepingCapacity: true)
                guard files.threads(of: pid, into: &threadScratch) else { continue }
                for tid in threadScratch { appendChildren(pid, task: tid, to: &queue) }
            }
        }
    }

    /// Appends the pids listed in `/proc/<pid>/task/<tid>/children` ("12 34 ").
    private func appendChildren(_ pid: pid_t, task tid: pid_t, to queue: inout [pid_t]) {
        guard let text = files.read(pid, task: tid, "children") else { return }
        var value: pid_t = 0
        var digits = 0
        for byte in text {
            if byte >= 48 && byte <= 57 {
                value = value &* 10 &+ pid_t(byte - 48)
                digits += 1
            } else if digits > 0 {
                queue.append(value)
                value = 0
                digits = 0
            }
        }
        if digits > 0 { queue.append(value) }
    }
}
