import Glibc

/// Configuration of the optional Prometheus endpoint (`MetricsServer`).
///
/// The daemon always answers `GET /metrics` on its control socket (`daemon.sock`), where no
/// token is needed: only its own user and root can connect there. For a Prometheus server, the
/// same text can also be served over HTTP on a loopback TCP port:
///
/// | variable | meaning |
/// | --- | --- |
/// | `SWIFTPM2_METRICS_ADDRESS` | `127.0.0.1:PORT` or `[::1]:PORT` (e.g. `127.0.0.1:9615`) enables the listener. Unset or empty: no listener. Any other host (`0.0.0.0`, `localhost`, a LAN address) is refused and the daemon does not start. |
/// | `SWIFTPM2_METRICS_TOKEN` | the bearer token scrapers must send: visible ASCII, no spaces, at least 16 characters. |
///
/// Without `SWIFTPM2_METRICS_TOKEN`, the token is read from `$SWIFTPM2_HOME/metrics.token`;
/// when that file does not exist, the daemon creates it (mode 0600) with 64 random hex
/// digits. Surrounding white space in the file is ignored.
///
/// Every request must carry `Authorization: Bearer TOKEN`; without it, or with another token,
/// the answer is `401` with `WWW-Authenticate: Bearer`. Only `GET /metrics` is served (`404`
/// for other paths, `405` for other methods). Each connection serves one request and closes;
/// a request may not have a body (`413`), its head is limited to 8 KiB (`431`) and must arrive
/// within 5 seconds of connecting. A Prometheus scrape configuration:
///
/// ```yaml
/// scrape_configs:
///   - job_name: swiftpm2
///     authorization:
///       credentials_file: /home/me/.swiftpm2/metrics.token
///     static_configs:
///       - targets: ["127.0.0.1:9615"]
/// ```
///
/// The variables are read when the daemon starts; like every variable the daemon sees, they
/// reach the apps it starts too (see docs/architecture.md on the daemon's environment).
struct MetricsSettings: Sendable {
    static let addressVariable = "SWIFTPM2_METRICS_ADDRESS"
    static let tokenVariable = "SWIFTPM2_METRICS_TOKEN"

    var address: MetricsAddress
    var token: MetricsToken
    /// Where the token came from, for the log: the variable's name or the file's path.
    var tokenSource: String

    /// `$SWIFTPM2_HOME/metrics.token`.
    static func tokenPath(home: String) -> String { home + "/metrics.token" }

    /// The settings from this process's environment, or nil when the listener is not enabled.
    /// Creates the token file when it needs one that does not exist, so `home` must exist.
    static func fromEnvironment(home: String) throws(DaemonError) -> MetricsSettings? {
        var environment: [String: String] = [:]
        for name in [addressVariable, tokenVariable] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return try from(environment: environment, home: home)
    }

    /// `fromEnvironment(home:)` with the variables given.
    static func from(environment: [String: String], home: String) throws(DaemonError) -> MetricsSettings? {
        guard let text = environment[addressVariable], !text.isEmpty else { return nil }
        let address = try MetricsAddress(parsing: text, setting: addressVariable)
        if let token = environment[tokenVariable], !token.isEmpty {
            return MetricsSettings(address: address, token: try MetricsToken(token, source: tokenVariable), tokenSource: tokenVariable)
        }
        let path = tokenPath(home: home)
        return MetricsSettings(address: address, token: try MetricsToken.loadOrCreate(path: path), tokenSource: path)
    }
}
