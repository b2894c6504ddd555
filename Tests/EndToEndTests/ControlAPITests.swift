import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ControlAPITests {
    @Test func curlGetsTheAppsAsJSON() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"]).status == 0)
            let run = try TestDaemon.run("/usr/bin/curl", ["-s", "--unix-socket", d.socketPath, "http://localhost/v1/apps"])
            #expect(run.status == 0)
            let list = try JSONDecoder().decode(AppList.self, from: Data(run.stdout.utf8))
            #expect(list.apps.map(\.name) == ["s"])
            #expect(list.apps[0].instances[0].state == .online)
        }
    }

    @Test func socketAndHomeModes() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["ping"]).status == 0)
            let socketMode = try FileManager.default.attributesOfItem(atPath: d.socketPath)[.posixPermissions] as? Int
            let homeMode = try FileManager.default.attributesOfItem(atPath: d.home)[.posixPermissions] as? Int
            #expect(socketMode == 0o600)
            #expect(homeMode == 0o700)
        }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to act as another uid"))
    func anotherUIDIsRefused() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["ping"]).status == 0)
            let asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/curl", "-s", "-w", "\n%{http_code}",
                            "--unix-socket", d.socketPath, "http://localhost/v1/apps"]
            // The 0700 folder keeps it out first...
            let blocked = try TestDaemon.run("/usr/bin/setpriv", asNobody)
            #expect(blocked.status != 0 || blocked.stdout.hasSuffix("000"))
            // ...and with the folder and socket opened up, SO_PEERCRED still refuses it.
            chmod(d.home, 0o711)
            chmod(d.socketPath, 0o666)
            defer { chmod(d.home, 0o700); chmod(d.socketPath, 0o600) }
            let refused = try TestDaemon.run("/usr/bin/setpriv", asNobody)
            #expect(refused.stdout.hasSuffix("403"), "\(refused.stdout) \(refused.stderr)")
            #expect(refused.stdout.contains("\"forbidden\""))
            #expect(refused.stdout.contains("uid 65534"))
        }
    }

    @Test func eventsStreamStateChanges() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"]).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let seen = Mutex<[Event]>([])
            let client = d.client
            let listener = Task {
                try await client.events { event in seen.withLock { $0.append(event) } }
            }
            defer { listener.cancel() }
            // The subscription is live once it carries an event: start probe apps until one
            // shows up, then act.
            var deadline = ContinuousClock.now + .seconds(10)
            var probe = 0
            while !seen.withLock({ $0.contains { $0.app.hasPrefix("probe") } }), ContinuousClock.now < deadline {
                probe += 1
                #expect(try d.cli(["start", "/bin/sleep", "--name", "probe\(probe)", "--settle", "0", "--", "1000"]).status == 0)
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(pid, SIGKILL)
            deadline = ContinuousClock.now + .seconds(10)
            while !seen.withLock({ $0.contains { $0.kind == "restart" && $0.app == "s" } }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let events = seen.withLock { $0 }
            let exit = try #require(events.first { $0.kind == "exit" && $0.app == "s" })
            #expect(exit.app == "s")
            #expect(exit.message.contains("killed by SIGKILL"))
            let restart = try #require(events.first { $0.kind == "restart" && $0.app == "s" })
            #expect(restart.state == .online)
            #expect(restart.pid != pid)
        }
    }

    @Test func killStopsAppsAndDaemon() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"]).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let daemonPID = try #require(d.daemonPID)
            let run = try d.cli(["kill"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!processExists(pid))
            #expect(!FileManager.default.fileExists(atPath: d.socketPath))
            let deadline = ContinuousClock.now + .seconds(5)
            while processExists(daemonPID), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(!processExists(daemonPID))
        }
    }
}
