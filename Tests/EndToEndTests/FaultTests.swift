import CSpawn
import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// Faults around the daemon: SIGKILL storms, instances that exit at once, ignore their stop
/// signal, fork 50 children or close their output, a flood of log lines, and the daemon itself
/// out of descriptors (EMFILE) or processes (EAGAIN). Quick here; `make soak` runs the same
/// tests larger (``Soak``) and publishes their ``ReliabilityFigures`` in docs/reliability.md.
@Suite(Soak.timeLimit, Soak.serializedWhenSoaking)
struct FaultTests {
    /// Instances SIGKILLed over and over while a client keeps asking for the list: every kill
    /// is a restart, and afterwards the daemon has no zombie, the same number of descriptors
    /// as before, and a bounded RSS.
    @Test func sigkillStormLeavesNoZombieNorDescriptor() async throws {
        try await withTestDaemon { d in
            let instances = 4
            let eco = try d.write("storm.json", """
            {"apps":[{"name":"victim","script":"/bin/sleep","args":["100000"],"instances":\(instances),
                      "min_uptime":0,"crash_window":0,"max_restarts":0}]}
            """)
            #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
            let daemonPID = try #require(d.daemonPID)
            _ = try await d.waitFor("all online") { $0[0].instances.allSatisfy { $0.state == .online } }
            for _ in 0..<20 { _ = try await d.client.apps() }  // warm the API up before measuring
            let fdsBefore = ProcView.fdCount(daemonPID)
            let rssBefore = ProcView.rssKB(daemonPID)

            let target = Soak.pick(300, soak: 5_000)
            let load = APILoad(socketPath: d.socketPath, connections: 4, requests: ["GET /v1/apps", "GET /v1/ping"])
            load.start()
            let started = ContinuousClock.now
            var killed = 0
            var killedPIDs = Set<pid_t>()
            let deadline = ContinuousClock.now + Soak.pick(.seconds(40), soak: .seconds(900))
            while killed < target && ContinuousClock.now < deadline {
                for inst in try await d.client.apps("victim").apps[0].instances {
                    guard inst.state == .online, let pid = inst.pid, killedPIDs.insert(pid).inserted else { continue }
                    if kill(pid, SIGKILL) == 0 { killed += 1 }
                }
            }
            let stormTime = ContinuousClock.now - started
            let requests = load.stop()
            #expect(killed >= target, "only \(killed) kills before the deadline")
            #expect(requests.unexpected == 0, "control API answers during the storm: \(requests)")

            let apps = try await d.waitFor("every victim back online") { apps in
                apps[0].instances.allSatisfy { $0.state == .online } && apps[0].instances.reduce(0) { $0 + $1.restarts } >= killed
            }
            #expect(d.daemonPID == daemonPID && processExists(daemonPID))
            try await waitUntil("no zombie left among the daemon's children", timeout: .seconds(10)) { ProcView.zombies(of: daemonPID).isEmpty }
            var fdsAfter = -1
            try await waitUntil("the daemon's descriptors back to \(fdsBefore)", timeout: .seconds(10)) {
                fdsAfter = ProcView.fdCount(daemonPID)
                return fdsAfter <= fdsBefore
            }
            let rssAfter = ProcView.rssKB(daemonPID)
            #expect(rssAfter - rssBefore < Soak.pick(64_000, soak: 128_000), "daemon RSS grew from \(rssBefore) to \(rssAfter) kB")
            ReliabilityFigures.record("sigkill-storm", [
                "kills": killed, "instances": instances, "seconds": stormTime.inSeconds,
                "restarts": apps[0].instances.reduce(0) { $0 + $1.restarts },
                "apiRequests": requests.total, "apiUnexpected": requests.unexpected,
                "fdsBefore": fdsBefore, "fdsAfter": fdsAfter, "zombiesAfter": ProcView.zombies(of: daemonPID).count,
                "rssBeforeKB": rssBefore, "rssAfterKB": rssAfter,
            ])
        }
    }

