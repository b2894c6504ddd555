import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Synchronization
import Testing

/// Cluster mode, first part: the daemon binds `listen`/`port` once and every instance
/// inherits it by socket activation.
@Suite(.timeLimit(.minutes(1)))
struct ClusterTests {
    @Test func instancesShareOneSocketAndSeeSocketActivation() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 2,
                          "exec_mode": "cluster", "port": \(port) } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            let apps = try await d.waitFor("both online") { $0[0].instances.allSatisfy { $0.state == .online } }
            let pids = Set(apps[0].instances.compactMap(\.pid))
            #expect(pids.count == 2)
            // Connections reach both instances through the one socket.
            var answered: Set<pid_t> = []
            let deadline = ContinuousClock.now + .seconds(20)
            while answered != pids, ContinuousClock.now < deadline {
                if let body = httpGet(port: port), let pid = body.split(separator: " ").dropFirst().first.flatMap({ pid_t($0) }) {
                    answered.insert(pid)
                }
            }
            #expect(answered == pids)
            for pid in pids {
                let env = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8).split(separator: "\0")
                #expect(env.contains("LISTEN_PID=\(pid)"))
                #expect(env.contains("LISTEN_FDS=1"))
                #expect(env.contains("LISTEN_FDNAMES=tcp-0.0.0.0-\(port)"))
                #expect(env.contains("PORT=\(port)"))
            }
        }
    }

    @Test func anInstanceSeesExactlyItsFds() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let script = try d.write("exec-sleep.sh", "#!/bin/sh\nexec sleep 1000\n", executable: true)
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "s", "script": "\(script)", "exec_mode": "cluster",
                          "listen": ["tcp://127.0.0.1:\(port)", "unix:\(d.home)/files/s.sock"] } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            // `exec sleep` keeps the pid: give the exec a moment to happen.
            let deadline = ContinuousClock.now + .seconds(10)
            var fds: [String] = []
            while ContinuousClock.now < deadline {
                let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
                if comm.hasPrefix("sleep") {
                    fds = (try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")).sorted()
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fds == ["0", "1", "2", "3", "4"])
            let env = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8).split(separator: "\0")
            #expect(env.contains("LISTEN_FDS=2"))
            #expect(env.contains("LISTEN_PID=\(pid)"))
            let fd3 = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/3")
            #expect(fd3.hasPrefix("socket:"))
        }
    }

    @Test func aPortInUseIsAClearErrorAtStart() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            try #require(bound == 0 && listen(fd, 8) == 0)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"web","script":"/bin/sleep","args":["1000"],"exec_mode":"cluster","listen":"tcp://127.0.0.1:\#(port)"}]}"#)
            let run = try d.cli(["start", eco])
            #expect(run.status == 1)
            #expect(run.stderr.contains("cannot listen on tcp://127.0.0.1:\(port): Address already in use"), "\(run.stderr)")
            #expect(try await d.client.apps().apps.isEmpty)
        }
    }

    @Test func sigkillUnderLoadRefusesNoConnection() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 2,
                          "exec_mode": "cluster", "port": \(port) } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let apps = try await d.waitFor("online") { $0[0].instances.allSatisfy { $0.state == .online } }
            let victim = try #require(apps[0].instances[0].pid)
            let load = LoadRun(port: port, requests: 150)
            let finished = load.start()
            let deadline = ContinuousClock.now + .seconds(20)
            while load.done.load(ordering: .relaxed) < 30, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            kill(victim, SIGKILL)
            await finished.value
            #expect(load.done.load(ordering: .relaxed) == 150)
            #expect(load.failures.load(ordering: .relaxed) == 0)
            let after = try await d.waitFor("replaced") { $0[0].instances[0].pid != victim && $0[0].instances[0].state == .online }
            #expect(after[0].instances[0].restarts == 1)
        }
    }
}

/// Sequential GETs (curl, one connection each) on a thread of their own, counting failures.
final class LoadRun: Sendable {
    let port: Int
    let requests: Int
    let failures = Atomic<Int>(0)
    let done = Atomic<Int>(0)

    init(port: Int, requests: Int) {
        self.port = port
        self.requests = requests
    }

    let stopped = Atomic<Bool>(false)

    /// Ends the run after the request in flight.
    func stop() { stopped.store(true, ordering: .relaxed) }

