/// What `swiftpm2 save` writes to `dump.json`: every app's settings, in order, with its
/// instance count at the time and whether it ran. `resurrect` starts those that ran.
public struct SavedApps: Codable, Sendable, Equatable {
    public var version: Int
    public var savedAtMs: Int64
    public var apps: [SavedApp]

    public init(savedAtMs: Int64, apps: [SavedApp]) {
        self.version = 1
        self.savedAtMs = savedAtMs
        self.apps = apps
    }
}

public struct SavedApp: Codable, Sendable, Equatable {
    /// The settings, `instances` being the count when saved.
    public var spec: AppSpec
    /// False for an app that was stopped when saved: `resurrect` leaves it out.
    public var running: Bool

    public init(spec: AppSpec, running: Bool) {
        self.spec = spec
        self.running = running
    }
}

/// The answer to `POST /v1/save`.
public struct SaveResult: Codable, Sendable, Equatable {
    /// Where the apps were written (`$SWIFTPM2_HOME/dump.json`).
    public var path: String
    public var apps: [String]
    /// The previous dump, kept (`dump.json.bak`), or nil when there was none.
    public var backup: String?

    public init(path: String, apps: [String], backup: String?) {
        self.path = path
        self.apps = apps
        self.backup = backup
    }
}
