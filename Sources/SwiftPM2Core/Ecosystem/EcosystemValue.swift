/// A parsed ecosystem document: a JSON-like tree, with source positions where known.
///
/// Objects keep their keys in document order (so issues come out in the order a reader sees
/// them); positions live beside the tree in a ``SourceMap`` so that this type stays a plain
/// value that request bodies and files share.
public indirect enum EcosystemValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([EcosystemValue])
    /// Key-value pairs in document order; duplicate keys are rejected by the parsers.
    case object([(key: String, value: EcosystemValue)])

    /// Structural equality; objects compare pairwise in order.
    public static func == (lhs: EcosystemValue, rhs: EcosystemValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value {
                return false
            }
            return true
        default: return false
        }
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> EcosystemValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }
}

extension EcosystemValue {
    /// A short rendering for messages: `"lots"`, `12`, `true`, `null`, `an object`, `an array`.
    var shortDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return EcosystemValue.render(d)
        case .string(let s):
            let clipped = s.count > 40 ? String(s.prefix(37)) + "..." : s
            return String(decoding: EcosystemValue.string(clipped).jsonBytes(), as: UTF8.self)
        case .array(let a): return a.isEmpty ? "an empty array" : "an array"
        case .object(let o): return o.isEmpty ? "an empty object" : "an object"
        }
    }

    /// The text an environment variable gets for a scalar (`3`, `1.5`, `true`), or nil.
    var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return EcosystemValue.render(d)
        case .bool(let b): return b ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }

    /// A whole-number double as an `Int` (`4.0` → 4), as JavaScript would see it.
    var integerValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return Int(d)
        default: return nil
        }
    }

    /// A double as JavaScript prints it: whole numbers without `.0`.
    static func render(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int(d)) }
        return d.description
    }
}
