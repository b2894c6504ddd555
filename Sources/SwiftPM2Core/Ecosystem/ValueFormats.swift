/// PM2's value spellings: durations, memory sizes, instance counts, booleans, integers.
///
/// Pure functions from an ``EcosystemValue`` to a Swift value or a ``ValueProblem``.
enum ValueFormats {
    static let durationWhat = "a duration (milliseconds, or a string like \"500ms\", \"10s\", \"2m\", \"1h\")"
    static let memoryWhat = "a memory size (bytes, or a string like \"512K\", \"200M\", \"1G\")"
    static let instancesWhat = "a number, \"max\" or a negative number"

    /// A duration in milliseconds: a number ≥ 0 (ms), or `"500ms"`, `"1.5s"`, `"2m"`, `"1h"`, `"1000"`.
    static func duration(_ value: EcosystemValue) throws(ValueProblem) -> Int {
        switch value {
        case .int, .double:
            guard let ms = number(value), ms >= 0, ms < 1e15 else {
                throw .expected("a duration ≥ 0", got: value)
            }
            return Int(ms.rounded())
        case .string(let text):
            let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
            let trimmed = text.trimmingSpaces.lowercased()
            for (suffix, scale) in units.sorted(by: { $0.0.count > $1.0.count }) where trimmed.hasSuffix(suffix) {
                if let n = decimal(String(trimmed.dropLast(suffix.count)).trimmingSpaces), n * scale < 1e15 {
                    return Int((n * scale).rounded())
                }
                throw .expected(durationWhat, got: value)
            }
            if let n = decimal(trimmed), n < 1e15 { return Int(n.rounded()) }
            throw .expected(durationWhat, got: value)
        default:
            throw .expected(durationWhat, got: value)
        }
    }

    /// Bytes: a number, or `"512K"`, `"200M"`, `"1.5G"`, `"200MB"` (binary multiples, as PM2).
    static func memory(_ value: EcosystemValue) throws(ValueProblem) -> UInt64 {
        var bytes: Double
        switch value {
        case .int, .double:
            guard let n = number(value) else { throw .expected(memoryWhat, got: value) }
            bytes = n
        case .string(let text):
            var body = Substring(text.trimmingSpaces.uppercased())
            if body.hasSuffix("B") { body = body.dropLast() }
            var scale: Double = 1
            if let last = body.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][last] {
                scale = pow1024(power)
                body = body.dropLast()
            }
            guard let n = decimal(String(body).trimmingSpaces) else { throw .expected(memoryWhat, got: value) }
            bytes = n * scale
        default:
            throw .expected(memoryWhat, got: value)
        }
        guard bytes > 0, bytes < 9e18 else { throw .expected("a memory size > 0", got: value) }
        return UInt64(bytes.rounded())
    }

    /// `instances`: n ≥ 1 → `.count(n)`; `0`, `"max"`, `"-0"` → `.max`; -n → `.allBut(n)`; digits as a string too.
    static func instances(_ value: EcosystemValue) throws(ValueProblem) -> InstanceCount {
        var n: Int
        switch value {
        case .string(let text):
            let t = text.trimmingSpaces.lowercased()
            if t == "max" || t == "-0" { return .max }
            guard let parsed = Int(t) else { throw .expected(instancesWhat, got: value) }
            n = parsed
        default:
            guard let parsed = value.integerValue else { throw .expected(instancesWhat, got: value) }
            if case .double(let d) = value, d == 0, d.sign == .minus { return .max }
            n = parsed
        }
        if n == 0 { return .max }
        return n > 0 ? .count(n) : .allBut(-n)
    }

    /// A boolean, or the strings `"true"`/`"false"` that PM2 files often hold.
    static func bool(_ value: EcosystemValue) throws(ValueProblem) -> Bool {
        switch value {
        case .bool(let b): return b
        case .string(let s) where s.lowercased() == "true": return true
        case .string(let s) where s.lowercased() == "false": return false
        default: throw .expected("true or false", got: value)
        }
    }

    /// A whole number in `range`; a string of digits is accepted.
    static func integer(_ value: EcosystemValue, in range: ClosedRange<Int>, what: String) throws(ValueProblem) -> Int {
        var n = value.integerValue
        if case .string(let s) = value { n = Int(s.trimmingSpaces) }
        guard let n, range.contains(n) else { throw .expected(what, got: value) }
        return n
    }

    /// A non-empty string.
    static func string(_ value: EcosystemValue) throws(ValueProblem) -> String {
        guard case .string(let s) = value else { throw .expected("a string", got: value) }
        guard !s.isEmpty else { throw ValueProblem("must not be empty") }
        return s
    }

    /// One string or an array of strings.
    static func strings(_ value: EcosystemValue) throws(ValueProblem) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw .expected("a string or an array of strings", got: value, hint: "element \(out.count) is \(item.shortDescription)") }
                out.append(s)
            }
            return out
        default: throw .expected("a string or an array of strings", got: value)
        }
    }

    /// `NAME` for environment variables: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isEnvironmentName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private static func number(_ value: EcosystemValue) -> Double? {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d.isFinite ? d : nil
        default: return nil
        }
    }

    /// `12`, `1.5`, `.5`: digits with at most one point, nothing else.
    private static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.contains(where: \.isASCIIDigit),
              text.allSatisfy({ $0.isASCIIDigit || $0 == "." }), text.filter({ $0 == "." }).count <= 1 else { return nil }
        return Double(text.hasPrefix(".") ? "0" + text : text)
    }

    private static func pow1024(_ power: Int) -> Double {
        (0..<power).reduce(1.0) { acc, _ in acc * 1024 }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
