import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `GET /metrics`: on the control socket without a token, and on the loopback TCP listener
/// (`SWIFTPM2_METRICS_ADDRESS`) with one; the text passes promtool.
@Suite(.timeLimit(.minutes(2)))
struct MetricsEndpointTests {
    static let promtool = "/usr/bin/promtool"

    /// `curl -i`: status line and headers, a blank line, the body.
    private func curl(_ args: [String]) throws -> (head: String, body: String) {
        let run = try TestDaemon.run("/usr/bin/curl", ["-s", "-i", "--max-time", "5"] + args)
        #expect(run.status == 0, "curl \(args): \(run.stderr)")
        let parts = run.stdout.components(separatedBy: "\r\n\r\n")
        return (parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// promtool's complaints about `text` (empty when it passes) and its status.
    private func promtoolCheck(_ text: String, in d: TestDaemon) throws -> TestDaemon.Run {
        let file = try d.write("metrics.txt", text)
        return try TestDaemon.run("/bin/sh", ["-c", "\(Self.promtool) check metrics < \"$1\" 2>&1", "sh", file])
    }

    @Test func theTCPListenerWantsTheTokenAndServesText() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let token = "e2e-" + MetricsEndpointTests.randomHex()
            let env = ["SWIFTPM2_METRICS_ADDRESS": "127.0.0.1:\(port)", "SWIFTPM2_METRICS_TOKEN": token]
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"], environment: env).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            let url = "http://127.0.0.1:\(port)/metrics"

            // The sampler reports CPU from its second sample on: poll until it is there.
            var response = (head: "", body: "")
            let deadline = ContinuousClock.now + .seconds(15)
            repeat {
                response = try curl(["-H", "Authorization: Bearer \(token)", url])
                if response.body.contains("swiftpm2_instance_cpu_usage_ratio{") { break }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            #expect(response.head.hasPrefix("HTTP/1.1 200"), "\(response.head)")
            #expect(response.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
            let lines = response.body.split(separator: "\n").map(String.init)
            let labels = #"{app="s",namespace="default",instance="0"}"#
            #expect(lines.contains("swiftpm2_instance_up\(labels) 1.0"))
            #expect(lines.contains("swiftpm2_instance_pid\(labels) \(pid).0"))
            #expect(lines.contains(#"swiftpm2_instance_state{app="s",namespace="default",instance="0",state="online"} 1.0"#))
            #expect(lines.contains(#"swiftpm2_app_instances{app="s",namespace="default"} 1.0"#))
            #expect(lines.contains { $0.hasPrefix("swiftpm2_instance_memory_rss_bytes\(labels) ") })
            #expect(lines.contains { $0.hasPrefix("swiftpm2_instance_cpu_usage_ratio\(labels) ") })
            #expect(lines.contains { $0.hasPrefix("swiftpm2_daemon_info{version=") })
            #expect(lines.contains("swiftpm2_daemon_pid \(try #require(d.daemonPID)).0"))
            if FileManager.default.isExecutableFile(atPath: Self.promtool) {
                let check = try promtoolCheck(response.body, in: d)
                #expect(check.status == 0 && check.stdout.isEmpty, "promtool: \(check.stdout)")
            }

            for auth in [[], ["-H", "Authorization: Bearer wrong-\(token)"]] {
                let refused = try curl(auth + [url])
                #expect(refused.head.hasPrefix("HTTP/1.1 401"), "\(refused.head)")
                #expect(refused.head.lowercased().contains("www-authenticate: bearer"))
                #expect(!refused.body.contains("swiftpm2_"))
            }
            let other = try curl(["-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)/v1/apps"])
            #expect(other.head.hasPrefix("HTTP/1.1 404"), "\(other.head)")
        }
    }

    @Test func theControlSocketServesMetricsWithoutAToken() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--", "1000"]).status == 0)
            let response = try curl(["--unix-socket", d.socketPath, "http://localhost/metrics"])
            #expect(response.head.hasPrefix("HTTP/1.1 200"), "\(response.head)")
            #expect(response.head.lowercased().contains("content-type: text/plain; version=0.0.4"))
            #expect(response.body.contains(#"swiftpm2_instance_up{app="s",namespace="default",instance="0"} 1.0"#))
            let post = try curl(["-X", "POST", "--unix-socket", d.socketPath, "http://localhost/metrics"])
            #expect(post.head.hasPrefix("HTTP/1.1 405"), "\(post.head)")
        }
    }

    @Test func withoutATokenVariableTheDaemonCreatesTheTokenFile() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            #expect(try d.cli(["ping"], environment: ["SWIFTPM2_METRICS_ADDRESS": "127.0.0.1:\(port)"]).status == 0)
            let path = d.home + "/metrics.token"
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.count == 64)
            let response = try curl(["-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)/metrics"])
            #expect(response.head.hasPrefix("HTTP/1.1 200"), "\(response.head)")
        }
    }

    @Test func aNonLoopbackAddressStopsTheDaemonWithAClearError() throws {
        var template = Array("/tmp/spm2-e2e-XXXXXX".utf8CString)
        let home = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: home) }
        let run = try TestDaemon.run("/usr/bin/timeout", ["15", TestDaemon.binDirectory + "/swiftpm2d"],
                                     environment: ["SWIFTPM2_HOME": home, "SWIFTPM2_METRICS_ADDRESS": "0.0.0.0:9615"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("SWIFTPM2_METRICS_ADDRESS=0.0.0.0:9615"), "\(run.stderr)")
        #expect(run.stderr.contains("127.0.0.1 or [::1]"))
    }

    static func randomHex() -> String {
        (0..<4).map { _ in String(UInt64.random(in: 0 ... .max), radix: 16) }.joined()
    }
}
