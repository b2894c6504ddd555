import Foundation
import Synchronization
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// Sampling and what it recycles: max_memory_restart (whole tree), cron_restart, watch.
@Suite(.timeLimit(.minutes(2)))
struct MonitoringTests {
    /// Resident memory of one process, from /proc/PID/statm.
    private func rss(_ pid: pid_t) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        return text.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }.map { $0 * UInt64(sysconf(Int32(_SC_PAGESIZE))) }
    }

    @Test func aLeakingInstanceIsRecycledWithin2sOfCrossingItsLimitAndNoRequestFails() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("leaky.json", """
            { "apps": [ { "name": "leaky", "script": "\(d.bin)/example-server", "exec_mode": "cluster", "instances": 2,
                          "port": \(port), "wait_ready": true, "max_memory_restart": "64M",
                          "env": { "LEAK_MB_PER_SEC": "20" } } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let apps = try await d.waitFor("online") { $0[0].instances.allSatisfy { $0.state == .online } }
            let first = try #require(apps[0].instances[0].pid)
            let load = LoadRun(port: port, requests: 1_000_000)
            let running = load.start()
            // Watch the instance's memory ourselves, on a thread of our own (the test's tasks
            // may wait behind other tests' blocking calls), to know when it crossed 64 MiB.
            let crossedAtMs = Atomic<Int64>(0)
            Thread {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, let bytes = rss(first) {
                    if bytes > 64 << 20 {
                        crossedAtMs.store(Int64(Date().timeIntervalSince1970 * 1000), ordering: .relaxed)
                        return
                    }
                    usleep(5_000)
                }
            }.start()
            // The daemon's own account of when it decided: the `memory` event.
            let decidedAtMs = Atomic<Int64>(0)
            let client = d.client
            let events = Task {
                try? await client.events { event in
                    if event.kind == "memory", event.instance == 0, event.pid == first {
                        _ = decidedAtMs.compareExchange(expected: 0, desired: event.atMs, ordering: .relaxed)
                    }
                }
            }
            defer { events.cancel() }
            let replaced = try await d.waitFor("instance 0 recycled", timeout: .seconds(30)) {
                $0[0].instances[0].pid != first && $0[0].instances[0].state == .online
            }
            let crossed = crossedAtMs.load(ordering: .relaxed)
            #expect(crossed > 0, "the leak was not seen crossing 64 MiB")
            // Prompt: the recycle starts within a second of the crossing (near its limit an
            // instance is measured every 100 ms), and the replacement, ready, took the slot
            // (its startedAtMs) within 2 s — on a machine this test shares with the whole
            // end-to-end suite the app's own start-up can take longer, hence the looser bound
            // there; `make bench` reports the figure on a quiet machine.
            let decided = decidedAtMs.load(ordering: .relaxed)
            #expect(decided > 0 && decided - crossed < 1000, "the recycle started \(decided - crossed) ms after the crossing")
            let tookMs = (replaced[0].instances[0].startedAtMs ?? 0) - crossed
            #expect(tookMs < 10_000, "recycled \(tookMs) ms after crossing the limit")
            #expect(replaced[0].instances[0].message?.contains("memory") == true, "\(replaced[0].instances[0].message ?? "-")")
            #expect(replaced[0].instances[0].message?.contains("> 64M") == true)
            try await waitUntil("more requests") { load.done.load(ordering: .relaxed) > 50 }
            load.stop()
            await running.value
            #expect(load.failures.load(ordering: .relaxed) == 0, "requests failed during the recycle")
        }
    }

    @Test(.enabled(if: access("/usr/bin/python3", X_OK) == 0, "the grandchild is a python3 process"))
    func aGrandchildsMemoryCountsForTheInstance() async throws {
        try await withTestDaemon { d in
            let script = try d.write("parent.sh", """
            #!/bin/sh
            /usr/bin/python3 -c 'import time; b = bytearray(80 << 20); time.sleep(600)' &
            exec sleep 600
            """, executable: true)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"tree","script":"\#(script)"}]}"#)
            #expect(try d.cli(["start", eco]).status == 0)
            let apps = try await d.waitFor("the tree counted", timeout: .seconds(20)) {
                ($0[0].instances[0].memoryBytes ?? 0) > 80 << 20 && ($0[0].instances[0].processes ?? 0) == 2
            }
            let pid = try #require(apps[0].instances[0].pid)
            // The leader alone is small: the figure is the tree's.
            #expect((rss(pid) ?? 0) < 20 << 20)
            // And it is what max_memory_restart acts on.
            let limited = try d.write("limited.json", #"{"apps":[{"name":"tree","script":"\#(script)","max_memory_restart":"50M"}]}"#)
            #expect(try d.cli(["apply", limited]).status == 0)
            let recycled = try await d.waitFor("recycled for memory", timeout: .seconds(20)) {
                $0[0].instances[0].message?.contains("memory") == true && $0[0].instances[0].restarts >= 2
            }
            #expect(recycled[0].instances[0].message?.contains("> 50M") == true)
        }
    }

    @Test func cronRestartRecyclesOnSchedule() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.json", #"{"apps":[{"name":"c","script":"/bin/sleep","args":["600"],"cron_restart":"*/2 * * * * *"}]}"#)
            // No settle window: the schedule may fire within it.
            #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
            let first = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let apps = try await d.waitFor("a cron recycle", timeout: .seconds(10)) {
                $0[0].instances[0].restarts >= 1 && $0[0].instances[0].pid != first && $0[0].instances[0].state == .online
            }
            #expect(apps[0].instances[0].message?.contains("cron_restart") == true, "\(apps[0].instances[0].message ?? "-")")
        }
    }

    @Test func watchRestartsOncePerBurstAndIgnoresIgnoredPaths() async throws {
        try await withTestDaemon { d in
            let folder = d.home + "/files/app"
            try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
            let eco = try d.write("eco.json", """
            {"apps":[{"name":"w","script":"/bin/sleep","args":["600"],"cwd":"\(folder)","watch":true,
                      "ignore_watch":["logs"],"watch_delay":"300ms"}]}
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let first = try #require(try await d.client.apps().apps[0].instances[0].pid)
            // A write in an ignored folder changes nothing.
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/logs/app.log"))
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await d.client.apps().apps[0].instances[0].restarts == 0)
            // A burst of 40 writes: one restart.
            for i in 0..<40 { try Data("\(i)".utf8).write(to: URL(fileURLWithPath: folder + "/f\(i % 5).txt")) }
            let apps = try await d.waitFor("the restart") { $0[0].instances[0].restarts == 1 && $0[0].instances[0].state == .online }
            #expect(apps[0].instances[0].pid != first)
            #expect(apps[0].instances[0].message?.contains("watch:") == true)
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await d.client.apps().apps[0].instances[0].restarts == 1, "a burst gave more than one restart")
        }
    }
}
