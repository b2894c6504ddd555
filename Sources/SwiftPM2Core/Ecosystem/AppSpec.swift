/// One app, validated and resolved: what the daemon needs to run it.
///
/// Produced from an ecosystem document by ``EcosystemValidator``; every path is absolute,
/// every duration is in milliseconds, and the selected `env_<name>` is already merged into
/// ``env``. It is `Codable` so it travels over the control API and into `dump.json` as is.
public struct AppSpec: Codable, Sendable, Equatable {
    public var name: String
    /// Absolute path of the executable (or of the script its ``interpreter`` runs).
    public var script: String
    public var args: [String]
    /// Absolute path of an interpreter that runs ``script``, or `nil` to exec it directly.
    public var interpreter: String?
    public var interpreterArgs: [String]
    /// Absolute working directory.
    public var cwd: String
    public var instances: InstanceCount
    public var execMode: ExecMode
    public var namespace: String
    /// Environment added to the daemon's own: `env` merged with `env_<name>`.
    public var env: [String: String]
    public var autorestart: Bool
    public var maxRestarts: Int
    public var minUptimeMs: Int
    public var restartDelayMs: Int
    /// Base of the exponential backoff, or `nil` for a fixed ``restartDelayMs``.
    public var expBackoffRestartDelayMs: Int?
    /// A crash within this long of the previous one counts toward ``maxRestarts`` even when the
    /// run outlasted ``minUptimeMs`` (the rule that catches crash loops that start late).
    public var crashWindowMs: Int
    public var killTimeoutMs: Int
    /// Signal number sent first on stop (default SIGINT, as PM2).
    public var killSignal: Int32
    /// Exit codes after which the instance is not restarted.
    public var stopExitCodes: [Int32]
    public var waitReady: Bool
    public var listenTimeoutMs: Int
    /// `WATCHDOG_USEC` given to the app: without a `WATCHDOG=1` for this long, the instance is
    /// taken for hung and recycled. nil: off, unless the app asks with `WATCHDOG_USEC=`.
    public var watchdogMs: Int?
    /// Absolute log paths, or `nil` for the daemon's default under `logs/`.
    public var outFile: String?
    public var errorFile: String?
    /// One log file pair for all instances instead of one per instance.
    public var mergeLogs: Bool
    /// A moment.js-style format (`YYYY-MM-DD HH:mm:ss Z`) prefixed to every log line.
    public var logDateFormat: String?
    /// Where output goes: nil (the log files) or the journal (`log_type: "journal"`).
    public var logType: LogType?
    /// Name of the variable that carries the instance number (default `SWIFTPM2_INSTANCE`).
    public var instanceVar: String
    /// Bytes; enforced by the sampler (monitoring issue).
    public var maxMemoryRestart: UInt64?
    public var cronRestart: String?
    /// Paths to watch, empty when `watch` is off.
    public var watch: [String]
    public var ignoreWatch: [String]
    /// `watch_delay`: quiet time after a change before the restart (nil: 1000 ms).
    public var watchDelayMs: Int?
    /// `ipc` (ours): the instances get a message channel to the daemon (docs/messages.md).
    public var ipc: Bool?
    /// `ipc_ping`: how often the daemon pings them over it (nil: 30 s; 0: never).
    public var ipcPingMs: Int?
    /// `max_memory_samples` (ours): consecutive samples over `max_memory_restart` before the
    /// instance is recycled (nil: 1).
    public var maxMemorySamples: Int?
    /// Addresses the daemon binds for cluster mode (`tcp://host:port`, `unix:/path`).
    public var listen: [String]
    /// How cluster instances share `listen`.
    public var balance: Balance
    /// `health` (ours): checks from outside (HTTP, TCP or a command) that recycle an instance
    /// after `failures` in a row and, with `wait_ready`, decide when it is ready. nil: none.
    public var health: HealthCheck?

    public init(name: String, script: String, cwd: String) {
        self.name = name
        self.script = script
        self.args = []
        self.interpreter = nil
        self.interpreterArgs = []
        self.cwd = cwd
        self.instances = .count(1)
        self.execMode = .fork
        self.namespace = "default"
        self.env = [:]
        self.autorestart = true
        self.maxRestarts = AppSpec.defaultMaxRestarts
        self.minUptimeMs = 1000
        self.restartDelayMs = 0
        self.expBackoffRestartDelayMs = nil
        self.crashWindowMs = 60_000
        self.killTimeoutMs = 1600
        self.killSignal = 2
        self.stopExitCodes = []
        self.waitReady = false
        self.listenTimeoutMs = 3000
        self.watchdogMs = nil
        self.outFile = nil
        self.errorFile = nil
        self.mergeLogs = false
        self.logDateFormat = nil
        self.logType = nil
        self.instanceVar = "SWIFTPM2_INSTANCE"
        self.maxMemoryRestart = nil
        self.cronRestart = nil
        self.watch = []
        self.ignoreWatch = []
        self.listen = []
        self.balance = .roundRobin
    }

    public static let defaultMaxRestarts = 16
}

/// How many instances to run: a number, all cores, or all cores but some.
///
/// Encoded as in an ecosystem file: a positive number, `"max"`, or a negative number.
public enum InstanceCount: Codable, Sendable, Equatable {
    case count(Int)
    /// `"max"` (or `0`, `-0`): one per core.
    case max
    /// A negative number in the file: cores minus this many (at least one).
    case allBut(Int)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = n > 0 ? .count(n) : n == 0 ? .max : .allBut(-n)
        } else if try container.decode(String.self) == "max" {
            self = .max
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a number or \"max\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .count(let n): try container.encode(n)
        case .max: try container.encode("max")
        case .allBut(let n): try container.encode(-n)
        }
    }

    /// The number of instances on a machine with `cores` cores; never below one.
    public func resolve(cores: Int) -> Int {
        switch self {
        case .count(let n): return Swift.max(1, n)
        case .max: return Swift.max(1, cores)
        case .allBut(let n): return Swift.max(1, cores - n)
        }
    }
}

/// How the instances of a cluster app share its `listen` addresses.
/// `log_type`: where an app's output goes.
public enum LogType: String, Codable, Sendable, Equatable {
    /// The out and error log files (the default).
    case file
    /// The systemd journal, one entry per line, with the app, instance and pid as fields.
    case journal
}

public enum Balance: String, Codable, Sendable, Equatable {
    /// One SO_REUSEPORT socket per address per instance slot, and new connections dealt to
    /// the ready instances in turn by a BPF program the daemon attaches (the default for
    /// tcp:// addresses). Where the daemon may not load BPF, `shared` is used instead.
    case roundRobin = "roundrobin"
    /// One socket per address, inherited by every instance; the kernel queues connections
    /// for whichever instance accepts next.
    case shared
    /// One SO_REUSEPORT socket per address per instance slot, kept by the daemon across the
    /// slot's restarts and reloads; the kernel spreads connections by hash.
    case reuseport

    /// True when each instance slot has sockets of its own (SO_REUSEPORT).
    public var perSlotSockets: Bool { self != .shared }
}

public enum ExecMode: String, Codable, Sendable, Equatable {
    case fork
    case cluster
}
