import Glibc
import FoundationEssentials
import SwiftPM2Core

/// What runs, written to `state.json` after every change, so that a daemon started after a
/// crash of the previous one takes the running instances back (same pids, restart counts and
/// logs) instead of starting them twice. Removed when the daemon stops its apps and exits.
struct DurableState: Codable {
    var version = 1
    var daemonPID: Int32
    var nextAppID: Int
    var apps: [App]

    struct App: Codable {
        var id: Int
        var spec: AppSpec
        var instances: [Instance]
        /// Per-slot sockets bound (`roundrobin`, `reuseport`); 0 for one shared set.
        var slots: Int
    }

    struct Instance: Codable {
        var index: Int
        var pid: Int32?
        var pgid: Int32?
        /// The process's start time (clock ticks since boot, /proc/PID/stat field 22): with the
        /// pid, it tells the same process from a later one that reused the pid.
        var processStart: UInt64?
        var startedAtWallMs: Int64?
        var restarts: Int
        var state: InstanceState
        var status: String?
        var message: String?
        var lastExit: ExitInfo?
    }
}

/// Names under which descriptors are kept in the `DescriptorStore`.
enum StoredName {
    static func shared(app: Int, address: Int) -> String { "pm2-a\(app)-s-\(address)" }
    static func slot(app: Int, slot: Int, address: Int) -> String { "pm2-a\(app)-\(slot)-\(address)" }
    static func logPipe(pid: pid_t, stream: String) -> String { "pm2-log-\(pid)-\(stream)" }
    static func ipc(pid: pid_t) -> String { "pm2-ipc-\(pid)" }
}

/// The environment process `pid` started with (`/proc/PID/environ`), empty when unreadable.
func processEnvironment(_ pid: pid_t) -> [String: String] {
    guard let text = readTextFile("/proc/\(pid)/environ", limit: 1 << 20) else { return [:] }
    var out: [String: String] = [:]
    for entry in text.split(separator: "\0") {
        guard let eq = entry.firstIndex(of: "=") else { continue }
        out[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
    }
    return out
}

/// The start time of process `pid` (clock ticks since boot), or nil when it does not run
/// (zombies included).
func processStartTime(_ pid: pid_t) -> UInt64? {
    guard let text = readTextFile("/proc/\(pid)/stat"),
          let stat = Array(text.utf8).withUnsafeBytes({ ProcStat.parse($0, pid: pid) }), !stat.isExited else { return nil }
    return stat.startTime
}
