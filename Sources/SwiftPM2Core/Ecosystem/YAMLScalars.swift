/// Types YAML scalars by the YAML 1.2 core schema (as js-yaml, which PM2 uses, does).
enum YAMLScalars {
    static let strTag = "tag:yaml.org,2002:str"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let nullTag = "tag:yaml.org,2002:null"

    /// The value of a scalar node: quoted → string; plain → null, bool, int, float or string;
    /// an explicit `!!str`/`!!int`/`!!float`/`!!bool`/`!!null` tag is obeyed.
    static func value(of scalar: YAMLScalar, source: String) throws(EcosystemError) -> EcosystemValue {
        let text = scalar.text
        func fail(_ what: String) -> EcosystemError {
            EcosystemError(EcosystemIssue(
                source: source, line: scalar.position.line, column: scalar.position.column, path: "",
                message: "`\(text)` is not \(what)"))
        }
        guard let tag = scalar.tag else { return plain(text) }
        switch tag {
        case strTag:
            return .string(text)
        case intTag:
            guard case .int(let i) = plain(text) else { throw fail("an integer") }
            return .int(i)
        case floatTag:
            switch plain(text) {
            case .int(let i): return .double(Double(i))
            case .double(let d): return .double(d)
            default: throw fail("a number")
            }
        case boolTag:
            guard case .bool(let b) = plain(text) else { throw fail("a boolean") }
            return .bool(b)
        case nullTag:
            guard case .null = plain(text) else { throw fail("null") }
            return .null
        default:
            throw EcosystemError(EcosystemIssue(
                source: source, line: scalar.position.line, column: scalar.position.column, path: "",
                message: "unsupported YAML tag `\(tag)`", hint: "remove the tag or quote the value"))
        }
    }

    /// The core-schema reading of a plain scalar.
    static func plain(_ text: String) -> EcosystemValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let int = integer(text) { return int }
        if let double = float(text) { return .double(double) }
        return .string(text)
    }

    /// `[-+]?[0-9]+`, `0x[0-9a-fA-F]+`, `0o[0-7]+` (underscores allowed between digits, as
    /// js-yaml allows); too large for `Int` → a double.
    private static func integer(_ text: String) -> EcosystemValue? {
        var body = Substring(text)
        var sign = ""
        if let first = body.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        var radix = 10
        if body.hasPrefix("0x") { radix = 16; body = body.dropFirst(2) }
        else if body.hasPrefix("0o") { radix = 8; body = body.dropFirst(2) }
        else if body.hasPrefix("0b") { radix = 2; body = body.dropFirst(2) }
        guard let first = body.first, first != "_", body.last != "_" else { return nil }
        let digits = body.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit && Int(String($0), radix: 16)! < radix }) else {
            return nil
        }
        if let int = Int(sign + digits, radix: radix) { return .int(int) }
        if radix == 10, let double = Double(sign + digits) { return .double(double) }
        return nil
    }

    /// `[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?`
    private static func float(_ text: String) -> Double? {
        let allowed = Set("0123456789+-.eE_")
        guard text.contains(where: \.isNumber), text.allSatisfy({ allowed.contains($0) }) else { return nil }
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard let first = body.first, first == "." || first.isNumber, !body.contains("__") else { return nil }
        let mantissaEnd = body.firstIndex { $0 == "e" || $0 == "E" } ?? body.endIndex
        let mantissa = body[..<mantissaEnd]
        guard mantissa.contains(where: \.isNumber), mantissa.filter({ $0 == "." }).count <= 1,
              !mantissa.contains("+"), !mantissa.contains("-") else { return nil }
        if mantissaEnd != body.endIndex {
            var exponent = body[body.index(after: mantissaEnd)...]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy(\.isNumber) else { return nil }
        }
        return Double(text.filter { $0 != "_" })
    }
}
