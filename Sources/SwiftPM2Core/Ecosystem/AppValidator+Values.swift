/// Value readers of ``AppValidator`` that are specific to one key.
extension AppValidator {
    /// `args`/`interpreter_args`: an array (numbers and booleans become text), or one string
    /// split like a shell would.
    static func arguments(_ value: EcosystemValue) throws(ValueProblem) -> [String] {
        switch value {
        case .string(let text): return try ShellWords.split(text)
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .some(let text) = item.scalarText else {
                    throw .expected("an array of strings, or one string", got: value, hint: "element \(out.count) is \(item.shortDescription)")
                }
                out.append(text)
            }
            return out
        default: throw .expected("an array of strings, or one string", got: value)
        }
    }

    /// `fork`, `fork_mode`, `cluster`, `cluster_mode`.
    static func execMode(_ value: EcosystemValue) throws(ValueProblem) -> ExecMode {
        switch value {
        case .string("fork"), .string("fork_mode"): return .fork
        case .string("cluster"), .string("cluster_mode"): return .cluster
        default: throw .expected("\"fork\" or \"cluster\"", got: value, hint: "PM2's \"fork_mode\" and \"cluster_mode\" work too")
        }
    }

    /// `roundrobin`, `shared` or `reuseport`.
    static func balance(_ value: EcosystemValue) throws(ValueProblem) -> Balance {
        switch value {
        case .string(let s): if let b = Balance(rawValue: s) { return b }
        default: break
        }
        throw .expected("\"roundrobin\", \"shared\" or \"reuseport\"", got: value, hint: "see docs/cluster-mode.md for the trade-off")
    }

    /// One exit code or an array of them, each 0...255.
    static func exitCodes(_ value: EcosystemValue) throws(ValueProblem) -> [Int32] {
        let items: [EcosystemValue]
        if case .array(let array) = value { items = array } else { items = [value] }
        var out: [Int32] = []
        for item in items {
            guard let code = item.integerValue, (0...255).contains(code) else {
                throw .expected("an exit code 0...255 or an array of them", got: value == item ? value : item)
            }
            out.append(Int32(code))
        }
        return out
    }

    /// `watch`: a boolean, a path or an array of paths (checked here, resolved later).
    static func watchValue(_ value: EcosystemValue) throws(ValueProblem) -> EcosystemValue {
        if case .bool = value { return value }
        if case .string(let s) = value, s == "true" || s == "false" { return .bool(s == "true") }
        _ = try ValueFormats.strings(value)
        return value
    }

    /// Why `name` cannot name an app, or nil when it can.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.contains("/") { return "must not contain `/`" }
        if name.allSatisfy(\.isASCIIDigit) { return "must not be all digits (numbers select apps by id)" }
        if name == "all" { return "must not be `all` (it selects every app)" }
        if name.contains(where: { $0.isNewline }) || name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// An interpreter to suggest for a script that is not executable, by its extension.
    static func interpreterSuggestion(for script: String) -> String? {
        let ext = script.split(separator: "/").last.flatMap { $0.split(separator: ".").count > 1 ? $0.split(separator: ".").last : nil }
        switch ext.map(String.init) {
        case "js", "cjs", "mjs": return "node"
        case "py": return "python3"
        case "rb": return "ruby"
        case "php": return "php"
        case "sh": return "sh"
        case "pl": return "perl"
        default: return nil
        }
    }
}
