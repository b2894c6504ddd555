import FoundationEssentials
import Glibc
import Testing
@testable import SwiftPM2Daemon

/// Real process trees, sampled from /proc. Each test spawns what it samples with `Spawner`
/// (its own session, reaped by the daemon's reaper) and kills all of it at the end. One test at
/// a time: the CPU figures would suffer from the other tests' busy loops on a 2-core machine.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ProcessSamplerTests {
    @Test func twoHundredInstancesCostUnderTenMillisecondsPerSample() async throws {
        let sleepers = try (0..<200).map { _ in try Spawner.spawn(shell("exec sleep 60", executable: "/bin/sleep", ["60"])) }
        defer { for pid in sleepers { kill(pid, SIGKILL) } }
        let roots = sleepers.enumerated().map { (key: $0.offset, pid: $0.element) }

        var figures: [String] = []
        var automaticCost = 0.0
        for strategy in [nil, DiscoveryPlanner.Strategy.scan, .walk] {
            let sampler = try ProcessSampler<Int>(pssEvery: 0, strategy: strategy)
            _ = sampler.sample(roots)  // the first sample sizes the scratch storage
            var results: [Int: ProcessTreeSample] = [:]
            let cost = threadCPUMilliseconds {
                for _ in 0..<20 { results = sampler.sample(roots) }
            } / 20
            #expect(results.count == 200)
            #expect(results.values.allSatisfy { $0.processCount == 1 && $0.cpuPercent != nil })
            figures.append("\(strategy.map { "\($0)" } ?? "automatic") \(format(cost)) ms (\(sampler.lastStrategy))")
            if strategy == nil { automaticCost = cost }
        }

        let sampler = try ProcessSampler<Int>(pssEvery: 0)
        var withPSS: [Int: ProcessTreeSample] = [:]
        let pssCost = threadCPUMilliseconds { withPSS = sampler.sample(roots, forcePSS: true) }
        #expect(withPSS.values.allSatisfy { ($0.pssBytes ?? 0) > 0 })
        print("ProcessSampler, 200 sleep instances, CPU per sample: \(figures.joined(separator: ", ")); "
            + "a sample with PSS: \(format(pssCost)) ms (\(format(pssCost * 1000 / 200)) µs per process); "
            + "processes on the machine: \(countProcesses())")
        #expect(automaticCost < 10, "a sample of 200 instances must cost under 1 % of a core at 1 Hz")
    }

    @Test(arguments: [DiscoveryPlanner.Strategy.scan, .walk])
    func grandchildThatLeftTheSessionIsCountedWithItsMemory(strategy: DiscoveryPlanner.Strategy) async throws {
        let dir = try MonitoringScratchFolder()
        // root sh → inner sh → (dd in a session of its own, holding a 64 MiB buffer while it
        // blocks writing into a pipe nobody reads) | sleep
        let root = try Spawner.spawn(shell("""
            sh -c 'setsid sh -c "echo \\$\\$ > \(dir.path)/hog; exec dd if=/dev/zero bs=64M count=1 status=none" | sleep 60'; sleep 60
            """))
        defer { killTree(root, dir.path + "/hog") }

        let sampler = try ProcessSampler<String>(strategy: strategy)
        let sample = try await monitoringPoll("the tree holds 60 MiB") { () -> ProcessTreeSample? in
            guard let sample = sampler.sample([(key: "hog", pid: root)])["hog"], sample.rssBytes >= 60 << 20 else { return nil }
            return sample
        }
        let hog = try #require(readPID(dir.path + "/hog"))
        #expect(sample.pids.contains(hog))
        #expect(sample.processCount == 4)  // root sh, inner sh, dd, sleep
        #expect(getsid(hog) != getsid(root))
        #expect(getsid(root) == root)
        #expect(sampler.lastStrategy == strategy)
    }

    @Test(arguments: [DiscoveryPlanner.Strategy.scan, .walk])
    func orphansReparentedAwayAreNotCounted(strategy: DiscoveryPlanner.Strategy) async throws {
        let dir = try MonitoringScratchFolder()
        let root = try Spawner.spawn(shell("sh -c 'sleep 60 & echo $! > \(dir.path)/orphan'; exec sleep 60"))
        defer { killTree(root, dir.path + "/orphan") }
        let orphan = try await monitoringPoll("the orphan's pid") { readPID(dir.path + "/orphan") }
        let sampler = try ProcessSampler<Int>(strategy: strategy)
        let sample = try await monitoringPoll("the root execs sleep, the inner shell is gone") { () -> ProcessTreeSample? in
            guard let sample = sampler.sample([(key: 0, pid: root)])[0], sample.processCount == 1 else { return nil }
            return sample
        }
        #expect(kill(orphan, 0) == 0)
        #expect(!sample.pids.contains(orphan))
    }

    @Test func busyChildShowsAboutOneCore() async throws {
        let root = try Spawner.spawn(shell("sh -c 'while :; do :; done' & wait"))
        defer { killTree(root) }
        let sampler = try ProcessSampler<Int>()
        var seen: [Double] = []
        _ = try await monitoringPoll("CPU over 50 %", interval: .milliseconds(500)) { () -> Double? in
            guard let cpu = sampler.sample([(key: 0, pid: root)])[0]?.cpuPercent else { return nil }
            seen.append(cpu)
            return cpu >= 50 ? cpu : nil
        }
        #expect(seen.allSatisfy { $0 >= 0 && $0 <= 200 }, "\(seen)")
    }

    @Test(arguments: [DiscoveryPlanner.Strategy.scan, .walk])
    func shortLivedChildrenAreCountedThroughTheirParent(strategy: DiscoveryPlanner.Strategy) async throws {
        // Each inner shell lives a few ms: at any sample almost all of the CPU was spent by
        // processes already gone, which only the parent's cutime still shows.
        let root = try Spawner.spawn(shell("while :; do sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); done'; done"))
        defer { killTree(root) }
        let sampler = try ProcessSampler<Int>(strategy: strategy)
        var seen: [Double] = []
        _ = try await monitoringPoll("CPU over 50 %", interval: .milliseconds(500)) { () -> Double? in
            guard let cpu = sampler.sample([(key: 0, pid: root)])[0]?.cpuPercent else { return nil }
            seen.append(cpu)
            return cpu >= 50 ? cpu : nil
        }
        #expect(seen.allSatisfy { $0 >= 0 && $0 <= 200 }, "\(seen)")
    }

    @Test(arguments: [DiscoveryPlanner.Strategy.scan, .walk])
    func memberThatExitsNeverMakesCPUNegative(strategy: DiscoveryPlanner.Strategy) async throws {
        let dir = try MonitoringScratchFolder()
        let root = try Spawner.spawn(shell("sh -c 'while [ ! -e \(dir.path)/stop ]; do :; done'; exec sleep 60"))
        defer { killTree(root) }
        let sampler = try ProcessSampler<Int>(strategy: strategy)
        var seen: [Double] = []
        // The burner has run for a while... (CPU over intervals of 20 ms would be ±50 % from
        // the 10 ms clock tick alone: sample every 250 ms.)
        _ = try await monitoringPoll("the burner counted", interval: .milliseconds(250)) { () -> Bool? in
            guard let sample = sampler.sample([(key: 0, pid: root)])[0] else { return nil }
            if let cpu = sample.cpuPercent { seen.append(cpu) }
            return sample.processCount == 2 && (sampler.trees[0]?.members.values.map(\.ownTicks).max() ?? 0) >= 5 ? true : nil
        }
        // ...then exits, and its times move into the root's cutime. (The first sample below
        // comes right after the previous one: over a few ms, one 10 ms tick reads as hundreds
        // of percent, so only samples 100 ms or more apart are checked.)
        try Data().write(to: URL(fileURLWithPath: dir.path + "/stop"))
        var last = ContinuousClock.now
        _ = try await monitoringPoll("the burner is gone", interval: .milliseconds(250)) { () -> Bool? in
            guard let sample = sampler.sample([(key: 0, pid: root)])[0] else { return nil }
            if let cpu = sample.cpuPercent {
                #expect(cpu >= 0)
                if ContinuousClock.now - last >= .milliseconds(100) { seen.append(cpu) }
            }
            last = .now
            return sample.processCount == 1 ? true : nil
        }
        #expect(!seen.isEmpty)
        #expect(seen.allSatisfy { $0 >= 0 && $0 <= 200 }, "\(seen)")
    }

    @Test(.enabled(if: access("/usr/bin/python3", X_OK) == 0, "needs python3 to fork from a second thread"))
    func childOfASecondThreadIsFoundByBothWays() async throws {
        let root = try Spawner.spawn(shell(
            "import subprocess, threading; t = threading.Thread(target=lambda: subprocess.run(['sleep', '60'])); t.start(); t.join()",
            executable: "/usr/bin/python3", nil))
        defer { killTree(root) }
        for strategy in [DiscoveryPlanner.Strategy.walk, .scan] {
            let sampler = try ProcessSampler<Int>(strategy: strategy)
            let sample = try await monitoringPoll("python and its sleep (\(strategy))") { () -> ProcessTreeSample? in
                guard let sample = sampler.sample([(key: 0, pid: root)])[0], sample.processCount == 2 else { return nil }
                return sample
            }
            #expect(sample.pids.contains(root))
        }
    }

    @Test func pssIsMeasuredEveryNthSampleStaggeredOverTheKeys() throws {
        let sleepers = try (0..<3).map { _ in try Spawner.spawn(shell("", executable: "/bin/sleep", ["60"])) }
        defer { for pid in sleepers { kill(pid, SIGKILL) } }
        let roots = sleepers.enumerated().map { (key: $0.offset, pid: $0.element) }
        let sampler = try ProcessSampler<Int>(pssEvery: 3)
        var measured: [[Int]] = []
        for _ in 0..<6 {
            measured.append(sampler.sample(roots).filter { $0.value.pssBytes != nil }.keys.sorted())
        }
        #expect(measured.map(\.count) == [1, 1, 1, 1, 1, 1])
        #expect(measured.joined().sorted() == [0, 0, 1, 1, 2, 2])
        #expect(sampler.sample(roots, forcePSS: true).values.allSatisfy { $0.pssBytes != nil })
        let never = try ProcessSampler<Int>(pssEvery: 0)
        for _ in 0..<3 { #expect(never.sample(roots).values.allSatisfy { $0.pssBytes == nil }) }
    }

    @Test func goneRootIsMissingAndReusedKeyStartsAfresh() async throws {
        let first = try Spawner.spawn(shell("exec sleep 60", executable: "/bin/sleep", ["60"]))
        let sampler = try ProcessSampler<Int>()
        #expect(sampler.sample([(key: 0, pid: first)])[0]?.cpuPercent == nil)
        #expect(sampler.sample([(key: 0, pid: first)])[0]?.cpuPercent != nil)
        kill(first, SIGKILL)
        _ = try await monitoringPoll("the root is reaped") { sampler.sample([(key: 0, pid: first)])[0] == nil ? true : nil }
        #expect(sampler.trees.isEmpty)

        let second = try Spawner.spawn(shell("exec sleep 60", executable: "/bin/sleep", ["60"]))
        defer { kill(second, SIGKILL) }
        #expect(sampler.sample([(key: 0, pid: second)])[0]?.cpuPercent == nil)
        _ = sampler.sample([(key: 1, pid: second)])
        #expect(sampler.trees[0] == nil, "keys not passed are forgotten")
    }
}