    /// Instances that exit at once, ignore SIGINT and SIGTERM, hang in a trap, fork 50
    /// children (which ignore the stop signal too), or close stdout and stderr: each ends as
    /// documented, `stop` leaves not one process of their groups, and the daemon neither
    /// spins nor keeps a zombie.
    @Test func misbehavingInstancesAreContained() async throws {
        try await withTestDaemon { d in
            let ignore = #"trap "" INT TERM; while :; do sleep 1; done"#
            let hang = #"trap "sleep 100000" INT; sleep 100000 & wait; sleep 100000"#
            let fork50 = #"for i in $(seq 50); do sleep 100000 & done; wait"#
            let fork50Ignoring = #"trap "" INT TERM; for i in $(seq 50); do sleep 100000 & done; wait"#
            let closes = #"exec >&- 2>&-; exec sleep 100000"#
            let eco = try d.write("misbehave.json", """
            {"apps":[
              {"name":"exits-at-once","script":"/bin/true","max_restarts":3},
              {"name":"ignores-term","script":"/bin/sh","args":["-c",\(Self.json(ignore))],"kill_timeout":300},
              {"name":"hangs-on-stop","script":"/bin/sh","args":["-c",\(Self.json(hang))],"kill_timeout":300},
              {"name":"forks-50","script":"/bin/sh","args":["-c",\(Self.json(fork50))],"kill_timeout":300},
              {"name":"forks-50-ignoring","script":"/bin/sh","args":["-c",\(Self.json(fork50Ignoring))],"kill_timeout":300},
              {"name":"closes-output","script":"/bin/sh","args":["-c",\(Self.json(closes))]},
              {"name":"closes-output-stamped","script":"/bin/sh","args":["-c",\(Self.json(closes))],"log_date_format":"HH:mm:ss"}
            ]}
            """)
            let rounds = Soak.pick(1, soak: 25)
            _ = try d.cli(["ping"])
            let daemonPID = try #require(d.daemonPID)
            var stopTimes: [Double] = []
            var leftBehind = 0
            for round in 0..<rounds {
                let start = try d.cli(["start", eco, "--settle", "0"])
                #expect(start.status == 0, "\(start.stderr)")
                let apps = try await d.waitFor("the forks to fork and the quick one to give up") { apps in
                    let byName = Dictionary(uniqueKeysWithValues: apps.map { ($0.name, $0) })
                    return byName["exits-at-once"]?.instances[0].state == .errored
                        && ["forks-50", "forks-50-ignoring"].allSatisfy { name in
                            byName[name]?.instances[0].pid.map { ProcView.processGroup($0).count >= 51 } ?? false
                        }
                        && apps.filter { $0.name != "exits-at-once" }.allSatisfy { $0.instances[0].state == .online }
                }
                let quick = try #require(apps.first { $0.name == "exits-at-once" })
                #expect(quick.instances[0].restarts == 3)
                #expect(quick.instances[0].message?.contains("max_restarts is 3") == true, "\(quick.instances[0].message ?? "")")
                // Closed output: the stamping pump sees end of file once and does not spin.
                let cpuBefore = ProcView.cpuTicks(daemonPID)
                try await Task.sleep(for: .milliseconds(500))  // a measuring window, not a wait for an event
                let busy = ProcView.cpuTicks(daemonPID) - cpuBefore
                #expect(busy < 30, "the daemon used \(busy) ticks of CPU in 0.5 s with idle apps")

                let groups = apps.compactMap { $0.instances[0].pid }
                let members = groups.flatMap { ProcView.processGroup($0) }
                #expect(members.count >= 2 * 51 + 4)
                let clock = ContinuousClock.now
                let stop = try d.cli(["stop", "all"])
                stopTimes.append((ContinuousClock.now - clock).inSeconds)
                #expect(stop.status == 0, "\(stop.stderr)")
                let alive = members.filter(processExists)
                leftBehind += alive.count
                #expect(alive.isEmpty, "round \(round): \(alive.count) processes of stopped instances still run")
                #expect(try await d.client.apps().apps.allSatisfy { $0.instances.allSatisfy { $0.state == .stopped || $0.state == .errored } })
                #expect(try d.cli(["delete", "all"]).status == 0)
            }
            try await waitUntil("no zombie among the daemon's children") { ProcView.zombies(of: daemonPID).isEmpty }
            #expect(stopTimes.allSatisfy { $0 < 5 }, "stop took \(stopTimes) s (kill_timeout 300 ms)")
            ReliabilityFigures.record("misbehaving-instances", [
                "rounds": rounds, "appsPerRound": 7, "processesPerRound": 2 * 51 + 5, "leftBehind": leftBehind,
                "stopSecondsMax": stopTimes.max() ?? 0, "zombiesAfter": ProcView.zombies(of: daemonPID).count,
            ])
        }
    }

