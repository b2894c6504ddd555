/// Validates one app object of an ecosystem document and resolves it into an ``AppSpec``.
///
/// Works in two passes: the keys in document order (types and formats), then what depends
/// on several keys (cwd, script, interpreter, watch, listen, env). Every issue carries the
/// index of the key it is about, so the app's issues come out in document order.
struct AppValidator {
    /// What one app produced: a spec when it had no issues, and its name either way.
    struct Outcome {
        var spec: AppSpec?
        var name: String?
        /// Where the name came from (`apps[0].name`, or `apps[0].script` when derived).
        var namePath: String
        var nameOrder: Int
        var issues: [(order: Int, issue: EcosystemIssue)]
        var warnings: [(key: String, path: String, text: String)]
        var hasSelectedEnv: Bool
    }

    let source: String
    let baseDirectory: String
    let envName: String?
    let probe: any ExecutableProbe
    let positions: SourceMap
    /// The app's own path: `apps[0]`, `[0]`, or `""` for a document that is one app.
    let path: String

    var spec: AppSpec
    var outcome: Outcome
    /// Raw values of the keys that the second pass resolves, with their key index.
    var raw: [String: (value: String, order: Int)] = [:]
    var interpreterIsNone = false
    var watch: (value: EcosystemValue, order: Int)?
    var port: (value: Int, order: Int)?
    var balance: (value: Balance, order: Int)?
    var health: (value: HealthCheck, order: Int)?
    var env: [String: String] = [:]
    var selectedEnv: [String: String]?
    var seenKeys: [String: String] = [:]

    init(source: String, baseDirectory: String, envName: String?, probe: any ExecutableProbe, positions: SourceMap, path: String) {
        self.source = source
        self.baseDirectory = baseDirectory
        self.envName = envName
        self.probe = probe
        self.positions = positions
        self.path = path
        self.spec = AppSpec(name: "", script: "", cwd: baseDirectory)
        self.outcome = Outcome(spec: nil, name: nil, namePath: path, nameOrder: -1, issues: [], warnings: [], hasSelectedEnv: false)
    }

    /// Validates `value` (expected to be an app object).
    mutating func run(_ value: EcosystemValue) -> Outcome {
        guard case .object(let pairs) = value else {
            fail(path, order: -1, .expected("an app object (with at least `script`)", got: value))
            return outcome
        }
        for (order, pair) in pairs.enumerated() {
            readKey(pair.key, pair.value, order: order)
        }
        resolve()
        outcome.issues.sort { $0.order < $1.order }
        if outcome.issues.isEmpty { outcome.spec = spec }
        return outcome
    }

    // MARK: - First pass

    private mutating func readKey(_ key: String, _ value: EcosystemValue, order: Int) {
        let at = JSONPath.key(path, key)
        if EcosystemKeys.isEnvironmentKey(key) {
            let vars = environment(value, at: at, order: order)
            if let envName, key == "env_" + envName {
                selectedEnv = vars
                outcome.hasSelectedEnv = true
            }
            return
        }
        if let reason = EcosystemKeys.ignored[key] {
            outcome.warnings.append((key: key, path: at, text: "\(at): \(reason)"))
            return
        }
        if let problem = EcosystemKeys.refused[key] {
            fail(at, order: order, problem, atKey: true)
            return
        }
        guard let canonical = EcosystemKeys.canonical(key) else {
            var candidates = EcosystemKeys.suggestible
            if path.isEmpty { candidates.append("apps") }
            fail(at, order: order, ValueProblem("unknown key `\(key)`", hint: KeySuggestion.hint(for: key, in: candidates)), atKey: true)
            return
        }
        if let earlier = seenKeys[canonical] {
            fail(at, order: order, ValueProblem("`\(key)` repeats `\(earlier)` (PM2 spells it both ways)", hint: "keep one"), atKey: true)
            return
        }
        seenKeys[canonical] = key
        readValue(canonical, value, at: at, order: order)
    }

