import CSpawn
import Foundation
import SwiftPM2Client
import Testing

/// The tests act as systemd: the daemon in the foreground with a NOTIFY_SOCKET they read, a
/// watchdog, a socket-activated control socket, and a fd store they keep and hand back.
@Suite(.timeLimit(.minutes(2)))
struct SystemdDaemonTests {
    @Test func watchdogReloadAndSocketActivation() async throws {
        try await withTestDaemon { d in
            let manager = try FakeSystemd(home: d.home)
            let control = try listeningUnixSocket(d.socketPath)
            let pid = try manager.startDaemon(bin: d.bin, extraEnv: ["WATCHDOG_USEC": "400000"], passing: [(control, "swiftpm2d.socket")])
            close(control)
            defer { manager.reap(pid) }
            let ready = try manager.receive(until: { $0.contains("READY=1") })
            #expect(ready.contains("MAINPID=\(pid)"))
            // The control socket came from us: the daemon answers on it.
            let pong = try await d.client.ping()
            #expect(pong.pid == pid)
            // Watchdog pings at half the interval.
            _ = try manager.receive(until: { $0.contains("WATCHDOG=1") })
            _ = try manager.receive(until: { $0.contains("WATCHDOG=1") })
            // SIGHUP: RELOADING=1, then READY=1 again.
            #expect(try d.cli(["start", "/bin/sleep", "--name", "s", "--settle", "0", "--", "1000"]).status == 0)
            kill(pid, SIGHUP)
            let reloading = try manager.receive(until: { $0.contains("RELOADING=1") })
            #expect(reloading.contains("MONOTONIC_USEC="))
            _ = try manager.receive(until: { $0.contains("READY=1") })
            kill(pid, SIGTERM)
            _ = try manager.receive(until: { $0.contains("STOPPING=1") })
            #expect(manager.waitExit(pid) == 0)
        }
    }

    @Test func theFdStoreCarriesSocketsAcrossADaemonCrash() async throws {
        try await withTestDaemon { d in
            let port = freePort()
            let manager = try FakeSystemd(home: d.home)
            let first = try manager.startDaemon(bin: d.bin, extraEnv: ["FDSTORE": "64"], passing: [])
            _ = try manager.receive(until: { $0.contains("READY=1") })
            let eco = try d.write("eco.json", """
            { "apps": [ { "name": "web", "script": "\(d.bin)/example-server", "instances": 2, "exec_mode": "cluster",
                          "port": \(port), "wait_ready": true } ] }
            """)
            #expect(try d.cli(["start", eco]).status == 0)
            let pids = try await d.client.apps().apps[0].instances.compactMap(\.pid)
            // The daemon stores each slot's socket with systemd.
            try await waitUntil("two sockets stored") { manager.storedNow.count >= 2 }
            #expect(manager.stored.keys.allSatisfy { $0.hasPrefix("pm2-a0-") })

            kill(first, SIGKILL)
            manager.reap(first)
            #expect(httpGet(port: port)?.hasPrefix("pid ") == true)
            // systemd starts the daemon again and hands the stored descriptors back.
            let second = try manager.startDaemon(bin: d.bin, extraEnv: ["FDSTORE": "64"], passing: manager.stored.map { ($0.value, $0.key) })
            defer { manager.reap(second) }
            _ = try manager.receive(until: { $0.contains("READY=1") })
            let apps = try await d.client.apps().apps
            #expect(apps[0].instances.compactMap(\.pid) == pids)
            // It holds the sockets again: a restarted instance gets one.
            kill(pids[1], SIGKILL)
            let back = try await d.waitFor("instance 1 back") { $0[0].instances[1].state == .online && $0[0].instances[1].pid != pids[1] }
            let fresh = try #require(back[0].instances[1].pid)
            let fd3 = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(fresh)/fd/3")
            #expect(fd3.hasPrefix("socket:"))
            var answered: Set<String> = []
            for _ in 0..<6 { if let body = httpGet(port: port) { answered.insert(body) } }
            #expect(answered.count == 2, "\(answered)")
        }
    }
}

