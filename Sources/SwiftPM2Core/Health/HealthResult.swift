/// The outcome of one health check of one process.
public struct HealthResult: Codable, Sendable, Equatable {
    public var ok: Bool
    /// One phrase for messages: `GET /healthz answered 500`, `TCP connect to 127.0.0.1:9100:
    /// connection refused (ECONNREFUSED)`, `command /bin/check exited 1: db unreachable`.
    public var detail: String
    /// How long the check took.
    public var durationMs: Int

    public init(ok: Bool, detail: String, durationMs: Int) {
        self.ok = ok
        self.detail = detail
        self.durationMs = durationMs
    }
}
