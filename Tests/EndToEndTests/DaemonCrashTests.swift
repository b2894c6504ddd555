import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// Apps outlive the daemon: after a SIGKILL of the daemon the instances keep serving and
/// writing their logs, and the next daemon takes them back. And `save`/`resurrect`.
@Suite(.timeLimit(.minutes(2)))
struct DaemonCrashTests {
    @Test func instancesOutliveADaemonKilledWithSIGKILL() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            // A fork app that writes a numbered line every 5 ms through the daemon's
            // timestamping pipe: no number may be missing after the daemon's death.
            let counter = try d.write("counter.sh", "#!/bin/sh\ni=0\nwhile :; do echo \"n $i\"; i=$((i+1)); sleep 0.005; done\n", executable: true)
            let eco = try d.write("eco.json", """
            { "apps": [
              { "name": "web", "script": "\(d.bin)/example-server", "instances": 2, "exec_mode": "cluster",
                "port": \(port), "wait_ready": true },
              { "name": "counter", "script": "\(counter)", "log_date_format": "YYYY-MM-DD HH:mm:ss.SSS" } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let before = try await d.waitFor("all online") { $0.allSatisfy { $0.instances.allSatisfy { $0.state == .online } } }
            let pids = before.map { $0.instances.compactMap(\.pid) }
            let load = LoadRun(port: port, requests: 1_000_000)
            let running = load.start()
            try await waitUntil("some requests") { load.done.load(ordering: .relaxed) >= 10 }

            let old = try #require(d.daemonPID)
            kill(old, SIGKILL)
            try await waitUntil("the daemon gone") { !processExists(old) }
            let served = load.done.load(ordering: .relaxed)
            try await waitUntil("requests without a daemon") { load.done.load(ordering: .relaxed) >= served + 20 }

            // A CLI call brings up a new daemon, which lists the same processes.
            let ls = try d.cli(["ls"])
            #expect(ls.status == 0, "\(ls.stderr)")
            let new = try #require(d.daemonPID)
            #expect(new != old)
            let after = try await d.client.apps().apps
            #expect(after.map { $0.instances.compactMap(\.pid) } == pids)
            #expect(after.allSatisfy { $0.instances.allSatisfy { $0.state == .online && $0.restarts == 0 } })

            try await waitUntil("requests after the takeover") { load.done.load(ordering: .relaxed) >= served + 40 }
            load.stop()
            await running.value
            #expect(load.failures.load(ordering: .relaxed) == 0, "requests failed around the daemon's death")

            // One more SIGKILL, of an instance: still restarted, by the new daemon.
            let victim = pids[0][0]
            kill(victim, SIGKILL)
            let restarted = try await d.waitFor("instance 0 restarted") {
                $0[0].instances[0].pid != nil && $0[0].instances[0].pid != victim && $0[0].instances[0].state == .online
            }
            #expect(restarted[0].instances[0].restarts == 1)
            #expect(restarted[0].instances[0].lastExit?.reason.contains("taken over") == true)

            // The counter's output went on through the daemon's death: every number is there.
            let log = try String(contentsOfFile: after[1].instances[0].outLog, encoding: .utf8)
            let numbers = log.split(separator: "\n").compactMap { line in line.split(separator: " ").last.flatMap { Int($0) } }
            #expect(numbers.count > 20)
            #expect(numbers == Array(0..<numbers.count), "lines lost or out of order around the daemon's death")
        }
    }

    @Test func saveKillResurrectTwiceStartsEachAppOnce() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "sleeper", "script": "/bin/sleep", "args": ["1000"] },
                        { "name": "web", "script": "\(d.bin)/example-server", "instances": 2, "exec_mode": "cluster",
                          "port": \(port), "wait_ready": true },
                        { "name": "idle", "script": "/bin/sleep", "args": ["1000"] } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            #expect(try d.cli(["stop", "idle"]).status == 0)
            let save = try d.cli(["save"])
            #expect(save.status == 0 && save.stdout.contains("saved sleeper, web, idle"), "\(save.stdout) \(save.stderr)")
            #expect(try d.cli(["kill"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: d.home + "/state.json"))

            let first = try d.cli(["resurrect"])
            #expect(first.status == 0, "\(first.stderr)")
            var apps = try await d.waitFor("resurrected") { $0.count == 2 && $0.allSatisfy { $0.instances.allSatisfy { $0.state == .online } } }
            #expect(apps.map(\.name) == ["sleeper", "web"])
            #expect(apps[1].instances.count == 2)
            let pids = apps.map { $0.instances.compactMap(\.pid) }

            let second = try d.cli(["resurrect"])
            #expect(second.status == 0)
            #expect(second.stdout.contains("nothing to start"), "\(second.stdout)")
            #expect(second.stderr.contains("sleeper: already runs"))
            apps = try await d.client.apps().apps
            #expect(apps.map(\.name) == ["sleeper", "web"])
            #expect(apps.map { $0.instances.compactMap(\.pid) } == pids)
            #expect(httpGet(port: port)?.hasPrefix("pid ") == true)

            // The previous dump is kept.
            #expect(try d.cli(["save"]).stdout.contains("previous dump kept"))
            #expect(FileManager.default.fileExists(atPath: d.home + "/dump.json.bak"))
        }
    }
}

/// Polls `condition` every 10 ms for at most `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(15), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw TestDaemon.TimeoutError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