    func start() -> Task<Void, Never> {
        Task {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                Thread {
                    for _ in 0..<self.requests where !self.stopped.load(ordering: .relaxed) {
                        if httpGet(port: self.port) == nil { self.failures.add(1, ordering: .relaxed) }
                        self.done.add(1, ordering: .relaxed)
                    }
                    c.resume()
                }.start()
            }
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ReadinessTests {
    @Test func waitReadyHoldsLaunchingUntilReadyAndShowsStatus() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 2,
                          "exec_mode": "cluster", "port": \(port), "wait_ready": true, "listen_timeout": "10s" } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            let apps = try await d.client.apps().apps
            #expect(apps[0].instances.allSatisfy { $0.state == .online })
            #expect(apps[0].instances.allSatisfy { $0.status == "serving on tcp-0.0.0.0-\(port)" })
            let describe = try d.cli(["describe", "web"])
            #expect(describe.stdout.contains("status     serving on tcp-0.0.0.0-\(port)"))
        }
    }

    @Test func anAppThatNeverSignalsFailsWithTheReason() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.json", #"{"apps":[{"name":"mute","script":"/bin/sleep","args":["1000"],"wait_ready":true,"listen_timeout":"500ms"}]}"#)
            let run = try d.cli(["start", eco])
            #expect(run.status == 1)
            #expect(run.stderr.contains("mute[0] failed: did not send READY=1 within listen_timeout 500ms"), "\(run.stderr)")
            let inst = try await d.client.apps().apps[0].instances[0]
            #expect(inst.state == .errored)
            #expect(inst.pid == nil)
        }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct ReloadTests {
    func startCluster(_ d: TestDaemon, port: Int, instances: Int, listenTimeout: String = "5s", extra: String = "") throws {
        let eco = try d.write("eco.json", """
        { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": \(instances),
                      "exec_mode": "cluster", "port": \(port), "wait_ready": true, "listen_timeout": "\(listenTimeout)"\(extra) } ] }
        """)
        let run = try d.cli(["start", eco])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func fiveReloadsUnderLoadFailNoRequest() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            try startCluster(d, port: port, instances: 2)
            var pids = Set(try await d.client.apps().apps[0].instances.compactMap(\.pid))
            let load = LoadRun(port: port, requests: 100_000)
            let finished = load.start()
            for round in 1...5 {
                // Each reload runs while requests keep coming: wait for a few more first.
                let target = load.done.load(ordering: .relaxed) + 10
                let deadline = ContinuousClock.now + .seconds(20)
                while load.done.load(ordering: .relaxed) < target, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                let run = try d.cli(["reload", "web"])
                #expect(run.status == 0, "reload \(round): \(run.stderr)")
                let now = Set(try await d.client.apps().apps[0].instances.compactMap(\.pid))
                #expect(now.count == 2 && now.isDisjoint(with: pids), "reload \(round) kept a pid: \(pids) -> \(now)")
                pids = now
            }
            load.stop()
            await finished.value
            #expect(load.done.load(ordering: .relaxed) >= 50)
            #expect(load.failures.load(ordering: .relaxed) == 0)
            let apps = try await d.client.apps().apps
            #expect(apps[0].instances.allSatisfy { $0.state == .online && $0.restarts == 5 })
        }
    }

    @Test func aReplacementThatNeverGetsReadyIsRolledBack() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let marker = d.home + "/files/broken-deploy"
            try startCluster(d, port: port, instances: 2, listenTimeout: "700ms", extra: #", "env": {"FAIL_READY_IF_EXISTS": "\#(marker)"}"#)
            let before = try await d.client.apps().apps[0].instances.compactMap(\.pid)
            try d.write("broken-deploy", "")
            let run = try d.cli(["reload", "web"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("did not send READY=1"), "\(run.stderr)")
            #expect(run.stderr.contains("the old process keeps serving"))
            let after = try await d.client.apps().apps[0].instances
            #expect(after.compactMap(\.pid) == before)
            #expect(after.allSatisfy { $0.state == .online })
            #expect(httpGet(port: port) != nil)
        }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct ScaleTests {
    @Test func scaleFourToTwoToSixUnderLoadFailsNoRequest() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            try ReloadTests().startCluster(d, port: port, instances: 4)
            let load = LoadRun(port: port, requests: 100_000)
            let finished = load.start()
            func waitForMore(_ n: Int) async throws {
                let target = load.done.load(ordering: .relaxed) + n
                let deadline = ContinuousClock.now + .seconds(20)
                while load.done.load(ordering: .relaxed) < target, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await waitForMore(10)
            let kept = try await d.client.apps().apps[0].instances.prefix(2).compactMap(\.pid)
            var run = try d.cli(["scale", "web", "2"])
            #expect(run.status == 0, "\(run.stderr)")
            var instances = try await d.client.apps().apps[0].instances
            #expect(instances.count == 2)
            #expect(instances.compactMap(\.pid) == kept, "the instances that stay keep their processes")
            try await waitForMore(10)
            run = try d.cli(["scale", "web", "+4"])
            #expect(run.status == 0, "\(run.stderr)")
            instances = try await d.waitFor("six online") { $0[0].instances.count == 6 && $0[0].instances.allSatisfy { $0.state == .online } }[0].instances
            #expect(Array(instances.prefix(2).compactMap(\.pid)) == kept)
            try await waitForMore(20)
            load.stop()
            await finished.value
            #expect(load.failures.load(ordering: .relaxed) == 0)
            // The new instances really serve: their pids answer.
            var answered: Set<pid_t> = []
            let deadline = ContinuousClock.now + .seconds(20)
            let all = Set(instances.compactMap(\.pid))
            while answered != all, ContinuousClock.now < deadline {
                if let body = httpGet(port: port), let pid = body.split(separator: " ").dropFirst().first.flatMap({ pid_t($0) }) {
                    answered.insert(pid)
                }
            }
            #expect(answered == all)
        }
    }
}