    /// An app writes numbered lines as fast as it can (one `write` a line) for 2 s (10 s in the
    /// soak): on its own into a file, under the daemon with the default logs (the file is its
    /// stdout), and with `log_date_format` (a pipe the daemon reads and stamps). Every line
    /// reaches the file once and in order, and the rates are reported.
    @Test func logFloodLosesNoLine() async throws {
        try await withTestDaemon { d in
            let seconds = Soak.pick(2, soak: 10)
            let alone = d.home + "/files/alone.log"
            try FileManager.default.createDirectory(atPath: d.home + "/files", withIntermediateDirectories: true)
            let run = try TestDaemon.run("/bin/sh", ["-c", "exec /usr/bin/perl -e \"$0\" \(seconds) > \(alone)", LogFlood.writer])
            #expect(run.status == 0, "\(run.stderr)")
            var direct = try LogFlood.check(alone, stamped: false)
            direct.rate = LogFlood.rate(lines: direct.lines, stderr: run.stderr)

            var rates: [String: Double] = ["alone": direct.rate]
            var figures: [String: Any] = ["seconds": seconds, "aloneLines": direct.lines, "aloneLinesPerSecond": Int(direct.rate)]
            for (name, format) in [("plain", nil), ("stamped", "[T]")] as [(String, String?)] {
                let dateKey = format.map { #","log_date_format":"\#($0)""# } ?? ""
                let eco = try d.write("\(name).json", """
                {"apps":[{"name":"\(name)","script":"/usr/bin/perl","args":["-e",\(Self.json(LogFlood.writer)),"\(seconds)","stay"]\(dateKey)}]}
                """)
                #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
                let app = try await d.waitFor("\(name) to finish writing", timeout: .seconds(Double(seconds) + 60)) { apps in
                    guard let app = apps.first(where: { $0.name == name }) else { return false }
                    return (try? String(contentsOfFile: app.instances[0].errLog, encoding: .utf8))?.contains("ELAPSED") == true
                }.first { $0.name == name }!
                let result = try await LogFlood.waitAndCheck(app.instances[0].outLog, stamped: format != nil, elapsedFrom: app.instances[0].errLog)
                #expect(result.lost == 0 && result.outOfOrder == 0, "\(name): \(result)")
                rates[name] = result.rate
                figures[name + "Lines"] = result.lines
                figures[name + "LinesPerSecond"] = Int(result.rate)
                figures[name + "Lost"] = result.lost
                figures[name + "OutOfOrder"] = result.outOfOrder
                #expect(try d.cli(["delete", name]).status == 0)
                try? FileManager.default.removeItem(atPath: app.instances[0].outLog)
            }
            figures["plainVsAlone"] = (rates["plain"]! / rates["alone"]! * 100).rounded() / 100
            figures["stampedVsAlone"] = (rates["stamped"]! / rates["alone"]! * 100).rounded() / 100
            ReliabilityFigures.record("log-flood", figures)
            try? FileManager.default.removeItem(atPath: alone)
        }
    }

    /// The daemon with `ulimit -n 64`: starting more stamped instances than it has descriptors
    /// for, and holding more connections than it can accept, give errors and waits, never a
    /// crash; once the load is gone it serves as before.
    @Test func descriptorExhaustionGivesErrorsNotCrashes() async throws {
        try await withTestDaemon { d in
            let daemon = try ForegroundDaemon(home: d.home, bin: d.bin, shellPrefix: "ulimit -n 64; ")
            defer { daemon.reap() }
            try await waitUntil("the daemon answers") { DaemonLauncher(home: d.home).isRunning() }
            #expect(d.daemonPID == daemon.pid)
            #expect(ProcView.openFileLimit(daemon.pid) == 64)

            // Each stamped instance holds two pipes in the daemon: 40 need 80 descriptors.
            let eco = try d.write("many.json", """
            {"apps":[{"name":"many","script":"/bin/sleep","args":["100000"],"instances":40,"log_date_format":"HH:mm"}]}
            """)
            let start = try d.cli(["start", eco, "--settle", "0"])
            #expect(start.status == 1, "\(start.stdout) \(start.stderr)")
            #expect(start.stderr.contains("Too many open files") || start.stderr.contains("EMFILE"), "\(start.stderr)")
            #expect(processExists(daemon.pid))
            let list = try await d.client.apps("many").apps[0]
            let online = list.instances.filter { $0.state == .online }.count
            #expect(online > 0 && online < 40, "\(online) of 40 online")
            #expect(try d.cli(["delete", "many"]).status == 0)

            // Hold connections until accept() fails, then check the daemon waits, not dies.
            var held: [RawAPIConnection] = []
            for _ in 0..<80 { if let c = try? RawAPIConnection(path: d.socketPath) { held.append(c) } }
            let blocked = try? RawAPIConnection(path: d.socketPath)
            let answered = blocked.map { $0.request("GET /v1/ping", timeout: .milliseconds(500)) != nil } ?? false
            held.removeAll()
            blocked?.close()
            #expect(processExists(daemon.pid))
            try await waitUntil("the daemon serves again", timeout: .seconds(10)) { (try? d.cli(["ping"]).status) == 0 }
            let again = try d.cli(["start", "/bin/sleep", "--name", "after", "-i", "3", "--", "100000"])
            #expect(again.status == 0, "\(again.stderr)")
            ReliabilityFigures.record("emfile", [
                "limit": 64, "instancesAsked": 40, "instancesOnline": online, "error": start.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                "connectionsHeld": 80, "pingAnsweredWhileExhausted": answered, "daemonSurvived": processExists(daemon.pid),
            ])
        }
    }

    /// The daemon as a user of its own with RLIMIT_NPROC a little above what it runs: spawns
    /// beyond the limit fail with EAGAIN as `spawn_failed`, and the daemon keeps serving.
    @Test(.enabled(if: getuid() == 0, "needs root to run the daemon as another user"))
    func processLimitGivesErrorsNotCrashes() async throws {
        let user = try TestUser.ensure()
        try await withTestDaemon { d in
            chown(d.home, user.uid, user.gid)
            let daemon = try ForegroundDaemon(home: d.home, bin: d.bin, asUser: user)
            defer { daemon.reap() }
            try await waitUntil("the daemon answers") { DaemonLauncher(home: d.home).isRunning() }
            // Let its threads start (a few requests), then allow three processes more.
            for _ in 0..<10 { _ = try await d.client.apps() }
            let tasks = ProcView.tasks(ofUID: user.uid)
            let limit = tasks + 3
            // As that user: lowering a limit of one's own process needs no privilege (root here
            // may lack CAP_SYS_RESOURCE, which changing another user's process needs).
            let set = try TestDaemon.run("/usr/bin/setpriv", user.setpriv + ["/usr/bin/prlimit", "--pid", String(daemon.pid), "--nproc=\(limit):\(limit)"])
            #expect(set.status == 0, "\(set.stderr)")
            let start = try d.cli(["start", "/bin/sleep", "--name", "many", "-i", "8", "--settle", "0", "--", "100000"])
            #expect(start.status == 1, "\(start.stdout) \(start.stderr)")
            #expect(start.stderr.contains("EAGAIN") || start.stderr.contains("Resource temporarily unavailable"), "\(start.stderr)")
            #expect(processExists(daemon.pid))
            for _ in 0..<20 { #expect(try await d.client.ping().pid == daemon.pid) }
            let online = try await d.client.apps("many").apps[0].instances.filter { $0.state == .online }.count
            #expect(online > 0 && online < 8)
            #expect(try d.cli(["delete", "many"]).status == 0)
            ReliabilityFigures.record("eagain", [
                "tasksOfUser": tasks, "limit": limit, "instancesAsked": 8, "instancesOnline": online,
                "error": start.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "daemonSurvived": processExists(daemon.pid),
            ])
        }
    }

    static func json(_ text: String) -> String {
        String(decoding: EcosystemValue.string(text).jsonBytes(), as: UTF8.self)
    }
}

/// The flooding app and the check of what it wrote.
enum LogFlood {
    /// Perl: writes `1\n`, `2\n`... with one write each for ARGV[0] seconds, then `END n`, and
    /// `ELAPSED s LINES n` on stderr; with ARGV[1] = `stay`, then sleeps (no restart).
    static let writer = #"use Time::HiRes qw(time); my $t = time; my $end = $t + $ARGV[0]; my $i = 0; while (time < $end) { for (1..1000) { $i++; syswrite(STDOUT, "$i\n") } } syswrite(STDOUT, "END $i\n"); printf STDERR "ELAPSED %.6f LINES %d\n", time - $t, $i; sleep 100000 if ($ARGV[1] // "") eq "stay";"#

    struct Result: CustomStringConvertible {
        var lines: Int
        var lost: Int
        var outOfOrder: Int
        var rate: Double
        var description: String { "\(lines) lines, \(lost) lost, \(outOfOrder) out of order, \(Int(rate)) lines/s" }
    }

    /// Waits until the `END` line is in the file, then checks it.
    static func waitAndCheck(_ path: String, stamped: Bool, elapsedFrom errLog: String) async throws -> Result {
        try await waitUntil("END in \(path)", timeout: .seconds(60)) { lastLine(path)?.contains("END ") == true }
        var result = try check(path, stamped: stamped)
        result.rate = rate(lines: result.lines, stderr: (try? String(contentsOfFile: errLog, encoding: .utf8)) ?? "")
        return result
    }

    /// Reads the file once, counting lines missing from 1...n (n from the `END n` line) and
    /// lines that are not one above the previous; the rate is left to the caller.
    static func check(_ path: String, stamped: Bool) throws -> Result {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var expected = 1
        var lines = 0
        var outOfOrder = 0
        var end = 0
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = bytes.count
            while i < n {
                if stamped { while i < n && bytes[i] != UInt8(ascii: " ") { i += 1 }; i += 1 }  // "T: "
                if i + 4 <= n && bytes[i] == UInt8(ascii: "E") {
                    i += 4
                    var v = 0
                    while i < n && bytes[i] != 0x0A { v = v * 10 + Int(bytes[i] &- 48); i += 1 }
                    end = v
                } else {
                    var v = 0
                    while i < n && bytes[i] != 0x0A { v = v * 10 + Int(bytes[i] &- 48); i += 1 }
                    lines += 1
                    if v != expected { outOfOrder += 1 }
                    expected = v + 1
                }
                i += 1
            }
        }
        return Result(lines: lines, lost: max(0, end - lines), outOfOrder: outOfOrder, rate: 0)
    }

    /// Lines a second, from the writer's `ELAPSED s` line.
    static func rate(lines: Int, stderr: String) -> Double {
        guard let range = stderr.range(of: "ELAPSED "), let seconds = Double(stderr[range.upperBound...].prefix { $0 != " " }),
              seconds > 0 else { return 0 }
        return Double(lines) / seconds
    }

    static func lastLine(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 64 ? size - 64 : 0)
        guard let tail = try? handle.readToEnd() else { return nil }
        return String(decoding: tail, as: UTF8.self).split(separator: "\n").last.map(String.init)
    }
}

