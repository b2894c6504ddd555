/// Display widths and sanitising of text bound for a terminal.
public enum TerminalText {
    /// Columns `text` takes on a terminal.
    public static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width($1) }
    }

    /// Columns one character takes: 2 for East Asian wide and emoji, 0 for controls, else 1.
    public static func width(_ c: Character) -> Int {
        guard let scalar = c.unicodeScalars.first else { return 0 }
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
        if c.unicodeScalars.count > 1, c.unicodeScalars.contains(where: { $0.value == 0xFE0F || $0.value == 0x200D }) { return 2 }
        return isWide(v) ? 2 : 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// `text` with nothing that moves the cursor or changes the terminal: escape sequences
    /// (an app's coloured log lines) are removed, a tab becomes a space, and other control
    /// characters become `?`.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }) else { return text }
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let s = scalars.next() {
            switch s.value {
            case 0x1B:
                // CSI: ESC [ parameters... final (0x40-0x7E); other escapes: ESC and one character.
                guard let next = scalars.next() else { break }
                if next == "[" {
                    while let p = scalars.next(), !(0x40...0x7E).contains(p.value) {}
                }
            case 0x09:
                out.append(" ")
            case 0..<0x20, 0x7F..<0xA0:
                out.append("?")
            default:
                out.append(s)
            }
        }
        return String(out)
    }
}
