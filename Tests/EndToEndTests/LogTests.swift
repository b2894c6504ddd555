import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct LogTests {
    @Test func outputReachesTheLogFilesAndTheCLI() async throws {
        try await withTestDaemon { d in
            let script = try d.write("talk.sh", "#!/bin/sh\necho \"to out $SWIFTPM2_INSTANCE\"\necho \"to err $SWIFTPM2_INSTANCE\" >&2\nexec sleep 1000\n", executable: true)
            #expect(try d.cli(["start", script, "--name", "talk", "-i", "2"]).status == 0)
            let deadline = ContinuousClock.now + .seconds(10)
            var run = TestDaemon.Run(status: 0, stdout: "", stderr: "")
            while ContinuousClock.now < deadline {
                run = try d.cli(["logs", "talk", "--lines", "5"])
                if run.stdout.contains("talk[1] | to err 1") && run.stdout.contains("talk[0] | to out 0") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(run.stdout.contains("talk[0] | to out 0"), "\(run.stdout)")
            #expect(run.stdout.contains("talk[1] | to err 1"), "\(run.stdout)")
            #expect(try String(contentsOfFile: d.home + "/logs/talk-1-err.log", encoding: .utf8) == "to err 1\n")
            let errOnly = try d.cli(["logs", "talk", "--err", "--raw"])
            #expect(!errOnly.stdout.contains("to out"))
        }
    }

    @Test func dateFormatStampsEveryLineAndLosesNone() async throws {
        try await withTestDaemon { d in
            let script = try d.write("count.sh", "#!/bin/sh\ni=0\nwhile [ $i -lt 5000 ]; do echo \"line $i\"; i=$((i+1)); done\nexec sleep 1000\n", executable: true)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"count","script":"\#(script)","log_date_format":"YYYY-MM-DD HH:mm:ss","out_file":"\#(d.home)/files/count.log"}]}"#)
            let start = try d.cli(["start", eco, "--settle", "0"])
            #expect(start.status == 0, "\(start.stderr)")
            let path = d.home + "/files/count.log"
            let deadline = ContinuousClock.now + .seconds(15)
            var lines: [Substring] = []
            while ContinuousClock.now < deadline {
                lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
                if lines.count >= 5000 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(lines.count == 5000)
            for (i, line) in lines.enumerated() {
                // "2026-11-25 11:38:29: line 12"
                guard line.hasSuffix(": line \(i)"), line.count == "2026-11-25 11:38:29: line \(i)".count else {
                    Issue.record("line \(i) is `\(line)`")
                    break
                }
            }
        }
    }

    @Test func followStreamsNewLines() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            #expect(try d.cli(["start", "\(d.bin)/example-server", "--name", "web"], environment: ["PORT": "\(port)"]).status == 0)
            let got = Mutex<[LogLine]>([])
            let client = d.client
            let follower = Task {
                try await client.logs("web", lines: 1, follow: true) { line in got.withLock { $0.append(line) } }
            }
            defer { follower.cancel() }
            // The follow is live once the last line before it has arrived.
            var deadline = ContinuousClock.now + .seconds(10)
            while !got.withLock({ $0.contains { $0.line.contains("listening on") } }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            // SIGINT makes the server print a line as it stops; the follower must see it.
            #expect(try d.cli(["stop", "web"]).status == 0)
            deadline = ContinuousClock.now + .seconds(10)
            while !got.withLock({ $0.contains { $0.line.contains("stopping on signal 2") } }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(got.withLock { $0.contains { $0.line.contains("stopping on signal 2") && $0.stream == "out" } })
        }
    }
}
