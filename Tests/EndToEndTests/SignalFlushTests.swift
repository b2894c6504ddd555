import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `signal` reaches the main process; `flush` empties the log files while the app goes on.
@Suite(.timeLimit(.minutes(1)))
struct SignalFlushTests {
    @Test func signalReachesTheAppAndFlushEmptiesItsLogs() async throws {
        try await withTestDaemon { d in
            let script = try d.write("trap.sh", """
            #!/bin/sh
            trap 'echo got usr2' USR2
            echo started
            while :; do sleep 0.05; done
            """, executable: true)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"t","script":"\#(script)"}]}"#)
            #expect(try d.cli(["start", eco]).status == 0)
            let out = try await d.client.apps().apps[0].instances[0].outLog
            try await waitUntil("started") { (try? String(contentsOfFile: out, encoding: .utf8))?.contains("started") == true }
            let run = try d.cli(["signal", "SIGUSR2", "t"])
            #expect(run.status == 0, "\(run.stderr)")
            try await waitUntil("the trap ran") { (try? String(contentsOfFile: out, encoding: .utf8))?.contains("got usr2") == true }
            let flushed = try d.cli(["flush", "t"])
            #expect(flushed.status == 0 && flushed.stdout.contains("emptied \(out)"), "\(flushed.stdout)")
            #expect((try? String(contentsOfFile: out, encoding: .utf8))?.contains("started") == false)
            // The app keeps writing to the emptied file.
            #expect(try d.cli(["signal", "usr2", "t"]).status == 0)
            try await waitUntil("written again") { (try? String(contentsOfFile: out, encoding: .utf8)) == "got usr2\n" }
            let bad = try d.cli(["signal", "SIGNOPE", "t"])
            #expect(bad.status != 0 && bad.stderr.contains("signal"), "\(bad.stderr)")
        }
    }
}

/// Answers larger than the socket's buffer arrive whole (the daemon used to close the
/// connection with part of a 250 KB answer still unsent).
@Suite(.timeLimit(.minutes(1)))
struct LargeAnswerTests {
    @Test func aLargeListArrivesWhole() async throws {
        try await withTestDaemon { d in
            let big = String(repeating: "v", count: 100_000)
            let eco = try d.write("eco.json", """
            {"apps":[{"name":"big","script":"/bin/sh","args":["-c","exec sleep 600","x","\(big)","\(big)","\(big)"],"instances":2}]}
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            for _ in 0..<10 {
                let run = try d.cli(["jlist"])
                #expect(run.status == 0, "\(run.stderr)")
                #expect(run.stdout.utf8.count > 300_000)
                #expect((try? JSONDecoder().decode([AppInfo].self, from: Data(run.stdout.utf8))) != nil, "a truncated answer: \(run.stdout.utf8.count) bytes")
            }
        }
    }
}
