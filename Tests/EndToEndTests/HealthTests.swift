import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `health`: HTTP checks on per-instance health ports recycle a failing instance gracefully,
/// and with `wait_ready` a failing check at start-up means not ready.
@Suite(.timeLimit(.minutes(1)))
struct HealthTests {
    @Test func anInstanceWhoseHealthCheckFailsIsRecycledAndNoRequestFails() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let healthBase = 20_000 + Int(getpid() % 1000) * 8
            let failDir = d.home + "/files/fail"
            try FileManager.default.createDirectory(atPath: failDir, withIntermediateDirectories: true)
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "exec_mode": "cluster", "instances": 2,
                          "port": \(port), "wait_ready": true, "env": { "HEALTH_FAIL_DIR": "\(failDir)" },
                          "health": { "http": "/health", "port": \(healthBase), "interval": "200ms", "timeout": "1s", "failures": 3 } } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 0, "\(run.stderr)")
            let apps = try await d.waitFor("online") { $0[0].instances.allSatisfy { $0.state == .online } }
            let sick = try #require(apps[0].instances[1].pid)
            let load = LoadRun(port: port, requests: 1_000_000)
            let running = load.start()
            try await waitUntil("some requests") { load.done.load(ordering: .relaxed) > 10 }
            // Instance 1's process starts failing its checks (its replacement will not).
            FileManager.default.createFile(atPath: "\(failDir)/\(sick)", contents: Data())
            let after = try await d.waitFor("instance 1 recycled", timeout: .seconds(20)) {
                $0[0].instances[1].pid != sick && $0[0].instances[1].state == .online
            }
            #expect(after[0].instances[1].message?.contains("health: GET /health answered 500") == true, "\(after[0].instances[1].message ?? "-")")
            #expect(after[0].instances[1].message?.contains("3 failures in a row") == true)
            #expect(after[0].instances[0].pid == apps[0].instances[0].pid, "the healthy instance was touched")
            let served = load.done.load(ordering: .relaxed)
            try await waitUntil("more requests") { load.done.load(ordering: .relaxed) > served + 10 }
            load.stop()
            await running.value
            #expect(load.failures.load(ordering: .relaxed) == 0, "requests failed during the recycle")
        }
    }

    @Test func aFailingCheckAtStartUpMeansNotReady() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            // The check expects 204 and the server answers 200: never healthy, so never ready
            // (even though the server itself sends READY=1).
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "exec_mode": "cluster", "instances": 1,
                          "port": \(port), "wait_ready": true, "listen_timeout": "1500ms",
                          "health": { "http": "/health", "status": 204, "port": \(20_500 + Int(getpid() % 1000) * 8), "interval": "200ms" } } ] }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 1)
            #expect(run.stderr.contains("health"), "\(run.stderr)")
            let inst = try await d.waitFor("errored") { $0[0].instances[0].state == .errored }[0].instances[0]
            #expect(inst.message?.contains("no passing check within listen_timeout") == true, "\(inst.message ?? "-")")
        }
    }
}
