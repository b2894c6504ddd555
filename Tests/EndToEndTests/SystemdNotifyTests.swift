import CSpawn
import Foundation
import Testing

/// The tests act as systemd: they give the daemon a NOTIFY_SOCKET and read its datagrams.
@Suite(.timeLimit(.minutes(1)))
struct SystemdNotifyTests {
    @Test func readyStatusAndStoppingReachNotifySocket() async throws {
        try await withTestDaemon { d in
            let path = d.home + "/systemd-notify.sock"
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0)
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            try #require(bound == 0)

            // swiftpm2d in the foreground, as systemd would run it.
            var env = ProcessInfo.processInfo.environment
            env["SWIFTPM2_HOME"] = d.home
            env["NOTIFY_SOCKET"] = path
            let cArgs: [UnsafeMutablePointer<CChar>?] = [strdup(d.bin + "/swiftpm2d"), nil]
            let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (cArgs + cEnv).forEach { free($0) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, d.home + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid = pid_t()
            try #require(posix_spawn(&pid, d.bin + "/swiftpm2d", &actions, nil, cArgs, cEnv) == 0)
            defer {
                if processExists(pid) { kill(pid, SIGKILL) }
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }

            let ready = try receive(fd, until: { $0.contains("READY=1") })
            #expect(ready.contains("MAINPID=\(pid)"))
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--settle", "0", "--", "1000"]).status == 0)
            _ = try receive(fd, until: { $0.contains("STATUS=1 online") })
            kill(pid, SIGTERM)
            _ = try receive(fd, until: { $0.contains("STOPPING=1") })
            var status: Int32 = 0
            let deadline = ContinuousClock.now + .seconds(10)
            while waitpid(pid, &status, WNOHANG) == 0, ContinuousClock.now < deadline { usleep(10_000) }
            #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "SIGTERM must end the daemon cleanly, status \(status)")
            #expect(!FileManager.default.fileExists(atPath: d.socketPath))
        }
    }

    /// Datagrams until one satisfies `match` (10 s at most).
    private func receive(_ fd: Int32, until match: (String) -> Bool) throws -> String {
        let deadline = ContinuousClock.now + .seconds(10)
        var seen: [String] = []
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buf[..<n], as: UTF8.self)
            seen.append(text)
            if match(text) { return text }
        }
        Issue.record("no matching datagram; got \(seen)")
        throw TestDaemon.TimeoutError()
    }
}
