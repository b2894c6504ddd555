/// Strings and numbers for ``JSONReader``.
extension JSONReader {
    /// Reads a string at the opening quote; rejects raw control characters and bad escapes.
    mutating func string() throws(EcosystemError) -> String {
        let bytes = bytesView
        let opened = here
        cursor += 1
        var out: [UInt8] = []
        while true {
            guard cursor < bytes.count else {
                throw EcosystemError(issue(at: here, "unexpected end of file in the string opened at \(opened)", hint: "a closing `\"` is missing"))
            }
            let byte = bytes[cursor]
            switch byte {
            case UInt8(ascii: "\""):
                cursor += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            case 0x0A, 0x0D:
                throw EcosystemError(issue(at: here, "line break inside the string opened at \(opened)", hint: "a closing `\"` may be missing; write \\n for a newline"))
            case 0x00..<0x20:
                let hex = String(byte, radix: 16, uppercase: true)
                throw EcosystemError(issue(at: here, "unescaped control character U+00\(hex.count < 2 ? "0" + hex : hex) in a string", hint: byte == 0x09 ? "write \\t" : "escape it as \\u00XX"))
            default:
                out.append(byte)
                cursor += 1
            }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(EcosystemError) {
        let bytes = bytesView
        let at = here
        cursor += 1
        guard cursor < bytes.count else {
            throw EcosystemError(issue(at: here, "unexpected end of file in a string escape"))
        }
        let c = bytes[cursor]
        cursor += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: at)
            if (0xD800...0xDBFF).contains(scalar) {
                guard cursor + 1 < bytes.count, bytes[cursor] == UInt8(ascii: "\\"), bytes[cursor + 1] == UInt8(ascii: "u") else {
                    throw EcosystemError(issue(at: at, "lone surrogate \\u\(String(scalar, radix: 16)) in a string"))
                }
                cursor += 2
                let low = try hex4(at: at)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw EcosystemError(issue(at: at, "invalid surrogate pair in a string"))
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw EcosystemError(issue(at: at, "lone surrogate \\u\(String(scalar, radix: 16)) in a string"))
            }
            // Valid by construction: surrogates were excluded above.
            out += Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            cursor -= 1
            throw EcosystemError(issue(at: at, "invalid escape `\\\(describeNext().trimmingBackticks)` in a string", hint: "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"))
        }
    }

    private mutating func hex4(at: SourcePosition) throws(EcosystemError) -> UInt32 {
        let bytes = bytesView
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard cursor < bytes.count, let digit = JSONReader.hexDigit(bytes[cursor]) else {
                throw EcosystemError(issue(at: at, "`\\u` needs four hex digits"))
            }
            value = value << 4 | digit
            cursor += 1
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Reads a number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    ///
    /// Integers that fit in `Int` stay exact; larger ones and fractions become `Double`,
    /// as JavaScript would read them.
    mutating func number() throws(EcosystemError) -> EcosystemValue {
        let bytes = bytesView
        let start = cursor
        let at = here
        func digits() -> Int {
            let from = cursor
            while cursor < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor]) { cursor += 1 }
            return cursor - from
        }
        func bad(_ message: String) -> EcosystemError {
            var end = start
            while end < bytes.count, JSONReader.isWordByte(bytes[end]) { end += 1 }
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            return EcosystemError(issue(at: at, "invalid number `\(text)`: \(message)"))
        }
        if bytes[cursor] == UInt8(ascii: "-") { cursor += 1 }
        let leadingZero = cursor < bytes.count && bytes[cursor] == UInt8(ascii: "0")
        let intDigits = digits()
        if intDigits == 0 { throw bad("digits expected") }
        if leadingZero && intDigits > 1 { throw bad("leading zeros are not allowed") }
        var isInteger = true
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
            cursor += 1
            isInteger = false
            if digits() == 0 { throw bad("digits expected after `.`") }
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "e") || bytes[cursor] == UInt8(ascii: "E") {
            cursor += 1
            isInteger = false
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "+") || bytes[cursor] == UInt8(ascii: "-") { cursor += 1 }
            if digits() == 0 { throw bad("digits expected in the exponent") }
        }
        if cursor < bytes.count, JSONReader.isWordByte(bytes[cursor]) { throw bad("unexpected characters") }
        let text = String(decoding: bytes[start..<cursor], as: UTF8.self)
        if isInteger, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else { throw bad("out of range") }
        return .double(double)
    }
}

extension String {
    /// The text without the backticks of a `describeNext()` rendering.
    var trimmingBackticks: String {
        var s = Substring(self)
        if s.hasPrefix("`") { s = s.dropFirst() }
        if s.hasSuffix("`") { s = s.dropLast() }
        return String(s)
    }
}
