/// Request and response bodies of the control API, shared by the daemon and the client.

/// `GET /v1/ping`.
public struct PingResponse: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    public var uptimeMs: Int
    public var home: String

    public init(version: String, pid: Int32, uptimeMs: Int, home: String) {
        self.version = version
        self.pid = pid
        self.uptimeMs = uptimeMs
        self.home = home
    }
}

/// How an instance last ended.
public struct ExitInfo: Codable, Sendable, Equatable {
    /// The exit status when it exited, `nil` when a signal killed it.
    public var code: Int32?
    /// The signal that killed it, if one did.
    public var signal: Int32?
    /// Wall-clock time of the exit, milliseconds since the Unix epoch.
    public var atMs: Int64
    /// One line for people: "exited with code 3", "killed by SIGKILL", "exec failed: ...".
    public var reason: String

    public init(code: Int32?, signal: Int32?, atMs: Int64, reason: String) {
        self.code = code
        self.signal = signal
        self.atMs = atMs
        self.reason = reason
    }
}

/// One instance of an app.
public struct InstanceInfo: Codable, Sendable, Equatable {
    public var index: Int
    public var pid: Int32?
    public var state: InstanceState
    /// Restarts since the app was started (crashes and explicit restarts).
    public var restarts: Int
    /// Consecutive unstable crashes counted toward `max_restarts`.
    public var unstableRestarts: Int
    /// When the current process started, milliseconds since the Unix epoch.
    public var startedAtMs: Int64?
    public var uptimeMs: Int?
    public var cpuPercent: Double?
    public var memoryBytes: UInt64?
    public var lastExit: ExitInfo?
    /// Why the instance is errored or waiting, for people.
    public var message: String?
    public var outLog: String
    public var errLog: String
    /// The last `STATUS=` the instance sent over `NOTIFY_SOCKET`.
    public var status: String?
    /// Proportional set size of the whole process tree, when measured (less often than RSS).
    public var pssBytes: UInt64?
    /// Live processes in its tree (itself and its descendants).
    public var processes: Int?
    /// Its message channel (`ipc: true`).
    public var ipc: IPCInfo?

    public init(index: Int, pid: Int32?, state: InstanceState, restarts: Int, unstableRestarts: Int,
                startedAtMs: Int64?, uptimeMs: Int?, cpuPercent: Double?, memoryBytes: UInt64?,
                lastExit: ExitInfo?, message: String?, outLog: String, errLog: String, status: String? = nil,
                pssBytes: UInt64? = nil, processes: Int? = nil, ipc: IPCInfo? = nil) {
        self.ipc = ipc
        self.status = status
        self.pssBytes = pssBytes
        self.processes = processes
        self.index = index
        self.pid = pid
        self.state = state
        self.restarts = restarts
        self.unstableRestarts = unstableRestarts
        self.startedAtMs = startedAtMs
        self.uptimeMs = uptimeMs
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.lastExit = lastExit
        self.message = message
        self.outLog = outLog
        self.errLog = errLog
    }
}

/// One app with its instances.
public struct AppInfo: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String
    public var namespace: String
    public var mode: ExecMode
    public var spec: AppSpec
    public var instances: [InstanceInfo]

    public init(id: Int, name: String, namespace: String, mode: ExecMode, spec: AppSpec, instances: [InstanceInfo]) {
        self.id = id
        self.name = name
        self.namespace = namespace
        self.mode = mode
        self.spec = spec
        self.instances = instances
    }
}

/// `GET /v1/apps`, and the answer of every action: the apps concerned, as they are now.
extension AppInfo {
    /// What the API shows instead of an environment value (`spec.env`): values may be secrets.
    public static let hiddenValue = "(hidden)"
}

public struct AppList: Codable, Sendable, Equatable {
    public var apps: [AppInfo]
    /// Non-fatal remarks (keys accepted but without effect here, and the like).
    public var warnings: [String]

    public init(apps: [AppInfo], warnings: [String] = []) {
        self.apps = apps
        self.warnings = warnings
    }
}

/// One line of `GET /v1/events` (newline-delimited JSON).
public struct Event: Codable, Sendable, Equatable {
    public var atMs: Int64
    public var app: String
    public var appId: Int
    public var instance: Int?
    public var pid: Int32?
    /// `state`, `exit`, `start`, `delete`, ...
    public var kind: String
    public var state: InstanceState?
    public var message: String

    public init(atMs: Int64, app: String, appId: Int, instance: Int?, pid: Int32?, kind: String,
                state: InstanceState?, message: String) {
        self.atMs = atMs
        self.app = app
        self.appId = appId
        self.instance = instance
        self.pid = pid
        self.kind = kind
        self.state = state
        self.message = message
    }
}

/// One line of `GET /v1/apps/{sel}/logs` (newline-delimited JSON).
public struct LogLine: Codable, Sendable, Equatable {
    public var app: String
    public var instance: Int?
    /// `out` or `err`.
    public var stream: String
    public var line: String

    public init(app: String, instance: Int?, stream: String, line: String) {
        self.app = app
        self.instance = instance
        self.stream = stream
        self.line = line
    }
}

/// `POST /v1/apply`: what converging to an ecosystem document did, app by app.
public struct ApplyResult: Codable, Sendable, Equatable {
    public var started: [String] = []
    public var reloaded: [String] = []
    public var restarted: [String] = []
    public var scaled: [String] = []
    public var unchanged: [String] = []
    public var deleted: [String] = []
    /// The apps of the document as they are now.
    public var apps: [AppInfo] = []
    public var warnings: [String] = []

    public init() {}

    /// True when applying changed nothing.
    public var changedNothing: Bool {
        started.isEmpty && reloaded.isEmpty && restarted.isEmpty && scaled.isEmpty && deleted.isEmpty
    }
}