@Suite(.timeLimit(.minutes(2)))
struct ApplyTests {
    func file(_ d: TestDaemon, port: Int, clusterEnv: String = "a", forkArgs: String = "1000", instances: Int = 2, withFork: Bool = true) throws -> String {
        let fork = #"{ "name": "job", "script": "/bin/sleep", "args": ["\#(forkArgs)"] }"#
        let cluster = """
        { "name": "web", "script": "\(d.bin)/example-server", "instances": \(instances), "exec_mode": "cluster",
          "port": \(port), "wait_ready": true, "env": { "FLAVOUR": "\(clusterEnv)" } }
        """
        return try d.write("eco.json", "{ \"apps\": [ \(withFork ? fork + "," : "") \(cluster) ] }")
    }

    func pids(_ d: TestDaemon, _ name: String) async throws -> [pid_t] {
        try await d.client.apps(name).apps[0].instances.compactMap(\.pid)
    }

    @Test func applyConvergesIdempotently() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            var run = try d.cli(["apply", try file(d, port: port)])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("started: job, web"))
            let job0 = try await pids(d, "job")
            let web0 = try await pids(d, "web")

            run = try d.cli(["apply", try file(d, port: port)])
            #expect(run.stdout.contains("nothing to do"), "\(run.stdout)")
            #expect(try await pids(d, "job") == job0)
            #expect(try await pids(d, "web") == web0)

            // start on the same file never duplicates: it says so and points to apply.
            let again = try d.cli(["start", try file(d, port: port)])
            #expect(again.status == 1)
            #expect(again.stderr.contains("already runs") && again.stderr.contains("apply"))
            #expect(try await d.client.apps().apps.count == 2)

            run = try d.cli(["apply", try file(d, port: port, clusterEnv: "b")])
            #expect(run.stdout.contains("reloaded: web"), "\(run.stdout)")
            #expect(run.stdout.contains("unchanged: job"))
            let web1 = try await pids(d, "web")
            #expect(Set(web1).isDisjoint(with: web0))
            #expect(try await pids(d, "job") == job0)
            let env = try String(contentsOfFile: "/proc/\(web1[0])/environ", encoding: .utf8)
            #expect(env.contains("FLAVOUR=b"))

            run = try d.cli(["apply", try file(d, port: port, clusterEnv: "b", forkArgs: "2000", instances: 3)])
            #expect(run.stdout.contains("restarted: job"), "\(run.stdout)")
            #expect(run.stdout.contains("scaled: web"))
            #expect(try await pids(d, "job") != job0)
            #expect(try await pids(d, "web").count == 3)

            // Count and settings at once: every instance, the added one too, gets the new settings.
            run = try d.cli(["apply", try file(d, port: port, clusterEnv: "c", forkArgs: "2000", instances: 4)])
            #expect(run.stdout.contains("reloaded: web"), "\(run.stdout)")
            let web4 = try await pids(d, "web")
            #expect(web4.count == 4)
            for pid in web4 {
                let flavour = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
                #expect(flavour.contains("FLAVOUR=c"), "pid \(pid)")
            }

            run = try d.cli(["apply", "--prune", try file(d, port: port, clusterEnv: "c", instances: 3, withFork: false)])
            #expect(run.stdout.contains("deleted: job"), "\(run.stdout)")
            #expect(try await d.client.apps().apps.map(\.name) == ["web"])
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct WatchdogTests {
    @Test func aHungInstanceIsRecycledAndAPingingOneIsNot() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.json", """
            { "apps": [
              { "name": "hangs", "script": "\(d.bin)/example-server", "watchdog": "400ms", "kill_timeout": 300,
                "env": { "PORT": "\(freePort())", "HANG_AFTER_MS": "800" } },
              { "name": "alive", "script": "\(d.bin)/example-server", "watchdog": "400ms",
                "env": { "PORT": "\(freePort())" } }
            ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let pid = try #require(try await d.client.apps("alive").apps[0].instances[0].pid)
            let apps = try await d.waitFor("the hung instance recycled") { apps in
                apps.first { $0.name == "hangs" }.map { $0.instances[0].restarts >= 1 } ?? false
            }
            let hung = try #require(apps.first { $0.name == "hangs" }?.instances[0])
            let reason = hung.lastExit?.reason ?? ""
            #expect(reason.contains("watchdog: no WATCHDOG=1 for 400ms"), "\(reason)")
            #expect(hung.lastExit?.signal == SIGABRT || hung.lastExit?.signal == SIGKILL)
            let alive = try await d.client.apps("alive").apps[0].instances[0]
            #expect(alive.restarts == 0)
            #expect(alive.pid == pid)
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ReusePortTests {
    @Test func eachSlotHasItsOwnSocketAcrossScaleAndRestart() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 2, "exec_mode": "cluster",
                          "balance": "reuseport", "port": \(port), "wait_ready": true } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            func socketInodes() async throws -> [String] {
                try await d.client.apps().apps[0].instances.compactMap(\.pid).map {
                    try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/fd/3")
                }
            }
            let before = try await socketInodes()
            #expect(before.count == 2 && Set(before).count == 2, "one socket per slot: \(before)")
            #expect(try d.cli(["scale", "web", "3"]).status == 0)
            let scaled = try await d.waitFor("3 online") { $0[0].instances.count == 3 && $0[0].instances.allSatisfy { $0.state == .online } }
            let pids = Set(scaled[0].instances.compactMap(\.pid))
            var answered: Set<pid_t> = []
            let deadline = ContinuousClock.now + .seconds(20)
            while answered != pids, ContinuousClock.now < deadline {
                if let body = httpGet(port: port), let pid = body.split(separator: " ").dropFirst().first.flatMap({ pid_t($0) }) {
                    answered.insert(pid)
                }
            }
            #expect(answered == pids, "every slot's socket gets connections")
            // A slot keeps its socket across a restart of its instance.
            let victim = try #require(scaled[0].instances[0].pid)
            kill(victim, SIGKILL)
            _ = try await d.waitFor("replaced") { $0[0].instances[0].pid != victim && $0[0].instances[0].state == .online }
            let after = try await socketInodes()
            #expect(after[0] == before[0])
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct UnixListenTests {
    @Test func abstractNamesAreReachableAndRegularFilesAreNeverRemoved() async throws {
        try await withTestDaemon { d in
            let name = "spm2-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"
            let file = try d.write("not-a-socket", "keep me\n")
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "exec_mode": "cluster",
                          "listen": "unix:@\(name)", "wait_ready": true } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let r = try TestDaemon.run("/usr/bin/curl", ["-s", "--max-time", "5", "--abstract-unix-socket", name, "http://localhost/"])
            #expect(r.stdout == "pid \(pid) instance 0\n", "\(r.stdout) \(r.stderr)")

            let bad = try d.write("bad.json", #"{"apps":[{"name":"f","script":"/bin/sleep","args":["1000"],"exec_mode":"cluster","listen":"unix:\#(file)"}]}"#)
            let run = try d.cli(["start", bad])
            #expect(run.status == 1)
            #expect(run.stderr.contains("Address already in use"), "\(run.stderr)")
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me\n")

            let reuse = try d.write("reuse.json", #"{"apps":[{"name":"r","script":"/bin/sleep","args":["1000"],"instances":2,"exec_mode":"cluster","balance":"reuseport","listen":"unix:\#(d.home)/files/r.sock"}]}"#)
            let refused = try d.cli(["start", reuse])
            #expect(refused.status == 2) // refused by validation, before the daemon binds anything
            #expect(refused.stderr.contains("needs tcp:// addresses"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: d.home + "/files/r.sock"))
        }
    }
}
