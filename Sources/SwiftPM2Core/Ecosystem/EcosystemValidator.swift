/// Validates a whole ecosystem document: its shape, each app, and what spans apps.
///
/// Accepts PM2's `{ "apps": [...] }`, a bare array of apps, or one app object. Reports every
/// problem at once, in document order; warns (without failing) about keys PM2 knows that
/// mean nothing here.
struct EcosystemValidator {
    let source: String
    let baseDirectory: String
    let envName: String?
    let probe: any ExecutableProbe
    let positions: SourceMap

    private var issues: [EcosystemIssue] = []
    private var warnings: [(key: String, path: String, text: String)] = []

    init(source: String, baseDirectory: String, envName: String?, probe: any ExecutableProbe, positions: SourceMap) {
        self.source = source
        self.baseDirectory = PathResolution.normalize(baseDirectory.hasPrefix("/") ? baseDirectory : "/" + baseDirectory)
        self.envName = envName
        self.probe = probe
        self.positions = positions
    }

    mutating func validate(_ document: EcosystemValue) throws(EcosystemError) -> EcosystemLoadResult {
        var apps: [AppSpec] = []
        var anySelectedEnv = false
        var names: [String: String] = [:]

        func validateApps(_ list: [EcosystemValue], at listPath: String, validator: inout EcosystemValidator) {
            if list.isEmpty {
                validator.add(listPath, "no apps: the list is empty", hint: "add an app like {\"name\": \"api\", \"script\": \"./server\"}")
            }
            for (index, app) in list.enumerated() {
                validator.validateApp(app, at: JSONPath.index(listPath, index), apps: &apps, names: &names, anySelectedEnv: &anySelectedEnv)
            }
        }

        switch document {
        case .object(let pairs) where pairs.contains(where: { $0.key == "apps" }):
            for pair in pairs {
                let at = JSONPath.key("", pair.key)
                switch pair.key {
                case "apps":
                    if case .array(let list) = pair.value {
                        validateApps(list, at: at, validator: &self)
                    } else if case .object = pair.value {
                        validateApp(pair.value, at: at, apps: &apps, names: &names, anySelectedEnv: &anySelectedEnv)
                    } else {
                        add(at, ValueProblem.expected("an array of apps", got: pair.value).message)
                    }
                case "deploy":
                    warnings.append((key: "deploy", path: at, text: "deploy: ignored by swiftpm2 (no deploy support)"))
                default:
                    add(at, "unknown top-level key `\(pair.key)`", hint: KeySuggestion.hint(for: pair.key, in: ["apps", "deploy"]), atKey: true)
                }
            }
        case .object:
            validateApp(document, at: "", apps: &apps, names: &names, anySelectedEnv: &anySelectedEnv)
        case .array(let list):
            validateApps(list, at: "", validator: &self)
        default:
            add("", ValueProblem.expected("an object with `apps`, an app object or an array of apps", got: document).message)
        }

        if !issues.isEmpty { throw EcosystemError(issues: issues) }
        if let envName, !anySelectedEnv {
            warnings.append((key: "--env", path: "", text: "--env \(envName): no app has `env_\(envName)`; only `env` applies"))
        }
        return EcosystemLoadResult(apps: apps, warnings: EcosystemValidator.deduplicated(warnings))
    }

    private mutating func validateApp(
        _ value: EcosystemValue, at appPath: String, apps: inout [AppSpec], names: inout [String: String], anySelectedEnv: inout Bool
    ) {
        var validator = AppValidator(source: source, baseDirectory: baseDirectory, envName: envName, probe: probe, positions: positions, path: appPath)
        var outcome = validator.run(value)
        anySelectedEnv = anySelectedEnv || outcome.hasSelectedEnv
        warnings += outcome.warnings
        if let name = outcome.name, AppValidator.nameProblem(name) == nil {
            if let first = names[name] {
                validator.fail(outcome.namePath, order: outcome.nameOrder, ValueProblem(
                    "duplicate app name \"\(name)\" (also \(first))", hint: "app names must be unique; set `name`"))
                outcome.issues = validator.outcome.issues.sorted { $0.order < $1.order }
                outcome.spec = nil
            } else {
                names[name] = outcome.namePath
            }
        }
        issues += outcome.issues.map(\.issue)
        if let spec = outcome.spec { apps.append(spec) }
    }

    private mutating func add(_ path: String, _ message: String, hint: String? = nil, atKey: Bool = false) {
        let position = positions.position(of: path, atKey: atKey)
        issues.append(EcosystemIssue(source: source, line: position?.line, column: position?.column, path: path, message: message, hint: hint))
    }

    /// One line per key name: the first place it was seen, and how many more.
    static func deduplicated(_ warnings: [(key: String, path: String, text: String)]) -> [String] {
        var order: [String] = []
        var first: [String: String] = [:]
        var more: [String: Int] = [:]
        for warning in warnings {
            if first[warning.key] == nil {
                order.append(warning.key)
                first[warning.key] = warning.text
            } else {
                more[warning.key, default: 0] += 1
            }
        }
        return order.map { key in
            let count = more[key] ?? 0
            return first[key]! + (count > 0 ? " (and \(count) more)" : "")
        }
    }
}
