import Yams

/// Turns a Yams error into one ``EcosystemIssue`` with the line and column libyaml reported.
enum YAMLErrorMapping {
    static func issue(for error: YamlError, text: String, source: String) -> EcosystemIssue {
        func make(_ mark: SourcePosition?, _ message: String, hint: String? = nil) -> EcosystemIssue {
            EcosystemIssue(source: source, line: mark?.line, column: mark?.column, path: "", message: message, hint: hint)
        }
        func position(_ mark: Mark) -> SourcePosition { SourcePosition(line: mark.line, column: mark.column) }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            var message = problem
            if let context { message += " (\(context.text) at \(context.mark))" }
            var hint: String?
            if character(at: mark, in: text) == "\t" {
                hint = "YAML does not allow tabs for indentation; use spaces"
            } else if problem.contains("mapping values are not allowed") {
                hint = "quote a value that contains `: `"
            }
            return make(position(mark), message, hint: hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? "?"
            let first = position(context.mark)
            if let second = secondOccurrence(of: key, after: first, in: text) {
                return make(second, "duplicate key \"\(key)\" (first at \(first))", hint: "keep one of them")
            }
            return make(first, "duplicate key \"\(key)\" in this mapping", hint: "keep one of them")
        case let .reader(problem, offset, _, _):
            var mark: SourcePosition?
            if let offset {
                // Yams counts this offset in Characters.
                var line = 1
                var column = 1
                for character in text.prefix(offset) {
                    if character.isNewline { line += 1; column = 1 } else { column += character.unicodeScalars.count }
                }
                mark = SourcePosition(line: line, column: column)
            }
            return make(mark, problem)
        default:
            return make(nil, "\(error)")
        }
    }

    /// The character at a libyaml mark (1-based line, column in Unicode scalars).
    private static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }

    /// Where a duplicated key appears again after its first mark: Yams names only the first.
    ///
    /// Looks for the key (plain or quoted) followed by `:` on later lines at the same column
    /// (block mappings) or later on the same line (flow mappings).
    static func secondOccurrence(of key: String, after first: SourcePosition, in text: String) -> SourcePosition? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        for lineIndex in max(first.line - 1, 0)..<lines.count {
            let scalars = Array(lines[lineIndex].unicodeScalars)
            let columns: [Int] = lineIndex == first.line - 1
                ? Array(stride(from: first.column, to: scalars.count, by: 1))  // after the first key
                : [first.column - 1] + Array(0..<scalars.count)
            for column in columns where column >= 0 && column < scalars.count {
                if column > 0, !" \t{,-".unicodeScalars.contains(scalars[column - 1]) { continue }
                for spelling in spellings {
                    let s = Array(spelling.unicodeScalars)
                    guard column + s.count <= scalars.count, Array(scalars[column..<column + s.count]) == s else { continue }
                    var after = column + s.count
                    while after < scalars.count, scalars[after] == " " { after += 1 }
                    if after < scalars.count, scalars[after] == ":" {
                        return SourcePosition(line: lineIndex + 1, column: column + 1)
                    }
                }
            }
        }
        return nil
    }
}
