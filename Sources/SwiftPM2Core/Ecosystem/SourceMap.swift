/// A 1-based line and column in a source text.
struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int

    var description: String { "\(line):\(column)" }
}

/// Where each node of a parsed document came from, keyed by JSON path.
///
/// A side table rather than positions inside ``EcosystemValue``, so that the public tree stays
/// a plain value; documents that arrive without text (API requests) have an empty map.
struct SourceMap: Sendable {
    /// Position of the value at a path (`apps[0].instances` → where `4` starts).
    var values: [String: SourcePosition] = [:]
    /// Position of the key that leads to a path (`apps[0].instances` → where `instances` starts).
    var keys: [String: SourcePosition] = [:]

    /// The key's position when asked for and known, else the value's.
    func position(of path: String, atKey: Bool) -> SourcePosition? {
        if atKey, let key = keys[path] { return key }
        return values[path]
    }
}

/// Builds the JSON paths that name nodes in issues: `apps[0].env.NODE_ENV`, `env["a-b"]`.
enum JSONPath {
    /// The path of member `key` of the object at `base`.
    static func key(_ base: String, _ key: String) -> String {
        if isIdentifier(key) { return base.isEmpty ? key : base + "." + key }
        return base + "[" + String(decoding: EcosystemValue.string(key).jsonBytes(), as: UTF8.self) + "]"
    }

    /// The path of element `index` of the array at `base`.
    static func index(_ base: String, _ index: Int) -> String {
        base + "[\(index)]"
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
    }
}
