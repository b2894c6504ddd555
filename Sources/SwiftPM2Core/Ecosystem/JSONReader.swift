/// A strict JSON parser (RFC 8259) that keeps the position of every node.
///
/// Hand-written because no library at hand reports positions for values, and because YAML's
/// leniency (trailing commas in flow collections, tabs, duplicate-key rules) must not leak
/// into `.json` files. Errors name the line and column where parsing stopped, in Unicode
/// scalars as libyaml counts, so both formats point at the same spot for the same mistake.
struct JSONReader {
    private let bytes: [UInt8]
    private let source: String
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// The column last computed by `here`: (its line's start, its byte index, the column).
    private var columnCache: (lineStart: Int, index: Int, column: Int) = (0, 0, 1)
    private var depth = 0
    private(set) var map = SourceMap()
    private var duplicates: [EcosystemIssue] = []

    /// Deepest nesting accepted; stops stack exhaustion on hostile request bodies.
    static let maxDepth = 200

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// Parses the whole input as one JSON value (valid UTF-8 is checked by the caller).
    static func parse(_ bytes: [UInt8], source: String) throws(EcosystemError) -> (EcosystemValue, SourceMap) {
        var reader = JSONReader(bytes: bytes, source: source)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }  // tolerate a UTF-8 byte order mark
        reader.skipSpace()
        if reader.index == bytes.count {
            throw EcosystemError(reader.issue(at: reader.here, "the document is empty", hint: "an ecosystem file holds `{\"apps\": [...]}`"))
        }
        let value = try reader.value(path: "")
        reader.skipSpace()
        if reader.index < bytes.count {
            throw EcosystemError(reader.issue(at: reader.here, "unexpected \(reader.describeNext()) after the end of the document"))
        }
        if let first = reader.duplicates.first { throw EcosystemError(first) }
        return (value, reader.map)
    }

    // MARK: - Values

    private mutating func value(path: String) throws(EcosystemError) -> EcosystemValue {
        map.values[path] = here
        guard index < bytes.count else {
            throw EcosystemError(issue(at: here, "unexpected end of file: expected a value", hint: "the file looks truncated"))
        }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(path: path)
        case UInt8(ascii: "["): return try array(path: path)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case UInt8(ascii: "t") where literal("true"): return .bool(true)
        case UInt8(ascii: "f") where literal("false"): return .bool(false)
        case UInt8(ascii: "n") where literal("null"): return .null
        case UInt8(ascii: "'"):
            throw EcosystemError(issue(at: here, "strings must use double quotes in JSON", hint: "write \"...\""))
        case UInt8(ascii: "/"):
            throw EcosystemError(issue(at: here, "comments are not allowed in JSON", hint: "remove them, or write the file as YAML"))
        default:
            throw EcosystemError(issue(at: here, "expected a value, got \(describeNext())"))
        }
    }

    private mutating func object(path: String) throws(EcosystemError) -> EcosystemValue {
        let opened = here
        try enter(opened)
        index += 1
        var pairs: [(key: String, value: EcosystemValue)] = []
        var seen: [String: SourcePosition] = [:]
        skipSpace()
        if peek(UInt8(ascii: "}")) { index += 1; depth -= 1; return .object(pairs) }
        while true {
            skipSpace()
            let keyAt = here
            guard index < bytes.count else { throw unclosed("object", opened, expecting: "a key") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                let hint = bytes[index] == UInt8(ascii: "'") ? "JSON keys use double quotes" : "JSON keys are strings in double quotes"
                throw EcosystemError(issue(at: keyAt, "expected a key, got \(describeNext())", hint: hint))
            }
            let key = try string()
            let childPath = JSONPath.key(path, key)
            if let first = seen[key] {
                duplicates.append(issue(at: keyAt, "duplicate key \"\(key)\" (first at \(first))", hint: "keep one of them"))
            } else {
                seen[key] = keyAt
                map.keys[childPath] = keyAt
            }
            skipSpace()
            guard peek(UInt8(ascii: ":")) else {
                if index == bytes.count { throw unclosed("object", opened, expecting: "`:`") }
                throw EcosystemError(issue(at: here, "expected `:` after the key \"\(key)\", got \(describeNext())"))
            }
            index += 1
            skipSpace()
            let member = try value(path: childPath)
            pairs.append((key: key, value: member))
            skipSpace()
            guard index < bytes.count else { throw unclosed("object", opened, expecting: "`,` or `}`") }
            if peek(UInt8(ascii: "}")) { index += 1; depth -= 1; return .object(pairs) }
            guard peek(UInt8(ascii: ",")) else {
                throw EcosystemError(issue(at: here, "expected `,` or `}` after the value of \"\(key)\", got \(describeNext())", hint: "a comma may be missing"))
            }
            let comma = here
            index += 1
            skipSpace()
            if peek(UInt8(ascii: "}")) {
                throw EcosystemError(issue(at: comma, "trailing comma before `}`", hint: "JSON allows no comma after the last member"))
            }
        }
    }

    private mutating func array(path: String) throws(EcosystemError) -> EcosystemValue {
        let opened = here
        try enter(opened)
        index += 1
        var items: [EcosystemValue] = []
        skipSpace()
        if peek(UInt8(ascii: "]")) { index += 1; depth -= 1; return .array(items) }
        while true {
            skipSpace()
            guard index < bytes.count else { throw unclosed("array", opened, expecting: "a value") }
            items.append(try value(path: JSONPath.index(path, items.count)))
            skipSpace()
            guard index < bytes.count else { throw unclosed("array", opened, expecting: "`,` or `]`") }
            if peek(UInt8(ascii: "]")) { index += 1; depth -= 1; return .array(items) }
            guard peek(UInt8(ascii: ",")) else {
                throw EcosystemError(issue(at: here, "expected `,` or `]` after an array element, got \(describeNext())", hint: "a comma may be missing"))
            }
            let comma = here
            index += 1
            skipSpace()
            if peek(UInt8(ascii: "]")) {
                throw EcosystemError(issue(at: comma, "trailing comma before `]`", hint: "JSON allows no comma after the last element"))
            }
        }
    }

    private mutating func enter(_ at: SourcePosition) throws(EcosystemError) {
        depth += 1
        if depth > JSONReader.maxDepth {
            throw EcosystemError(issue(at: at, "nesting deeper than \(JSONReader.maxDepth) levels"))
        }
    }

    private mutating func unclosed(_ what: String, _ opened: SourcePosition, expecting: String) -> EcosystemError {
        let close = what == "object" ? "}" : "]"
        return EcosystemError(issue(
            at: here, "unexpected end of file: expected \(expecting) in the \(what) opened at \(opened)",
            hint: "the file looks truncated, or a `\(close)` is missing"))
    }

    private mutating func literal(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes[index...].starts(with: utf8) else { return false }
        let end = index + utf8.count
        if end < bytes.count, JSONReader.isWordByte(bytes[end]) { return false }
        index = end
        return true
    }

    // MARK: - Positions

    /// The position of the next unread byte. Columns are counted on from the last position
    /// asked for on the same line, so that a document on one long line (what `swiftpm2 start`
    /// sends) is read in linear time, not quadratic.
    var here: SourcePosition {
        mutating get {
            var column = 1
            var i = lineStart
            if columnCache.lineStart == lineStart && columnCache.index <= index {
                column = columnCache.column
                i = columnCache.index
            }
            while i < index {
                if bytes[i] & 0xC0 != 0x80 { column += 1 }
                i += 1
            }
            columnCache = (lineStart, index, column)
            return SourcePosition(line: line, column: column)
        }
    }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    func issue(at position: SourcePosition, _ message: String, hint: String? = nil) -> EcosystemIssue {
        EcosystemIssue(source: source, line: position.line, column: position.column, path: "", message: message, hint: hint)
    }

    /// What comes next, for messages: `` `}` ``, `a string`, `` `True` ``, `end of file`.
    func describeNext() -> String {
        guard index < bytes.count else { return "end of file" }
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") { return "a string" }
        if JSONReader.isWordByte(byte) {
            var end = index
            while end < bytes.count, end - index < 20, JSONReader.isWordByte(bytes[end]) { end += 1 }
            return "`" + String(decoding: bytes[index..<end], as: UTF8.self) + "`"
        }
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return "`" + String(decoding: bytes[index..<end], as: UTF8.self) + "`"
    }

    static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
    }

    // MARK: - Scalars (JSONReader+Scalars.swift)

    var bytesView: [UInt8] { bytes }
    var cursor: Int {
        get { index }
        set { index = newValue }
    }
}
