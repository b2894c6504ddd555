/// Finds the first byte that is not valid UTF-8, and says where it is.
enum UTF8Check {
    /// The offset of the first invalid byte, or nil when all of `bytes` is well-formed UTF-8
    /// (no overlong forms, no surrogates, nothing above U+10FFFF).
    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return i
            }
            guard i + 1 < n, (lower...upper).contains(bytes[i + 1]) else { return i }
            for k in 2..<length {
                guard i + k < n, (0x80...0xBF).contains(bytes[i + k]) else { return i }
            }
            i += length
        }
        return nil
    }

    /// The 1-based line and column of byte `offset`, columns counted in Unicode scalars.
    static func position(of offset: Int, in bytes: [UInt8]) -> SourcePosition {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourcePosition(line: line, column: column)
    }

    /// The issue for invalid UTF-8 at `offset`.
    static func issue(offset: Int, bytes: [UInt8], source: String) -> EcosystemIssue {
        let at = position(of: offset, in: bytes)
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        return EcosystemIssue(
            source: source, line: at.line, column: at.column, path: "",
            message: "invalid UTF-8 at byte offset \(offset) (byte 0x\(hex.count < 2 ? "0" + hex : hex))",
            hint: "save the file as UTF-8"
        )
    }
}
