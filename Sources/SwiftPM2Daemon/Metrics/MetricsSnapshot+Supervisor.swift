extension MetricsSnapshot {
    /// What a scrape reports now: `supervisor.list()` and this process's figures from
    /// `/proc/self`. Both the control socket's `GET /metrics` and `MetricsServer` use it.
    static func collect(from supervisor: Supervisor, version: String) async -> MetricsSnapshot {
        let apps = (try? await supervisor.list()) ?? []
        return MetricsSnapshot(apps: apps, daemon: .current(version: version))
    }
}