// MARK: - Pure parts: parsing, accounting, history, planning

extension ProcessSamplerTests {
    @Suite struct Parsing {
        @Test func statFieldsAreCountedFromTheLastParenthesis() throws {
            let line = stat(pid: 42, comm: "a) b (c) S 1", state: "S", ppid: 7, utime: 11, stime: 22, cutime: 33,
                            cstime: 44, threads: 3, start: 123456, rss: 2560)
            let parsed = try #require(parse(line, pid: 42))
            #expect(parsed == ProcStat(pid: 42, state: UInt8(ascii: "S"), ppid: 7, ownTicks: 33, reapedTicks: 77,
                                       threads: 3, startTime: 123456, rssPages: 2560))
        }

        @Test func zombieAndNegativeCutime() throws {
            let parsed = try #require(parse(stat(pid: 5, comm: "sh", state: "Z", ppid: 1, cutime: -1), pid: 5))
            #expect(parsed.isZombie)
            #expect(parsed.reapedTicks == 0)
        }

        @Test func truncatedOrGarbledStatIsRejected() {
            #expect(parse("42 (sh) S 1 42 42", pid: 42) == nil)
            #expect(parse("no parenthesis at all", pid: 1) == nil)
            #expect(parse(stat(pid: 5, comm: "sh", state: "S", ppid: 1, utime: 1).split(separator: " ").map { $0 == "1" ? "x" : $0 }
                .joined(separator: " "), pid: 5) == nil)
        }

        @Test func pssComesFromItsOwnLine() {
            let text = "55dd-7ffc ---p 00000000 00:00 0 [rollup]\nRss:     1760 kB\nPss:      268 kB\nPss_Dirty:  112 kB\n"
            #expect(text.utf8.withContiguousStorageIfAvailable { SmapsRollup.pssBytes(UnsafeRawBufferPointer($0)) } == 268 * 1024)
            #expect(Array("Rss: 1 kB\nPss_Anon: 3 kB\n".utf8).withUnsafeBytes { SmapsRollup.pssBytes($0) } == nil)
            #expect(Array("".utf8).withUnsafeBytes { SmapsRollup.pssBytes($0) } == nil)
        }

        private func parse(_ line: String, pid: pid_t) -> ProcStat? {
            Array(line.utf8).withUnsafeBytes { ProcStat.parse($0, pid: pid) }
        }
    }

    @Suite struct Accounting {
        @Test func survivorsAddTheirGrowthAndNewcomersAllTheirTime() {
            let before = tree([p(1, own: 100), p(2, parent: 1, own: 50)])
            let after = tree([p(1, own: 130), p(2, parent: 1, own: 60), p(3, parent: 2, own: 7, reaped: 3)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: after) == 30 + 10 + 10)
        }

        @Test func exitedChildCountsOnlyWhatItUsedSinceThePreviousSample() {
            // Child 2 had used 50 ticks; it used 20 more and exited; its parent reaped it (70).
            let before = tree([p(1, own: 100), p(2, parent: 1, own: 50)])
            let after = tree([p(1, own: 100, reaped: 70)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: after) == 20)
        }

        @Test func exitedChainIsOwedByTheAncestorThatReapedIt() {
            // 3 exits, reaped by 2 (2's reaped +45); 2 exits, reaped by 1: 1's reaped grows by
            // 2's own and reaped times at its end.
            let before = tree([p(1, own: 10), p(2, parent: 1, own: 20, reaped: 5), p(3, parent: 2, own: 30)])
            let after = tree([p(1, own: 10, reaped: 25 + 5 + 45)])
            // 2 used 5 more, 3 used 15 more.
            #expect(TreeCPUAccounting.ticks(previous: before, current: after) == 5 + 15)
        }

        @Test func childReapedAfterTheSampleThatMissedItIsNotCountedTwice() {
            // Child 2 (50 ticks counted) exits; the next sample misses it (a zombie, unreaped):
            // nothing to take off yet, so the debt is carried; once reaped (+60) only 10 count.
            let before = tree([p(1, own: 100), p(2, parent: 1, own: 50)])
            let zombie = tree([p(1, own: 100)])
            let first = TreeCPUAccounting.account(previous: before, current: zombie)
            #expect(first.ticks == 0 && first.debt == [1: 50])
            let reaped = tree([p(1, own: 100, reaped: 60)])
            let second = TreeCPUAccounting.account(previous: zombie, current: reaped, carried: first.debt)
            #expect(second.ticks == 10 && second.debt.isEmpty)
        }

        @Test func memberThatLeftAliveIsNotTakenOff() {
            let before = tree([p(1, own: 10), p(2, parent: 1, own: 40), p(3, parent: 2, own: 500)])
            // 2 exited (reaped by 1, +45); 3 was re-parented away, alive.
            let after = tree([p(1, own: 12, reaped: 45)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: after, leftAlive: [3]) == 2 + 5)
        }

        @Test func parentThatDoesNotCollectChildTimesNeverGoesNegative() {
            // SIGCHLD ignored: the kernel reaps the child and the parent's cutime stays put.
            let before = tree([p(1, own: 10), p(2, parent: 1, own: 900)])
            let after = tree([p(1, own: 11), p(4, parent: 1, own: 2)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: after) == 1 + 2)
        }

        @Test func reusedPIDIsANewProcessAndShrinkingTimesCountZero() {
            let before = tree([p(1, own: 10), p(2, parent: 1, own: 300, start: 1)])
            let reused = tree([p(1, own: 10, reaped: 300), p(2, parent: 1, own: 4, start: 2)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: reused) == 4)
            let shrunk = tree([p(1, own: 9), p(2, parent: 1, own: 250, start: 1)])
            #expect(TreeCPUAccounting.ticks(previous: before, current: shrunk) == 0)
        }

        private func p(_ pid: pid_t, parent: pid_t = 0, own: UInt64, reaped: UInt64 = 0, start: UInt64 = 0) -> ProcStat {
            ProcStat(pid: pid, state: UInt8(ascii: "S"), ppid: parent, ownTicks: own, reapedTicks: reaped,
                     threads: 1, startTime: start == 0 ? UInt64(pid) : start, rssPages: 0)
        }

        private func tree(_ members: [ProcStat]) -> [pid_t: ProcStat] {
            Dictionary(uniqueKeysWithValues: members.map { ($0.pid, $0) })
        }
    }

    @Suite struct History {
        @Test func ringKeepsTheNewestEntriesInOrder() {
            var ring = SampleRing(capacity: 3)
            #expect(ring.isEmpty && ring.last == nil && ring.entries.isEmpty)
            for t in 1...2 { ring.append(entry(t)) }
            #expect(ring.entries.map(\.timeMs) == [1, 2])
            #expect(ring.last?.timeMs == 2)
            for t in 3...7 { ring.append(entry(t)) }
            #expect(ring.count == 3)
            #expect(ring.entries.map(\.timeMs) == [5, 6, 7])
            #expect(ring.last?.timeMs == 7)
            #expect(ring.suffix(2).map(\.timeMs) == [6, 7])
            #expect(ring.suffix(10).map(\.timeMs) == [5, 6, 7])
            #expect(ring.suffix(0).isEmpty)
            ring.removeAll()
            #expect(ring.isEmpty && ring.capacity == 3)
            ring.append(entry(8))
            #expect(ring.entries.map(\.timeMs) == [8])
        }

        @Test func ringOfOneAndDefaultCapacity() {
            var one = SampleRing(capacity: 0)
            #expect(one.capacity == 1)
            for t in 1...3 { one.append(entry(t)) }
            #expect(one.entries.map(\.timeMs) == [3])
            var full = SampleRing()
            for t in 1...1000 { full.append(entry(t)) }
            #expect(full.count == 300)
            #expect(full.entries.first?.timeMs == 701)
            #expect(full.last == entry(1000))
        }

        private func entry(_ t: Int) -> SampleRing.Entry {
            SampleRing.Entry(timeMs: Int64(t), cpuPercent: Double(t), rssBytes: UInt64(t))
        }
    }

    @Suite struct Planning {
        @Test func manyUnrelatedProcessesFavourTheWalk() {
            var planner = DiscoveryPlanner()
            #expect(planner.choose(processes: 1100, members: 200, threadsOfThreadedMembers: 0) == .walk)
        }

        @Test func manyThreadsFavourTheScan() {
            var planner = DiscoveryPlanner()
            #expect(planner.choose(processes: 1100, members: 200, threadsOfThreadedMembers: 0) == .walk)
            #expect(planner.choose(processes: 300, members: 200, threadsOfThreadedMembers: 1600) == .scan)
        }

        @Test func closeCallsDoNotFlap() {
            var planner = DiscoveryPlanner()
            #expect(planner.choose(processes: 300, members: 200, threadsOfThreadedMembers: 0) == .scan)
            #expect(planner.choose(processes: 320, members: 200, threadsOfThreadedMembers: 0) == .scan)
            #expect(planner.choose(processes: 400, members: 200, threadsOfThreadedMembers: 0) == .walk)
            #expect(planner.choose(processes: 300, members: 200, threadsOfThreadedMembers: 0) == .walk)
        }
    }
}

