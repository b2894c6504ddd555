import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ValidationTests {
    @Test func malformedFileNamesLineAndColumnAndTouchesNothing() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "keep", "--", "1000"]).status == 0)
            let pid = try await d.client.apps().apps[0].instances[0].pid
            let eco = try d.write("bad.json", """
            {
              "apps": [
                { "name": "x", "script": "/bin/sleep", }
              ]
            }
            """)
            let run = try d.cli(["start", eco])
            #expect(run.status == 2)
            #expect(run.stderr.contains("bad.json:3:"), "\(run.stderr)")
            let apps = try await d.client.apps().apps
            #expect(apps.map(\.name) == ["keep"])
            #expect(apps[0].instances[0].pid == pid)
        }
    }

    @Test func misspeltKeySuggestsTheRightOne() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.json", #"{"apps":[{"name":"x","script":"/bin/sleep","instnaces":2}]}"#)
            let run = try d.cli(["start", eco])
            #expect(run.status == 2)
            #expect(run.stderr.contains("apps[0].instnaces"), "\(run.stderr)")
            #expect(run.stderr.contains("did you mean `instances`?"), "\(run.stderr)")
            let validate = try d.cli(["validate", eco])
            #expect(validate.status == 2)
            #expect(validate.stderr.contains("did you mean `instances`?"))
            // validate never starts a daemon
            #expect(!FileManager.default.fileExists(atPath: d.socketPath))
        }
    }

    @Test func wrongValueNamesPathAndExpectation() async throws {
        try await withTestDaemon { d in
            let eco = try d.write("eco.yaml", "apps:\n  - name: x\n    script: /bin/sleep\n    min_uptime: soon\n")
            let run = try d.cli(["validate", eco])
            #expect(run.status == 2)
            #expect(run.stderr.contains("eco.yaml:4:"), "\(run.stderr)")
            #expect(run.stderr.contains("apps[0].min_uptime"), "\(run.stderr)")
        }
    }

    @Test func nonExecutableScriptIsRefusedWithTheOSError() async throws {
        try await withTestDaemon { d in
            let script = try d.write("not-exec.sh", "#!/bin/sh\necho hi\n", executable: false)
            let run = try d.cli(["start", script])
            #expect(run.status == 2)
            #expect(run.stderr.contains("EACCES"), "\(run.stderr)")
            let missing = try d.cli(["start", d.home + "/files/nothing-here"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("ENOENT"), "\(missing.stderr)")
        }
    }

    @Test func apiRefusesBadBodiesWithTheRightStatus() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["ping"]).status == 0)
            let client = d.client
            let (s1, b1) = try await client.raw(.POST, "/v1/apps?base=/tmp", body: Array(#"{"apps":[{"name":"x","script":"/bin/sleep","instances":"lots"}]}"#.utf8))
            #expect(s1 == 400)
            let e1 = try JSONDecoder().decode(APIError.self, from: Data(b1))
            #expect(e1.code == "invalid_ecosystem")
            #expect(e1.message.contains("apps[0].instances"))
            let (s2, _) = try await client.raw(.POST, "/v1/apps", body: Array("{not json".utf8))
            #expect(s2 == 400)
            let (s3, b3) = try await client.raw(.POST, "/v1/apps", body: [UInt8](repeating: 32, count: (1 << 20) + 1))
            #expect(s3 == 413)
            #expect(try JSONDecoder().decode(APIError.self, from: Data(b3)).code == "too_large")
            let (s4, _) = try await client.raw(.GET, "/v1/nothing")
            #expect(s4 == 404)
            let (s5, _) = try await client.raw(.PUT, "/v1/apps")
            #expect(s5 == 405)
            let (s6, _) = try await client.raw(.GET, "/v1/apps/ghost")
            #expect(s6 == 404)
            // still serving
            #expect(try await client.ping().pid == d.daemonPID)
        }
    }
}
