/// Reading `health` from an ecosystem file:
///
/// ```json
/// "health": {"http": "/healthz", "status": 200, "port": 9100, "interval": "5s", "timeout": "1s", "failures": 3}
/// "health": {"tcp": true, "port": 9100}
/// "health": {"command": ["/usr/local/bin/check", "--flag"], "start_period": "30s"}
/// ```
extension HealthCheck {
    /// Every sub-key `health` may hold, in the order the docs list them.
    static let ecosystemKeys = ["http", "status", "tcp", "command", "port", "interval", "timeout", "failures", "start_period"]

    /// Spellings from other tools (Docker, Kubernetes, PM2 modules) and the sub-key meant.
    static let foreignKeys = [
        "path": "http", "url": "http", "get": "http", "httpGet": "http", "expected_status": "status", "status_code": "status",
        "code": "status", "exec": "command", "cmd": "command", "test": "command", "retries": "failures",
        "failure_threshold": "failures", "failureThreshold": "failures", "period": "interval",
        "initial_delay": "start_period", "initialDelaySeconds": "start_period", "grace": "start_period",
    ]

    static let shapeHint = "e.g. {\"http\": \"/healthz\", \"port\": 9100}, {\"tcp\": true, \"port\": 9100} or {\"command\": [\"/usr/local/bin/check\"]}"

    /// Reads `health` (for `AppValidator.take`): a problem names the sub-key it is about.
    static func ecosystemValue(_ value: EcosystemValue) throws(ValueProblem) -> HealthCheck {
        do throws(HealthKeyProblem) {
            return try parse(value)
        } catch {
            throw error.flattened
        }
    }

    /// Reads `health`; a problem carries its sub-key, so that the validator can report it at
    /// `health.<key>`. Stops at the first problem, sub-keys in document order.
    static func parse(_ value: EcosystemValue) throws(HealthKeyProblem) -> HealthCheck {
        guard case .object(let pairs) = value else {
            throw HealthKeyProblem(nil, .expected("an object with one of `http`, `tcp` or `command`", got: value, hint: shapeHint))
        }
        for pair in pairs where !ecosystemKeys.contains(pair.key) {
            let hint = foreignKeys[pair.key].map { "did you mean `\($0)`?" }
                ?? KeySuggestion.hint(for: pair.key, in: ecosystemKeys)
                ?? "`health` keys are " + ecosystemKeys.joined(separator: ", ")
            throw HealthKeyProblem(pair.key, atKey: true, ValueProblem("unknown `health` key `\(pair.key)`", hint: hint))
        }
        var kinds: [(key: String, kind: Kind)] = []
        var status: Int?
        var check = HealthCheck(kind: .tcp)
        for (key, v) in pairs {
            do throws(ValueProblem) {
                switch key {
                case "http": kinds.append((key, .http(path: try httpPath(v), expectedStatus: defaultStatus)))
                case "status": status = try ValueFormats.integer(v, in: 100...599, what: "an HTTP status 100...599")
                case "tcp":
                    guard try ValueFormats.bool(v) else {
                        throw ValueProblem("`tcp: false` checks nothing", hint: "write \"tcp\": true, or use `http` or `command`")
                    }
                    kinds.append((key, .tcp))
                case "command": kinds.append((key, .command(try command(v))))
                case "port": check.port = try ValueFormats.integer(v, in: 1...65535, what: "a port 1...65535")
                case "interval": check.intervalMs = try duration(v, atLeast: 100)
                case "timeout": check.timeoutMs = try duration(v, atLeast: 1)
                case "failures": check.failures = try ValueFormats.integer(v, in: 1...100, what: "a number of failures in a row 1...100")
                default: // "start_period"; unknown keys were refused above
                    let ms = try ValueFormats.duration(v)
                    check.startPeriodMs = ms > 0 ? ms : nil
                }
            } catch {
                throw HealthKeyProblem(key, error)
            }
        }
        guard let first = kinds.first else {
            throw HealthKeyProblem(nil, ValueProblem("`health` needs one of `http`, `tcp` or `command`", hint: shapeHint))
        }
        if kinds.count > 1 {
            throw HealthKeyProblem(kinds[1].key, atKey: true, ValueProblem(
                "`health` has both `\(first.key)` and `\(kinds[1].key)`; a check is one of them",
                hint: "keep one (a `command` can run several checks)"))
        }
        check.kind = first.kind
        if let status {
            guard case .http(let path, _) = first.kind else {
                throw HealthKeyProblem("status", atKey: true, ValueProblem("`status` applies to `http` checks only", hint: "remove it"))
            }
            check.kind = .http(path: path, expectedStatus: status)
        }
        return check
    }

    /// `http`: a path with an optional query, printable ASCII without spaces.
    private static func httpPath(_ value: EcosystemValue) throws(ValueProblem) -> String {
        let path = try ValueFormats.string(value)
        if path.hasPrefix("http://") || path.hasPrefix("https://") {
            throw ValueProblem("expected a path like \"/healthz\", got a URL",
                               hint: "give only the path: the check connects to \(host) on `health.port` (or the app's port)")
        }
        guard path.hasPrefix("/") else {
            throw .expected("a path starting with / (like \"/healthz\")", got: value)
        }
        guard path.utf8.allSatisfy({ (0x21...0x7E).contains($0) }), !path.contains("#") else {
            throw .expected("a path of printable ASCII without spaces or # (percent-encode the rest)", got: value)
        }
        return path
    }

    /// `command`: an array of strings, or one string split like `args`; the first word is the
    /// executable (no shell runs it).
    private static func command(_ value: EcosystemValue) throws(ValueProblem) -> [String] {
        let argv = try AppValidator.arguments(value)
        guard let executable = argv.first else {
            throw ValueProblem("the command is empty", hint: "e.g. [\"/usr/local/bin/check\", \"--quick\"]")
        }
        guard !executable.isEmpty else { throw ValueProblem("the command's executable is an empty string") }
        if argv.contains(where: { $0.utf8.contains(0) }) { throw ValueProblem("the command contains a NUL byte") }
        return argv
    }

    private static func duration(_ value: EcosystemValue, atLeast minimum: Int) throws(ValueProblem) -> Int {
        let ms = try ValueFormats.duration(value)
        guard ms >= minimum else {
            throw .expected("a duration of at least \(RestartPolicy.describe(.milliseconds(minimum)))", got: value)
        }
        return ms
    }
}
