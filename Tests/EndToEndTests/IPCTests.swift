import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Synchronization
import Testing

/// Messages between the daemon and instances (`ipc: true`), through the real daemon and CLI:
/// example-messenger (SwiftPM2Worker) and messenger.py (the documented protocol only).
@Suite(.timeLimit(.minutes(1)))
struct IPCTests {
    func messenger(_ d: TestDaemon, name: String = "m", instances: Int = 2, env: String = "{}", ping: String = "200ms") throws -> String {
        try d.write("\(name).json", """
        { "apps": [ { "name": "\(name)", "script": "\(d.bin)/example-messenger", "instances": \(instances),
                      "ipc": true, "ipc_ping": "\(ping)", "env": \(env) } ] }
        """)
    }

    /// Collects the events of kind `message` while `body` runs.
    final class Inbox: Sendable {
        let events = Mutex<[Event]>([])
        func start(_ client: DaemonClient) -> Task<Void, Never> {
            Task {
                try? await client.events { event in
                    if event.kind == "message" { self.events.withLock { $0.append(event) } }
                }
            }
        }
        var all: [Event] { events.withLock { $0 } }
    }

    /// Waits until every instance of the apps that offer anything declared `action`.
    func waitForActions(_ d: TestDaemon, _ action: String, app: String? = nil) async throws {
        _ = try await d.waitFor("actions declared") { apps in
            apps.filter { app == nil || $0.name == app }.allSatisfy { $0.instances.allSatisfy { $0.ipc?.actions.contains(action) == true } }
        }
    }

    @Test func sendToOneInstanceAndToAllSeesEachReply() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", try messenger(d)]).status == 0)
            try await waitForActions(d, "rotate-keys")
            let inbox = Inbox()
            let listening = inbox.start(d.client)
            defer { listening.cancel() }
            // The event stream is open once a marker's echo comes back through it.
            var k = 0
            try await waitUntil("the event stream") {
                if inbox.all.contains(where: { $0.message.contains("prime") }) { return true }
                k += 1
                if k % 30 == 1 { _ = try? d.cli(["send", "m", #"{"prime":\#(k)}"#, "--instance", "0"]) }
                return false
            }
            let one = try d.cli(["send", "m", #"{"n":1}"#, "--instance", "1"])
            #expect(one.status == 0, "\(one.stderr)")
            #expect(one.stdout.contains("sent to m[1]"))
            try await waitUntil("the echo of 1") { inbox.all.contains { $0.message.contains(#""n":1"#) } }
            let all = try d.cli(["send", "m", #"{"n":2}"#])
            #expect(all.stdout.contains("sent to m[0]") && all.stdout.contains("sent to m[1]"))
            try await waitUntil("both echoes of 2") { inbox.all.filter { $0.message.contains(#""n":2"#) }.count == 2 }
            let ones = inbox.all.filter { $0.message.contains(#""n":1"#) }
            #expect(ones.count == 1 && ones.first?.instance == 1, "\(ones)")
            #expect(Set(inbox.all.filter { $0.message.contains(#""n":2"#) }.compactMap(\.instance)) == [0, 1])
        }
    }

    @Test func triggerGetsEveryReplyAndFailsOnTimeout() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", try messenger(d)]).status == 0)
            #expect(try d.cli(["start", try messenger(d, name: "mute", instances: 1, env: #"{"MESSENGER_SILENT": "1"}"#)]).status == 0)
            try await waitForActions(d, "rotate-keys", app: "m")
            let ok = try d.cli(["trigger", "m", "rotate-keys", "--json"])
            #expect(ok.status == 0, "\(ok.stderr)")
            let result = try JSONDecoder().decode(IPCResult.self, from: Data(ok.stdout.utf8))
            let pids = try await d.client.apps("m").apps[0].instances.compactMap(\.pid)
            #expect(Set(result.done.compactMap(\.pid)) == Set(pids))
            #expect(result.done.allSatisfy { $0.data?["rotated"] == .bool(true) })
            // An action nobody offers, and an instance that never answers.
            let unknown = try d.cli(["trigger", "m", "no-such-action"])
            #expect(unknown.status == 1 && unknown.stderr.contains("does not offer \"no-such-action\""), "\(unknown.stderr)")
            let started = ContinuousClock.now
            let mute = try d.cli(["trigger", "mute", "rotate-keys", "--timeout", "300"])
            #expect(mute.status == 1)
            #expect(mute.stderr.contains("no reply within 300ms"), "\(mute.stderr)")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func garbageAndAnInstanceThatNeverReadsDoNotHurtTheOthers() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", try messenger(d, name: "noisy", instances: 1, env: #"{"MESSENGER_GARBAGE": "1"}"#)]).status == 0)
            let deaf = try d.write("deaf.json", #"{"apps":[{"name":"deaf","script":"/bin/sleep","args":["600"],"ipc":true,"ipc_ping":"0"}]}"#)
            #expect(try d.cli(["start", deaf]).status == 0)
            try await waitForActions(d, "health", app: "noisy")
            // The one that never reads: its queue fills, then messages are dropped and counted.
            var dropped = 0
            for i in 0..<40 where dropped == 0 {
                let big = String(repeating: "x", count: 60_000)
                let result = try await d.client.send("deaf", instance: nil, data: .object(["i": .int(Int64(i)), "pad": .string(big)]))
                dropped += result.missing.count
            }
            #expect(dropped > 0, "nothing was dropped for an instance that never reads")
            let deafInfo = try await d.client.apps("deaf").apps[0].instances[0].ipc
            #expect((deafInfo?.dropped ?? 0) > 0)
            // The daemon and the other instance are fine.
            let ok = try d.cli(["trigger", "noisy", "health"])
            #expect(ok.status == 0, "\(ok.stderr)")
            let noisy = try await d.client.apps("noisy").apps[0].instances[0]
            #expect((noisy.ipc?.malformed ?? 0) > 0, "the garbage lines were not counted")
            #expect(try d.cli(["ping"]).status == 0)
        }
    }

    @Test(.enabled(if: access("/usr/bin/python3", X_OK) == 0, "messenger.py needs python3"))
    func aPythonScriptUsingOnlyTheProtocolTakesPart() async throws {
        try await withTestDaemon { d in
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("ecosystem-examples/messenger.py").path
            let eco = try d.write("py.json", #"{"apps":[{"name":"py","script":"\#(script)","interpreter":"/usr/bin/python3","ipc":true,"ipc_ping":"200ms"}]}"#)
            #expect(try d.cli(["start", eco]).status == 0)
            try await waitForActions(d, "py-hello")
            let run = try d.cli(["trigger", "py", "py-hello", #"{"from":"test"}"#, "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let result = try JSONDecoder().decode(IPCResult.self, from: Data(run.stdout.utf8))
            #expect(result.done.count == 1)
            let apps = try await d.waitFor("a pong") { $0[0].instances[0].ipc?.lastPong != nil }
            let pid = try #require(apps[0].instances[0].pid)
            #expect(apps[0].instances[0].ipc?.lastPong?["pid"] == .int(Int64(pid)))
        }
    }
}
