/// The second pass of ``AppValidator``: everything that depends on several keys or on the
/// file system (through the injected ``ExecutableProbe``).
extension AppValidator {
    mutating func resolve() {
        let cwdOK = resolveCwd()
        let interpreterOK = resolveInterpreter(cwdOK: cwdOK)
        resolveScript(cwdOK: cwdOK, interpreterOK: interpreterOK)
        resolveName()
        for key in ["out_file", "error_file"] {
            guard let file = raw[key] else { continue }
            let absolute = PathResolution.resolve(file.value, against: baseDirectory)
            if key == "out_file" { spec.outFile = absolute } else { spec.errorFile = absolute }
        }
        if let watch {
            switch watch.value {
            case .bool(let on): spec.watch = on ? [spec.cwd] : []
            default: spec.watch = ((try? ValueFormats.strings(watch.value)) ?? []).map { PathResolution.resolve($0, against: spec.cwd) }
            }
        }
        if let port {
            let address = "tcp://0.0.0.0:\(port.value)"
            if !spec.listen.contains(address) { spec.listen.append(address) }
        }
        resolveBalance()
        spec.env = env.merging(selectedEnv ?? [:]) { _, selected in selected }
        if let health { resolveHealth(health, cwdOK: cwdOK) }
    }

    /// `health`: a `command` made absolute (like `script`), and the rules that involve other
    /// keys (instances, exec_mode, the app's port, wait_ready). Needs `env` and `listen` resolved.
    private mutating func resolveHealth(_ health: (value: HealthCheck, order: Int), cwdOK: Bool) {
        let at = JSONPath.key(path, "health")
        var check = health.value
        if cwdOK {
            do throws(ValueProblem) {
                check = try check.resolvingCommand(cwd: spec.cwd, probe: probe)
            } catch {
                fail(JSONPath.key(at, "command"), order: health.order, error)
            }
        }
        for problem in check.problems(instances: spec.instances, execMode: spec.execMode, appPort: HealthCheck.appTarget(of: spec)?.port) {
            fail(at, order: health.order, problem)
        }
        for warning in check.warnings(waitReady: spec.waitReady, execMode: spec.execMode) {
            let place = JSONPath.key(at, warning.key)
            outcome.warnings.append((key: "health." + warning.key, path: place, text: "\(place): \(warning.text)"))
        }
        spec.health = check
    }

    /// `balance`: round-robin by default, `shared` by default when an address is a Unix socket
    /// (which cannot be bound once per instance); an explicit per-instance mode with a Unix
    /// address is an error.
    private mutating func resolveBalance() {
        let unix = spec.listen.first { $0.hasPrefix("unix:") }
        guard let given = balance else {
            spec.balance = unix == nil ? .roundRobin : .shared
            return
        }
        spec.balance = given.value
        if given.value != .shared, let unix {
            fail(JSONPath.key(path, "balance"), order: given.order, ValueProblem(
                "balance \"\(given.value.rawValue)\" needs tcp:// addresses; `\(unix)` is a Unix socket",
                hint: "use balance \"shared\" for Unix sockets"))
        }
    }

    /// `cwd` against the ecosystem file's folder; it must be a folder.
    private mutating func resolveCwd() -> Bool {
        guard let cwd = raw["cwd"] else {
            spec.cwd = PathResolution.normalize(baseDirectory)
            return true
        }
        spec.cwd = PathResolution.resolve(cwd.value, against: baseDirectory)
        if let problem = probe.checkDirectory(spec.cwd) {
            fail(JSONPath.key(path, "cwd"), order: cwd.order, ValueProblem("cwd \(spec.cwd): \(problem)"))
            return false
        }
        return true
    }

