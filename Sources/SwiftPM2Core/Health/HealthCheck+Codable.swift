/// `HealthCheck` as it travels in the API and `dump.json`: the ecosystem file's shape with
/// durations in milliseconds, e.g.
/// `{"http": "/healthz", "status": 200, "port": 9100, "intervalMs": 5000, "timeoutMs": 2000, "failures": 3}`,
/// `{"tcp": true, ...}` or `{"command": ["/bin/check", "x"], ...}`.
extension HealthCheck: Codable {
    private enum CodingKeys: String, CodingKey {
        case http, status, tcp, command, port, intervalMs, timeoutMs, failures, startPeriodMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let http = try c.decodeIfPresent(String.self, forKey: .http)
        let tcp = try c.decodeIfPresent(Bool.self, forKey: .tcp) ?? false
        let command = try c.decodeIfPresent([String].self, forKey: .command)
        switch (http, tcp, command) {
        case (let path?, false, nil):
            kind = .http(path: path, expectedStatus: try c.decodeIfPresent(Int.self, forKey: .status) ?? HealthCheck.defaultStatus)
        case (nil, true, nil):
            kind = .tcp
        case (nil, false, let argv?) where !argv.isEmpty:
            kind = .command(argv)
        default:
            throw DecodingError.dataCorruptedError(forKey: .http, in: c, debugDescription: "a health check has exactly one of http, tcp: true, or a non-empty command")
        }
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        intervalMs = try c.decodeIfPresent(Int.self, forKey: .intervalMs) ?? HealthCheck.defaultIntervalMs
        timeoutMs = try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? HealthCheck.defaultTimeoutMs
        failures = try c.decodeIfPresent(Int.self, forKey: .failures) ?? HealthCheck.defaultFailures
        startPeriodMs = try c.decodeIfPresent(Int.self, forKey: .startPeriodMs)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch kind {
        case .http(let path, let status):
            try c.encode(path, forKey: .http)
            try c.encode(status, forKey: .status)
        case .tcp:
            try c.encode(true, forKey: .tcp)
        case .command(let argv):
            try c.encode(argv, forKey: .command)
        }
        try c.encodeIfPresent(port, forKey: .port)
        try c.encode(intervalMs, forKey: .intervalMs)
        try c.encode(timeoutMs, forKey: .timeoutMs)
        try c.encode(failures, forKey: .failures)
        try c.encodeIfPresent(startPeriodMs, forKey: .startPeriodMs)
    }
}
