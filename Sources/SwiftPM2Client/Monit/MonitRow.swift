import SwiftPM2Core

/// One line of the table: an instance with its app.
public struct MonitRow: Sendable {
    public var app: AppInfo
    public var instance: InstanceInfo
    public var key: InstanceKey { InstanceKey(appId: app.id, index: instance.index) }
    /// `web[0]`.
    public var label: String { "\(app.name)[\(instance.index)]" }
}