    /// `interpreter`: a path (against cwd) or a bare command found on `$PATH`; executable.
    private mutating func resolveInterpreter(cwdOK: Bool) -> Bool {
        guard !interpreterIsNone, let interpreter = raw["interpreter"] else { return true }
        let at = JSONPath.key(path, "interpreter")
        var absolute: String
        if interpreter.value.contains("/") {
            guard cwdOK || interpreter.value.hasPrefix("/") else { return false }
            absolute = PathResolution.resolve(interpreter.value, against: spec.cwd)
        } else if let found = probe.which(interpreter.value) {
            absolute = found
        } else {
            fail(at, order: interpreter.order, ValueProblem("interpreter `\(interpreter.value)` not found in $PATH", hint: "install it, or give its absolute path"))
            return false
        }
        absolute = PathResolution.normalize(absolute)
        if let problem = probe.checkExecutable(absolute) {
            fail(at, order: interpreter.order, ValueProblem("cannot run interpreter \(absolute): \(problem)"))
            return false
        }
        spec.interpreter = absolute
        return true
    }

    /// `script`: absolute; with a `/` against cwd; bare: in cwd if there, else on `$PATH`.
    /// Then executable (no interpreter) or readable (with one).
    private mutating func resolveScript(cwdOK: Bool, interpreterOK: Bool) {
        guard let script = raw["script"] else {
            if !seenKeys.keys.contains("script") {
                fail(path, order: -1, ValueProblem("missing required key `script`", hint: "the program to run, e.g. \"script\": \"./server\""))
            }
            return
        }
        let at = JSONPath.key(path, "script")
        guard cwdOK || script.value.hasPrefix("/") else { return }
        var absolute: String
        if script.value.hasPrefix("/") || script.value.contains("/") {
            absolute = PathResolution.resolve(script.value, against: spec.cwd)
        } else {
            let local = PathResolution.resolve(script.value, against: spec.cwd)
            if probe.checkReadable(local) == nil || probe.checkExecutable(local) == nil || probe.checkDirectory(local) == nil {
                absolute = local
            } else if spec.interpreter == nil, let found = probe.which(script.value) {
                absolute = PathResolution.normalize(found)
            } else {
                let where_ = spec.interpreter == nil ? "in cwd (\(spec.cwd)) nor in $PATH" : "in cwd (\(spec.cwd))"
                fail(at, order: script.order, ValueProblem("cannot find `\(script.value)` \(where_)", hint: "give a path like ./\(script.value)"))
                return
            }
        }
        spec.script = absolute
        guard interpreterOK else { return }
        if spec.interpreter == nil {
            if let problem = probe.checkExecutable(absolute) {
                var hint: String?
                if problem.contains("EACCES") {
                    let example = AppValidator.interpreterSuggestion(for: absolute).map { " (e.g. \"interpreter\": \"\($0)\")" } ?? ""
                    hint = "chmod +x \(absolute), or set `interpreter`\(example)"
                } else if problem.contains("ENOENT"), !script.value.hasPrefix("/") {
                    hint = "relative paths start from cwd (\(spec.cwd))"
                }
                fail(at, order: script.order, ValueProblem("cannot run \(absolute): \(problem)", hint: hint))
            }
        } else if let problem = probe.checkReadable(absolute) {
            let hint = problem.contains("ENOENT") && !script.value.hasPrefix("/") ? "relative paths start from cwd (\(spec.cwd))" : nil
            fail(at, order: script.order, ValueProblem("cannot read \(absolute): \(problem)", hint: hint))
        }
    }

    /// `name`, or the script's file name without extension.
    private mutating func resolveName() {
        if let name = raw["name"] {
            outcome.namePath = JSONPath.key(path, "name")
            outcome.nameOrder = name.order
            if let problem = AppValidator.nameProblem(name.value) {
                fail(outcome.namePath, order: name.order, ValueProblem("app name \"\(name.value)\" \(problem)"))
            }
            outcome.name = name.value
            spec.name = name.value
        } else if let script = raw["script"] {
            let derived = PathResolution.stem(script.value)
            outcome.namePath = JSONPath.key(path, "script")
            outcome.nameOrder = script.order
            if let problem = AppValidator.nameProblem(derived) {
                fail(outcome.namePath, order: script.order, ValueProblem("the app name taken from the script, \"\(derived)\", \(problem)", hint: "set `name`"))
            }
            outcome.name = derived
            spec.name = derived
        } else if seenKeys["name"] != nil {
            outcome.namePath = JSONPath.key(path, "name")
        }
    }
}
