import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `balance: roundrobin` (the default for tcp:// addresses): new connections are dealt to the
/// online instances in turn, and an instance that is not online gets none.
@Suite(.timeLimit(.minutes(1)))
struct BalanceTests {
    /// The pid in the example server's answer.
    private func answeringPID(_ port: Int) -> pid_t? {
        httpGet(port: port).flatMap { $0.split(separator: " ").dropFirst().first.flatMap { pid_t($0) } }
    }

    @Test(.enabled(if: getuid() == 0, "loading the round-robin BPF program needs root or CAP_BPF"))
    func connectionsAreDealtInTurn() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 4,
                          "exec_mode": "cluster", "port": \(port), "wait_ready": true } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!run.stderr.contains("roundrobin"), "\(run.stderr)")
            let apps = try await d.waitFor("all online") { $0[0].instances.allSatisfy { $0.state == .online } }
            #expect(apps[0].spec.balance == .roundRobin)
            var counts: [pid_t: Int] = [:]
            for _ in 0..<40 { if let pid = answeringPID(port) { counts[pid, default: 0] += 1 } }
            // One connection per request, dealt in turn: exactly 10 each.
            #expect(counts.count == 4 && counts.values.allSatisfy { $0 == 10 }, "\(counts)")
        }
    }

    @Test(.enabled(if: getuid() == 0, "loading the round-robin BPF program needs root or CAP_BPF"))
    func anInstanceWaitingToRestartGetsNoConnection() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 3,
                          "exec_mode": "cluster", "port": \(port), "wait_ready": true,
                          "restart_delay": 30000 } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let apps = try await d.waitFor("all online") { $0[0].instances.allSatisfy { $0.state == .online } }
            let victim = try #require(apps[0].instances[1].pid)
            kill(victim, SIGKILL)
            _ = try await d.waitFor("instance 1 waits to restart") { $0[0].instances[1].state == .waitingRestart }
            // Its socket stays bound (its slot keeps it for the restart) but is out of the
            // rotation: every connection goes to the two others, none waits in its queue.
            var counts: [pid_t: Int] = [:]
            var failed = 0
            for _ in 0..<12 {
                if let pid = answeringPID(port) { counts[pid, default: 0] += 1 } else { failed += 1 }
            }
            #expect(failed == 0)
            #expect(counts.count == 2 && counts.values.allSatisfy { $0 == 6 }, "\(counts)")
            #expect(counts[victim] == nil)
        }
    }
}