/// A listening Unix stream socket at `path` (what systemd's .socket unit would create).
func listeningUnixSocket(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
    unlink(path)
    let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    guard ok == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
    return fd
}

/// What the tests play of systemd: a NOTIFY_SOCKET (with credentials and fd passing), the
/// fd store, and `swiftpm2d` started in the foreground with `LISTEN_FDS`.
final class FakeSystemd: @unchecked Sendable {
    // @unchecked: used from one test task at a time.
    let home: String
    let path: String
    let fd: Int32
    /// FDSTORE=1 descriptors received, by FDNAME (FDSTOREREMOVE=1 drops them).
    var stored: [String: Int32] = [:]
    private var pending: [String] = []

    init(home: String) throws {
        self.home = home
        path = home + "/systemd-notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else { throw POSIXError(.EIO) }
    }

    deinit { close(fd) }

    /// Starts swiftpm2d in the foreground with `passing` at fds 3... (LISTEN_FDS, LISTEN_PID
    /// set by the shell to its own pid, which `exec` keeps).
    func startDaemon(bin: String, extraEnv: [String: String], passing: [(fd: Int32, name: String)]) throws -> pid_t {
        var env = ProcessInfo.processInfo.environment
        env["SWIFTPM2_HOME"] = home
        env["NOTIFY_SOCKET"] = path
        for (k, v) in extraEnv { env[k] = v }
        if !passing.isEmpty {
            env["LISTEN_FDS"] = String(passing.count)
            env["LISTEN_FDNAMES"] = passing.map(\.name).joined(separator: ":")
        }
        let script = passing.isEmpty ? "exec \"$0\"" : "LISTEN_PID=$$ exec \"$0\""
        let argv = ["/bin/sh", "-c", script, bin + "/swiftpm2d"]
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Move the fds out of the way first, then into 3, 4, ...
        for (i, p) in passing.enumerated() { posix_spawn_file_actions_adddup2(&actions, p.fd, Int32(100 + i)) }
        for i in passing.indices { posix_spawn_file_actions_adddup2(&actions, Int32(100 + i), Int32(3 + i)) }
        posix_spawn_file_actions_addopen(&actions, 1, home + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid = pid_t()
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, cEnv) == 0 else { throw POSIXError(.EIO) }
        return pid
    }

    /// Datagrams until one satisfies `match` (10 s at most); fd store messages are applied.
    func receive(until match: (String) -> Bool) throws -> String {
        if let i = pending.firstIndex(where: match) {
            let hit = pending[i]
            pending.removeFirst(i + 1)
            return hit
        }
        pending = []
        let deadline = ContinuousClock.now + .seconds(10)
        var seen: [String] = []
        while ContinuousClock.now < deadline {
            guard let text = next(timeoutMs: 100) else { continue }
            seen.append(text)
            if match(text) { return text }
        }
        Issue.record("no matching datagram; got \(seen)")
        throw TestDaemon.TimeoutError()
    }

    /// Drains what arrived (applying fd store messages), for `stored` to be current.
    private func next(timeoutMs: Int32) -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) > 0 else { return nil }
        var buf = [CChar](repeating: 0, count: 4096)
        var passed: Int32 = -1
        let n = pm2_keeper_recv(fd, &buf, buf.count, &passed)
        guard n > 0 else { return nil }
        let text = String(cString: buf)
        let fields = Dictionary(text.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { $1 })
        if fields["FDSTORE"] == "1", passed >= 0, let name = fields["FDNAME"] {
            if let old = stored[name] { close(old) }
            stored[name] = passed
        } else if fields["FDSTOREREMOVE"] == "1", let name = fields["FDNAME"] {
            if let old = stored.removeValue(forKey: name) { close(old) }
        } else if passed >= 0 {
            close(passed)
        }
        return text
    }

    var storedNow: [String: Int32] {
        while next(timeoutMs: 0) != nil {}
        return stored
    }

    func reap(_ pid: pid_t) {
        if processExists(pid) { kill(pid, SIGKILL) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The exit status of `pid` (waits 10 s at most), or -1.
    func waitExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now > deadline { return -1 }
            usleep(10_000)
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
