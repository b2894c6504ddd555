import Foundation
import SwiftPM2Client
import Testing

/// `log_type: "journal"`: the test plays journald, binding its socket, and reads the entries.
@Suite(.timeLimit(.minutes(1)))
struct JournalTests {
    static let socketPath = "/run/systemd/journal/socket"

    @Test(.enabled(if: getuid() == 0 && !FileManager.default.fileExists(atPath: JournalTests.socketPath),
                   "plays journald: needs root to bind /run/systemd/journal/socket, and no journald there"))
    func linesBecomeJournalEntriesWithAppInstanceAndPid() async throws {
        let createdDir = !FileManager.default.fileExists(atPath: "/run/systemd/journal")
        try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in Self.socketPath.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        try #require(bound == 0)
        defer {
            close(fd)
            unlink(Self.socketPath)
            if createdDir { rmdir("/run/systemd/journal") }
        }
        try await withTestDaemon { d in
            let script = try d.write("talk.sh", "#!/bin/sh\necho hello out\necho oops >&2\nexec sleep 1000\n", executable: true)
            let eco = try d.write("eco.json", #"{"apps":[{"name":"j","script":"\#(script)","log_type":"journal"}]}"#)
            #expect(try d.cli(["start", eco]).status == 0)
            let pid = try #require(try await d.client.apps().apps[0].instances[0].pid)
            var entries: [[String: String]] = []
            let deadline = ContinuousClock.now + .seconds(10)
            while entries.count < 2, ContinuousClock.now < deadline {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 100) > 0 else { continue }
                var buf = [UInt8](repeating: 0, count: 8192)
                let n = recv(fd, &buf, buf.count, 0)
                guard n > 0 else { continue }
                let fields = String(decoding: buf[..<n], as: UTF8.self).split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let eq = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<eq]), String(line[line.index(after: eq)...]))
                }
                let entry = Dictionary(fields, uniquingKeysWith: { $1 })
                if entry["SWIFTPM2_APP"] == "j" { entries.append(entry) }
            }
            let out = try #require(entries.first { $0["MESSAGE"] == "hello out" })
            #expect(out["PRIORITY"] == "6")
            #expect(out["SYSLOG_IDENTIFIER"] == "j")
            #expect(out["SWIFTPM2_INSTANCE"] == "0")
            #expect(out["SWIFTPM2_PID"] == String(pid))
            let err = try #require(entries.first { $0["MESSAGE"] == "oops" })
            #expect(err["PRIORITY"] == "3")
            // `logs` points to journalctl instead of showing empty files.
            let logs = try d.cli(["logs", "j", "--lines", "5"])
            #expect(logs.status != 0 && logs.stderr.contains("journalctl SWIFTPM2_APP=j"), "\(logs.stderr)")
        }
    }
}
