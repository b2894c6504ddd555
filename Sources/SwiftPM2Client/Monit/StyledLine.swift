/// One line of a frame: runs of styled text, cut to a width by display columns.
public struct StyledLine: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public var text: String
        public var style: TextStyle
    }

    public private(set) var spans: [Span] = []
    /// Applied over every span, and to the padding up to the full width (e.g. the selected row).
    public var base: TextStyle?

    public init(_ text: String = "", _ style: TextStyle = .plain, base: TextStyle? = nil) {
        self.base = base
        if !text.isEmpty { append(text, style) }
    }

    /// Adds text; control characters become visible or spaces, so they cannot move the cursor.
    public mutating func append(_ text: String, _ style: TextStyle = .plain) {
        spans.append(Span(text: TerminalText.printable(text), style: style))
    }

    public mutating func append(_ other: StyledLine) {
        spans += other.spans
    }

    /// The text without styles.
    public var plainText: String { spans.map(\.text).joined() }

    /// Display columns.
    public var width: Int { TerminalText.width(plainText) }

    /// The line cut to `width` columns (a wide character that does not fit becomes a space).
    public func truncated(to width: Int) -> StyledLine {
        var out = StyledLine(base: base)
        var used = 0
        for span in spans {
            var text = ""
            for c in span.text {
                let w = TerminalText.width(c)
                if used + w > width {
                    if used < width { text += String(repeating: " ", count: width - used) }
                    used = width
                    break
                }
                text.append(c)
                used += w
            }
            out.spans.append(Span(text: text, style: span.style))
            if used >= width { break }
        }
        return out
    }

    /// Padded with spaces to `width` columns (nothing when already as wide).
    public func padded(to width: Int) -> StyledLine {
        var out = self
        let missing = width - self.width
        if missing > 0 { out.spans.append(Span(text: String(repeating: " ", count: missing), style: .plain)) }
        return out
    }

    /// The line cut to `width` columns as terminal text: with SGR sequences when `ansi` (and
    /// colours among them when `colors`), else plain. A line with a `base` style is padded to
    /// the full width so that the style covers it.
    public func rendered(width: Int, ansi: Bool, colors: Bool = true) -> String {
        var line = truncated(to: width)
        if base != nil { line = line.padded(to: width) }
        guard ansi else { return line.plainText }
        var out = ""
        for span in line.spans where !span.text.isEmpty {
            var style = base.map { $0.merged(with: span.style) } ?? span.style
            if !colors { style.color = nil }
            let sgr = style.sgr
            out += sgr.isEmpty ? span.text : sgr + span.text + "\u{1B}[0m"
        }
        return out
    }
}
