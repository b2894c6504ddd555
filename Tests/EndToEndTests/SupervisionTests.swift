import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

@Suite(.timeLimit(.minutes(1)))
struct SupervisionTests {
    @Test func startsAnEcosystemAndServes() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [
                { "name": "web", "script": "\(d.bin)/example-server", "env": { "PORT": "\(port)" } },
                { "name": "ticker", "script": "\(d.bin)/example-crasher", "instances": 2, "env": { "CRASH_AFTER_MS": "600000" } }
            ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("web"))
            let apps = try await d.waitFor("web answering") { _ in httpGet(port: port) != nil }
            let web = try #require(apps.first { $0.name == "web" })
            let pid = try #require(web.instances[0].pid)
            #expect(httpGet(port: port) == "pid \(pid) instance 0\n")
            let ticker = try #require(apps.first { $0.name == "ticker" })
            #expect(ticker.instances.map(\.state) == [.online, .online])
            #expect(Set(ticker.instances.compactMap(\.pid)).count == 2)

            let jlist = try d.cli(["jlist"])
            #expect(jlist.status == 0)
            let decoded = try JSONDecoder().decode([AppInfo].self, from: Data(jlist.stdout.utf8))
            #expect(decoded.map(\.name) == ["web", "ticker"])
        }
    }

    @Test func sigkilledInstanceIsReplaced() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "sleeper", "--", "1000"]).status == 0)
            let before = try await d.waitFor("sleeper online") { $0.first?.instances.first?.pid != nil }
            let oldPID = try #require(before[0].instances[0].pid)
            kill(oldPID, SIGKILL)
            let after = try await d.waitFor("a new pid") { apps in
                let inst = apps[0].instances[0]
                return inst.state == .online && inst.pid != nil && inst.pid != oldPID
            }
            #expect(after[0].instances[0].restarts == 1)
            #expect(after[0].instances[0].lastExit?.signal == SIGKILL)
            #expect(after[0].instances[0].lastExit?.reason == "killed by SIGKILL")
        }
    }

    @Test func crashLoopEndsErrored() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.yaml", """
            apps:
              - name: broken
                script: \(d.bin)/example-exit-now
                args: "5"
                max_restarts: 2
                restart_delay: 10ms
            """)
            let run = try d.cli(["start", eco, "--settle", "0"])
            #expect(run.status == 0, "\(run.stderr)")
            let apps = try await d.waitFor("errored") { $0[0].instances[0].state == .errored }
            let inst = apps[0].instances[0]
            #expect(inst.restarts == 2)
            #expect(inst.lastExit?.code == 5)
            #expect(inst.message?.contains("max_restarts is 2") == true)
            // It stays errored: nothing restarts it any more.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await d.client.apps().apps[0].instances[0].restarts == 2)
        }
    }

    @Test func startReportsAnImmediateCrash() async throws {
        try await withTestDaemon { d in
            let run = try d.cli(["start", "\(d.bin)/example-exit-now", "--name", "dies", "--", "9"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("dies[0]"))
            #expect(run.stderr.contains("exited with code 9"))
        }
    }

    @Test func stopKillsAShellScriptsGrandchildren() async throws {
        try await withTestDaemon { d in
            let pidFile = d.home + "/files/grandchildren"
            // Background jobs of a non-interactive shell ignore SIGINT, so only the group
            // kill after kill_timeout can end them.
            let script = try d.write("spawner.sh", """
            #!/bin/sh
            sleep 1001 &
            echo $! >> \(pidFile)
            sleep 1002 &
            echo $! >> \(pidFile)
            wait
            """, executable: true)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"sh","script":"\#(script)","kill_timeout":"300ms"}]}"#)
            #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
            let deadline = ContinuousClock.now + .seconds(10)
            var grandchildren: [pid_t] = []
            while grandchildren.count < 2, ContinuousClock.now < deadline {
                grandchildren = ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(grandchildren.count == 2)
            #expect(grandchildren.allSatisfy(processExists))
            let stop = try d.cli(["stop", "sh"])
            #expect(stop.status == 0, "\(stop.stderr)")
            // `stop` returns only when the whole process group is gone.
            for pid in grandchildren { #expect(!processExists(pid), "grandchild \(pid) survived the stop") }
            #expect(try await d.client.apps().apps[0].instances[0].state == .stopped)
        }
    }

    @Test func restartGivesNewPIDsAndCounts() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "-i", "2", "--", "1000"]).status == 0)
            let before = try await d.client.apps().apps[0].instances.compactMap(\.pid)
            #expect(before.count == 2)
            let run = try d.cli(["restart", "s"])
            #expect(run.status == 0, "\(run.stderr)")
            let after = try await d.client.apps().apps[0].instances
            #expect(after.allSatisfy { $0.state == .online && $0.restarts == 1 })
            #expect(Set(after.compactMap(\.pid)).isDisjoint(with: before))
            for pid in before { #expect(!processExists(pid)) }
        }
    }

    @Test func deleteForgetsAndStartTwiceConflicts() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"]).status == 0)
            let again = try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"])
            #expect(again.status == 1)
            #expect(again.stderr.contains("already runs"))
            #expect(try await d.client.apps().apps.count == 1)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            #expect(try d.cli(["delete", "s"]).status == 0)
            #expect(try await d.client.apps().apps.isEmpty)
            #expect(!processExists(pid))
            let missing = try d.cli(["stop", "s"])
            #expect(missing.status == 4)
            #expect(missing.stderr.contains("no app, id or namespace matches `s`"))
        }
    }

    @Test func selectorsByIdAndNamespace() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.json", """
            { "apps": [
                { "name": "a", "script": "/bin/sleep", "args": ["1000"], "namespace": "jobs" },
                { "name": "b", "script": "/bin/sleep", "args": ["1000"], "namespace": "jobs" },
                { "name": "c", "script": "/bin/sleep", "args": ["1000"] }
            ] }
            """)
            #expect(try d.cli(["start", eco, "--settle", "0"]).status == 0)
            #expect(try d.cli(["stop", "jobs"]).status == 0)
            var states = try await d.client.apps().apps.map { $0.instances[0].state }
            #expect(states == [.stopped, .stopped, .online])
            #expect(try d.cli(["stop", "2"]).status == 0)
            states = try await d.client.apps().apps.map { $0.instances[0].state }
            #expect(states == [.stopped, .stopped, .stopped])
            #expect(try d.cli(["restart", "all"]).status == 0)
            states = try await d.client.apps().apps.map { $0.instances[0].state }
            #expect(states == [.online, .online, .online])
        }
    }
}