    private mutating func readValue(_ key: String, _ value: EcosystemValue, at: String, order: Int) {
        switch key {
        case "name", "script", "cwd", "interpreter", "out_file", "error_file":
            if let s = take(value, at, order, ValueFormats.string) {
                if key == "interpreter", s == "none" { interpreterIsNone = true } else { raw[key] = (s, order) }
            }
        case "args": spec.args = take(value, at, order, AppValidator.arguments) ?? []
        case "interpreter_args": spec.interpreterArgs = take(value, at, order, AppValidator.arguments) ?? []
        case "instances": spec.instances = take(value, at, order, ValueFormats.instances) ?? spec.instances
        case "exec_mode": spec.execMode = take(value, at, order, AppValidator.execMode) ?? spec.execMode
        case "balance":
            if let b = take(value, at, order, AppValidator.balance) { balance = (b, order) }
        case "namespace": spec.namespace = take(value, at, order, ValueFormats.string) ?? spec.namespace
        case "env": env = environment(value, at: at, order: order)
        case "autorestart": spec.autorestart = take(value, at, order, ValueFormats.bool) ?? spec.autorestart
        case "wait_ready": spec.waitReady = take(value, at, order, ValueFormats.bool) ?? spec.waitReady
        case "merge_logs": spec.mergeLogs = take(value, at, order, ValueFormats.bool) ?? spec.mergeLogs
        case "autostart":
            if take(value, at, order, ValueFormats.bool) == false {
                fail(at, order: order, ValueProblem("`autostart: false` is not supported: swiftpm2 starts every app it is given", hint: "remove the app from the file, or start the others with `--only`"))
            }
        case "max_restarts":
            spec.maxRestarts = take(value, at, order) { v throws(ValueProblem) in try ValueFormats.integer(v, in: 0...Int.max, what: "an integer ≥ 0") } ?? spec.maxRestarts
        case "min_uptime": spec.minUptimeMs = take(value, at, order, ValueFormats.duration) ?? spec.minUptimeMs
        case "restart_delay": spec.restartDelayMs = take(value, at, order, ValueFormats.duration) ?? spec.restartDelayMs
        case "exp_backoff_restart_delay":
            if let ms = take(value, at, order, ValueFormats.duration) { spec.expBackoffRestartDelayMs = ms == 0 ? nil : ms }
        case "crash_window": spec.crashWindowMs = take(value, at, order, ValueFormats.duration) ?? spec.crashWindowMs
        case "watchdog": spec.watchdogMs = take(value, at, order, ValueFormats.duration).flatMap { $0 > 0 ? $0 : nil }
        case "kill_timeout": spec.killTimeoutMs = take(value, at, order, ValueFormats.duration) ?? spec.killTimeoutMs
        case "listen_timeout": spec.listenTimeoutMs = take(value, at, order, ValueFormats.duration) ?? spec.listenTimeoutMs
        case "kill_signal": spec.killSignal = take(value, at, order, SignalNames.number) ?? spec.killSignal
        case "stop_exit_codes": spec.stopExitCodes = take(value, at, order, AppValidator.exitCodes) ?? []
        case "log_date_format": spec.logDateFormat = take(value, at, order, ValueFormats.string)
        case "log_type":
            switch value {
            case .string("journal"): spec.logType = .journal
            case .string("file"): spec.logType = nil
            case .string("json"): outcome.warnings.append((key: key, path: at, text: "\(at): \"json\" (PM2's JSON log lines) is not supported; output goes to the log files as text (use \"journal\" for structured logs)"))
            default: fail(at, order: order, .expected("\"file\" or \"journal\"", got: value, hint: "\"journal\" sends each line to the systemd journal"))
            }
        case "instance_var":
            spec.instanceVar = take(value, at, order) { v throws(ValueProblem) in
                let name = try ValueFormats.string(v)
                guard ValueFormats.isEnvironmentName(name) else {
                    throw .expected("an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", got: v)
                }
                return name
            } ?? spec.instanceVar
        case "max_memory_restart": spec.maxMemoryRestart = take(value, at, order, ValueFormats.memory)
        case "cron_restart": spec.cronRestart = take(value, at, order, CronSchedule.ecosystemValue)?.source
        case "watch_delay": spec.watchDelayMs = take(value, at, order, ValueFormats.duration)
        case "health":
            do throws(HealthKeyProblem) {
                health = (try HealthCheck.parse(value), order)
            } catch {
                fail(error.key.map { JSONPath.key(at, $0) } ?? at, order: order, error.problem, atKey: error.atKey)
            }
        case "ipc": spec.ipc = take(value, at, order, ValueFormats.bool).flatMap { $0 ? true : nil }
        case "ipc_ping": spec.ipcPingMs = take(value, at, order, ValueFormats.duration)
        case "max_memory_samples":
            spec.maxMemorySamples = take(value, at, order) { v throws(ValueProblem) in try ValueFormats.integer(v, in: 1...1000, what: "a number of samples 1...1000") }
        case "watch":
            if take(value, at, order, AppValidator.watchValue) != nil { watch = (value, order) }
        case "ignore_watch": spec.ignoreWatch = take(value, at, order, ValueFormats.strings) ?? []
        case "listen":
            let base = baseDirectory
            spec.listen = take(value, at, order) { v throws(ValueProblem) in
                var out: [String] = []
                for address in try ValueFormats.strings(v) { out.append(try ListenAddress.normalize(address, baseDirectory: base)) }
                return out
            } ?? []
        case "port":
            if let p = take(value, at, order, { v throws(ValueProblem) in try ValueFormats.integer(v, in: 1...65535, what: "a port 1...65535") }) {
                port = (p, order)
            }
        default:
            // Every key in EcosystemKeys.known has a case above.
            fail(at, order: order, ValueProblem("unknown key `\(key)`"), atKey: true)
        }
    }

    /// An `env`/`env_NAME` object: scalars become text; nested values are errors.
    private mutating func environment(_ value: EcosystemValue, at: String, order: Int) -> [String: String] {
        guard case .object(let pairs) = value else {
            fail(at, order: order, .expected("an object of environment variables", got: value))
            return [:]
        }
        var vars: [String: String] = [:]
        for pair in pairs {
            let varPath = JSONPath.key(at, pair.key)
            if pair.key.isEmpty || pair.key.contains("=") || pair.key.contains("\0") {
                fail(varPath, order: order, ValueProblem("`\(pair.key)` is not a valid environment variable name"), atKey: true)
            } else if let text = pair.value.scalarText, !text.contains("\0") {
                vars[pair.key] = text
            } else {
                let hint = pair.value == .null ? "write \"\" for an empty value" : nil
                fail(varPath, order: order, .expected("a string, number or boolean", got: pair.value, hint: hint))
            }
        }
        return vars
    }

    // MARK: - Issues

    /// Runs `parse` on `value`; on failure records the problem at `at` and returns nil.
    mutating func take<T>(_ value: EcosystemValue, _ at: String, _ order: Int, _ parse: (EcosystemValue) throws(ValueProblem) -> T) -> T? {
        do throws(ValueProblem) {
            return try parse(value)
        } catch {
            fail(at, order: order, error)
            return nil
        }
    }

    /// Records an issue at `at` (its key's position when `atKey`, else its value's).
    mutating func fail(_ at: String, order: Int, _ problem: ValueProblem, atKey: Bool = false) {
        let position = positions.position(of: at, atKey: atKey)
        outcome.issues.append((order, EcosystemIssue(
            source: source, line: position?.line, column: position?.column, path: at,
            message: problem.message, hint: problem.hint)))
    }
}
