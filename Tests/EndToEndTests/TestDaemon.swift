import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// A daemon of the real binaries in a temporary home, for one test. Always stopped at the end.
struct TestDaemon: Sendable {
    let home: String
    let bin: String

    var socketPath: String { home + "/daemon.sock" }
    var client: DaemonClient { DaemonClient(socketPath: socketPath) }

    /// The folder of the built binaries: `$SWIFTPM2_BIN_DIR`, else `.build/debug` of this checkout.
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["SWIFTPM2_BIN_DIR"] { return dir }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }

    /// Result of one CLI run.
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `swiftpm2 args...` with this home; returns its status and output.
    @discardableResult
    func cli(_ args: [String], cwd: String? = nil, environment: [String: String] = [:]) throws -> Run {
        try Self.run(bin + "/swiftpm2", args, cwd: cwd, environment: ["SWIFTPM2_HOME": home, "NO_COLOR": "1"].merging(environment) { $1 })
    }

    static func run(_ executable: String, _ args: [String], cwd: String? = nil, environment: [String: String] = [:]) throws -> Run {
        try ProgramRunner.run(executable, args, cwd: cwd, environment: environment)
    }

    /// Writes `text` to `name` in the home's `files/` folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let dir = home + "/files"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        // O_CLOEXEC: a program another test spawns at this moment must not inherit the
        // descriptor, or exec of this file fails with ETXTBSY while it is held open.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw POSIXError(.EIO) }
        return path
    }

    /// Polls the app list until `condition` holds or `timeout` passes; returns the last list.
    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ condition: ([AppInfo]) -> Bool) async throws -> [AppInfo] {
        let deadline = ContinuousClock.now + timeout
        var last: [AppInfo] = []
        while ContinuousClock.now < deadline {
            last = try await client.apps().apps
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what); last state: \(last.map { "\($0.name): \($0.instances.map { "\($0.state.rawValue) pid \($0.pid.map(String.init) ?? "-") restarts \($0.restarts)" })" })")
        throw TimeoutError()
    }

    struct TimeoutError: Error {}

    var daemonPID: pid_t? {
        (try? String(contentsOfFile: home + "/daemon.pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Stops the daemon and its apps: `swiftpm2 kill`, then SIGKILL of the daemon if it is still there.
    func shutdown() {
        // A test that killed the daemon leaves its apps running: a new daemon takes them back
        // (`ping`), so that `kill` stops them too, and the fd keeper.
        if FileManager.default.fileExists(atPath: home + "/state.json") { _ = try? cli(["ping"]) }
        let pid = daemonPID
        _ = try? cli(["kill"])
        if let pid, kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: home)
    }
}

/// Runs `body` with a fresh daemon home; the daemon (started on demand by the CLI) is always stopped.
func withTestDaemon(_ body: (TestDaemon) async throws -> Void) async throws {
    var template = Array("/tmp/spm2-e2e-XXXXXX".utf8CString)
    guard let dir = mkdtemp(&template) else { throw POSIXError(.EIO) }
    let daemon = TestDaemon(home: String(cString: dir), bin: TestDaemon.binDirectory)
    guard FileManager.default.isExecutableFile(atPath: daemon.bin + "/swiftpm2d") else {
        Issue.record("no binaries in \(daemon.bin): run `swift build` (make test does) before the tests")
        return
    }
    defer { daemon.shutdown() }
    try await body(daemon)
}

/// A free TCP port on 127.0.0.1 (bound and released by the kernel's choice).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// True while a process with this pid runs. A zombie does not count: a daemon started by the
/// CLI is re-parented to pid 1, which may not reap it here.
func processExists(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 || errno == EPERM else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].hasPrefix(" Z")
}

/// One HTTP GET to 127.0.0.1:port; the body, or nil when the connection fails.
func httpGet(port: Int, path: String = "/") -> String? {
    let r = try? TestDaemon.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)\(path)"])
    guard let r, r.status == 0 else { return nil }
    return r.stdout
}
