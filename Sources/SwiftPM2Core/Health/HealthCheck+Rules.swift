/// The rules of `health` that involve other keys of the app, for the validator's second pass.
extension HealthCheck {
    static let portHint = "set `health.port`: instance i then serves its health endpoint on health.port + i, told in SWIFTPM2_HEALTH_PORT"

    /// What is wrong with this check for an app with `instances` in `execMode` whose own port
    /// (``appTarget(of:)``) is `appPort`; empty when nothing is.
    ///
    /// - `http`/`tcp` without `health.port` check the app's port, which only works when one
    ///   process owns it: exactly one instance, and for `tcp` not in cluster mode (the daemon
    ///   holds that socket, so a connect always succeeds whatever the app does).
    /// - With `health.port`, `port + instances - 1` must not pass 65535, and the range must not
    ///   hold the app's own port. (`"max"` and negative counts are checked as one instance:
    ///   the core count is not known here; the daemon refuses a port past 65535 at start.)
    func problems(instances: InstanceCount, execMode: ExecMode, appPort: Int?) -> [ValueProblem] {
        let what = summary
        guard let base = port else {
            guard needsPort else { return [] }
            guard let appPort else {
                return [ValueProblem("a `\(kindKey)` check needs a port, and the app has none (no `port`, tcp:// `listen` address or PORT in `env`)", hint: HealthCheck.portHint)]
            }
            if instances != .count(1) {
                return [ValueProblem("without `health.port`, \(what) would go to the app's port \(appPort), which all its instances share, so a check could not reach one instance", hint: HealthCheck.portHint)]
            }
            if execMode == .cluster, kind == .tcp {
                return [ValueProblem("a `tcp` check on the app's port \(appPort) always passes in cluster mode: the daemon holds that socket and the kernel accepts for it", hint: "set `health.port`, or use an `http` check")]
            }
            return []
        }
        let count = instances.resolve(cores: 1)
        var found: [ValueProblem] = []
        if base + count - 1 > 65535 {
            found.append(ValueProblem("`health.port` \(base) with \(count) instances runs past port 65535 (\(base)...\(base + count - 1))",
                                      hint: "choose a lower `health.port`"))
        }
        if let appPort, (base..<base + count).contains(appPort) {
            let range = count == 1 ? "\(base)" : "\(base)...\(base + count - 1)"
            found.append(ValueProblem("the health port\(count == 1 ? "" : "s") \(range) include\(count == 1 ? "s" : "") the app's own port \(appPort)",
                                      hint: "choose a `health.port` range apart from the app's port; each instance binds its own health port"))
        }
        return found
    }

    /// What is accepted but works less well than it may look, each with the sub-key it is
    /// about (so that the validator counts repeats per sub-key, across apps).
    func warnings(waitReady: Bool, execMode: ExecMode) -> [(key: String, text: String)] {
        var found: [(key: String, text: String)] = []
        if waitReady, startPeriodMs != nil {
            found.append(("start_period", "has no effect with `wait_ready`: the instance is launching until its first passing check, for at most `listen_timeout`"))
        }
        if execMode == .cluster, port == nil, needsPort {
            found.append(("port", "not set: in cluster mode a reload replacement shares the app's socket with the process it replaces, so checks during the overlap may reach either; set `health.port` to check each process on its own port"))
        }
        return found
    }

    /// The check with a `command`'s executable made absolute: a path with a `/` against `cwd`,
    /// a bare name from `$PATH`; it must be executable. Other checks are returned as they are.
    func resolvingCommand(cwd: String, probe: any ExecutableProbe) throws(ValueProblem) -> HealthCheck {
        guard case .command(var argv) = kind, let first = argv.first else { return self }
        var absolute: String
        if first.contains("/") {
            absolute = PathResolution.resolve(first, against: cwd)
        } else if let found = probe.which(first) {
            absolute = PathResolution.normalize(found)
        } else {
            throw ValueProblem("health command `\(first)` not found in $PATH", hint: "install it, or give its absolute path")
        }
        if let problem = probe.checkExecutable(absolute) {
            let hint = problem.contains("ENOENT") && !first.hasPrefix("/") ? "relative paths start from cwd (\(cwd))" : nil
            throw ValueProblem("cannot run health command \(absolute): \(problem)", hint: hint)
        }
        argv[0] = absolute
        var resolved = self
        resolved.kind = .command(argv)
        return resolved
    }

    /// The ecosystem sub-key of the kind: `http`, `tcp` or `command`.
    var kindKey: String {
        switch kind {
        case .http: return "http"
        case .tcp: return "tcp"
        case .command: return "command"
        }
    }
}
