import SwiftPM2Core

/// Everything one scrape reports: the apps as the supervisor lists them, and the daemon's own
/// figures. A value, so that rendering (`MetricsText`) is a pure function of it.
struct MetricsSnapshot: Sendable, Equatable {
    /// Every app with its instances, in the supervisor's order.
    var apps: [AppInfo]
    /// The daemon process itself.
    var daemon: DaemonFigures

    init(apps: [AppInfo], daemon: DaemonFigures) {
        self.apps = apps
        self.daemon = daemon
    }
}
