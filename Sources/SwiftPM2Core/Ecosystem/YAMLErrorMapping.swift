import CYAML

/// Turns a libyaml error into one ``EcosystemIssue`` with the line and column libyaml reported.
enum YAMLErrorMapping {
    /// The issue for the error that stopped `parser`.
    static func issue(for parser: UnsafeMutablePointer<yaml_parser_t>, text: String, source: String) -> EcosystemIssue {
        let error = parser.pointee.error
        let problem = parser.pointee.problem.map { String(cString: $0) } ?? "unknown YAML error"
        switch error {
        case YAML_READER_ERROR:
            return EcosystemIssue(source: source, path: "", message: problem)
                .at(position(ofByte: Int(parser.pointee.problem_offset), in: text))
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            let context = parser.pointee.context.map { text in
                (text: String(cString: text), position: position(parser.pointee.context_mark))
            }
            return issue(problem: problem, context: context, at: position(parser.pointee.problem_mark), text: text, source: source)
        case YAML_MEMORY_ERROR:
            return EcosystemIssue(source: source, path: "", message: "Memory error")
        default:
            return EcosystemIssue(source: source, path: "", message: "libyaml failed (error \(error.rawValue)): \(problem)")
        }
    }

    /// A syntax or composing error: `problem (context at L:C)` at `mark`, with a hint for the
    /// two usual causes (a tab in the indentation, an unquoted `: ` in a value).
    static func issue(
        problem: String, context: (text: String, position: SourcePosition)?, at mark: SourcePosition, text: String, source: String
    ) -> EcosystemIssue {
        var message = problem
        if let context { message += " (\(context.text) at \(context.position))" }
        var hint: String?
        if character(at: mark, in: text) == "\t" {
            hint = "YAML does not allow tabs for indentation; use spaces"
        } else if problem.contains("mapping values are not allowed") {
            hint = "quote a value that contains `: `"
        }
        return EcosystemIssue(source: source, line: mark.line, column: mark.column, path: "", message: message, hint: hint)
    }

    private static func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Line and column (in Unicode scalars) of a byte offset, when it falls between characters.
    private static func position(ofByte offset: Int, in text: String) -> SourcePosition? {
        guard let index = text.utf8.index(text.utf8.startIndex, offsetBy: offset, limitedBy: text.utf8.endIndex),
              let end = index.samePosition(in: text) else { return nil }
        var line = 1
        var column = 1
        for character in text[..<end] {
            if character.isNewline { line += 1; column = 1 } else { column += character.unicodeScalars.count }
        }
        return SourcePosition(line: line, column: column)
    }

    /// The character at a libyaml mark (1-based line, column in Unicode scalars).
    private static func character(at mark: SourcePosition, in text: String) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }
}

private extension EcosystemIssue {
    func at(_ position: SourcePosition?) -> EcosystemIssue {
        var issue = self
        issue.line = position?.line
        issue.column = position?.column
        return issue
    }
}