// MARK: - Shared by the reliability suites

/// Sizes of the reliability suites: quick under `make test`, long under `make soak`
/// (`SWIFTPM2_SOAK=1`, set by scripts/soak.sh).
enum Soak {
    static let enabled = ProcessInfo.processInfo.environment["SWIFTPM2_SOAK"] == "1"
    static func pick<T>(_ quick: T, soak: T) -> T { enabled ? soak : quick }
    static var timeLimit: TimeLimitTrait { .timeLimit(enabled ? .minutes(30) : .minutes(1)) }
    /// One test at a time in the soak, so that its figures (rates, RSS) are not another
    /// test's load; side by side in the quick run.
    static var serializedWhenSoaking: any SuiteTrait { enabled ? ParallelizationTrait.serialized : ConditionTrait.enabled(if: true) }
}

/// Figures of one run: printed, and appended as one JSON object a line to
/// `$SWIFTPM2_FIGURES` when set (scripts/soak.sh turns them into docs/reliability.md).
enum ReliabilityFigures {
    static func record(_ name: String, _ values: [String: Any]) {
        var object = values
        object["name"] = name
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        let line = String(decoding: data, as: UTF8.self)
        print("figures: \(line)")
        guard let path = ProcessInfo.processInfo.environment["SWIFTPM2_FIGURES"] else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

/// What /proc tells about processes.
enum ProcView {
    static func fdCount(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Resident memory in kB (`VmRSS`).
    static func rssKB(_ pid: pid_t) -> Int {
        status(pid, "VmRSS:").flatMap { Int($0.split(separator: " ").first ?? "") } ?? -1
    }

    /// `utime + stime` in clock ticks.
    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let fields = stat(pid), fields.count > 14 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Children of `parent` that are zombies (exited, not reaped).
    static func zombies(of parent: pid_t) -> [pid_t] {
        allPIDs().filter { pid in
            guard let f = stat(pid), f.count > 2 else { return false }
            return f[0] == "Z" && f[1] == String(parent)
        }
    }

    /// Live members of a process group (zombies excluded).
    static func processGroup(_ pgid: pid_t) -> [pid_t] {
        allPIDs().filter { pid in
            guard let f = stat(pid), f.count > 3 else { return false }
            return f[3] == String(pgid) && f[0] != "Z"
        }
    }

    /// Threads of every process of `uid` (what RLIMIT_NPROC counts).
    static func tasks(ofUID uid: uid_t) -> Int {
        allPIDs().reduce(0) { total, pid in
            guard status(pid, "Uid:")?.split(separator: "\t").first.map(String.init) == String(uid) else { return total }
            return total + (Int(status(pid, "Threads:") ?? "") ?? 1)
        }
    }

    static func openFileLimit(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[3]) }
    }

    /// Processes whose environment has `SWIFTPM2_HOME=home`: the instances of that home's daemon.
    /// Processes started for the daemon of `home` (its instances), not counting the daemon's
    /// fd keeper (`swiftpm2d-keeper`), which carries the home too.
    static func processes(ofHome home: String) -> [pid_t] {
        let needle = Array("SWIFTPM2_HOME=\(home)".utf8)
        return allPIDs().filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            if let argv = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
               argv.starts(with: Array("swiftpm2d-keeper".utf8)) { return false }
            return data.split(separator: 0).contains { Array($0) == needle }
        }
    }

    /// The real uid of a process.
    static func uid(of pid: pid_t) -> uid_t? {
        status(pid, "Uid:")?.split(separator: "\t").first.flatMap { uid_t($0) }
    }

    static func parent(of pid: pid_t) -> pid_t? {
        stat(pid).flatMap { $0.count > 1 ? pid_t($0[1]) : nil }
    }

    private static func allPIDs() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    /// Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session...
    private static func stat(_ pid: pid_t) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(close, offsetBy: 2)...].split(separator: " ").map(String.init)
    }

    private static func status(_ pid: pid_t, _ key: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(key) }
            .map { $0.dropFirst(key.count).trimmingCharacters(in: .whitespaces) }
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