/// A `/proc/PID/stat` line with the given values and plausible others.
private func stat(pid: pid_t, comm: String, state: String, ppid: pid_t, utime: Int = 0, stime: Int = 0, cutime: Int = 0,
                  cstime: Int = 0, threads: Int = 1, start: Int = 1000, rss: Int = 100) -> String {
    var fields = [state, "\(ppid)", "\(pid)", "\(pid)", "0", "-1", "4194560", "120", "0", "0", "0",
                  "\(utime)", "\(stime)", "\(cutime)", "\(cstime)", "20", "0", "\(threads)", "0", "\(start)",
                  "2457600", "\(rss)", "18446744073709551615"]
    fields += Array(repeating: "0", count: 52 - 25)
    return "\(pid) (\(comm)) " + fields.joined(separator: " ") + "\n"
}

// MARK: - Helpers

/// A request for `/bin/sh -c script`, or for `executable` with `arguments` (`nil`: `-c script`).
private func shell(_ script: String, executable: String = "/bin/sh", _ arguments: [String]? = nil) -> SpawnRequest {
    SpawnRequest(executable: executable, arguments: arguments ?? ["-c", script],
                 environment: ["PATH": "/usr/bin:/bin"], cwd: "/", stdout: -1, stderr: -1)
}

/// Kills the root's process group, and the processes whose pids were written to `pidFiles`
/// (those that left the group).
private func killTree(_ root: pid_t, _ pidFiles: String...) {
    for file in pidFiles { if let pid = readPID(file) { kill(pid, SIGKILL) } }
    kill(-root, SIGKILL)
}

private func readPID(_ path: String) -> pid_t? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return pid_t(String(decoding: data, as: UTF8.self).split(separator: "\n").first ?? "")
}

private func countProcesses() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc").filter { $0.allSatisfy(\.isNumber) }.count) ?? 0
}

/// CPU time the calling thread spent in `body`, in milliseconds.
private func threadCPUMilliseconds(_ body: () -> Void) -> Double {
    func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
    let start = now()
    body()
    return now() - start
}

private func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}

struct MonitoringTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Calls `check` every `interval` until it returns a value, for at most `limit`.
func monitoringPoll<T>(_ what: String, interval: Duration = .milliseconds(20), limit: Duration = .seconds(20),
             _ check: () throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + limit
    while true {
        if let value = try check() { return value }
        guard ContinuousClock.now < deadline else { throw MonitoringTimeout(what: what) }
        try await Task.sleep(for: interval)
    }
}

/// A fresh folder under /tmp, removed with everything in it at the end of its scope.
struct MonitoringScratchFolder: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftpm2-monitor-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw MonitoringTimeout(what: "mkdtemp: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
