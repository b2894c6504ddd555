/// One problem in an ecosystem file.
public struct EcosystemIssue: Sendable, Equatable, CustomStringConvertible {
    /// File path, or `"<request>"` for a document sent over the API.
    public var source: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column (in Unicode scalars, as libyaml counts), when known.
    public var column: Int?
    /// JSON path like `apps[0].instances`; `""` for the whole document.
    public var path: String
    /// What is wrong, e.g. `expected a number, "max" or a negative number, got "lots"`.
    public var message: String
    /// How to fix it, e.g. "did you mean `instances`?".
    public var hint: String?

    public init(source: String, line: Int? = nil, column: Int? = nil, path: String, message: String, hint: String? = nil) {
        self.source = source
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.hint = hint
    }

    /// "FILE:LINE:COL: PATH: MESSAGE (HINT)" — omit parts that are unknown; one line.
    public var description: String {
        var text = source
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let hint { text += " (\(hint))" }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
    }
}
