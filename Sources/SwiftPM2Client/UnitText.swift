/// Spelling values for systemd unit files.
enum UnitText {
    /// `%` starts a specifier in most settings (`%h`); a literal one is `%%`.
    static func escapingSpecifiers(_ text: String) -> String {
        replacing("%", with: "%%", in: text)
    }

    /// A word of `ExecStart=`: specifiers and `$` (variable expansion) escaped.
    static func execWord(_ text: String) -> String {
        replacing("$", with: "$$", in: escapingSpecifiers(text))
    }

    /// Why `path` cannot be written into a unit as one word, or nil when it can: it must be
    /// absolute, and without white space, quotes, backslashes or control characters (systemd
    /// would split or unquote it).
    static func problem(with path: String, what: String) -> String? {
        guard path.hasPrefix("/") else { return "\(what) `\(path)` is not an absolute path" }
        let unsafe = path.unicodeScalars.first { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || "\"'\\".unicodeScalars.contains($0) }
        if let unsafe {
            return "\(what) `\(path)` contains \(unsafe.properties.isWhitespace ? "white space" : "the character U+\(String(unsafe.value, radix: 16, uppercase: true))"), which a unit file cannot hold in this setting; choose a path without it"
        }
        return nil
    }

    private static func replacing(_ character: Character, with replacement: String, in text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            if c == character { out += replacement } else { out.append(c) }
        }
        return out
    }
}
