/// Decodes the bytes a terminal sends into ``MonitAction``s. Pure: bytes in, actions out.
///
/// Escape sequences may arrive split across reads, so an incomplete one is kept for the next
/// ``feed(_:)``. A lone Esc is ambiguous (it starts every sequence): it stays pending until the
/// caller, after a short quiet time, calls ``flush()``, which reads it as the Esc key (quit).
public struct MonitInput: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// True while an incomplete escape sequence waits for more bytes (or ``flush()``).
    public var hasPending: Bool { !pending.isEmpty }

    /// The actions of `bytes`, given what earlier calls left pending.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [MonitAction] {
        pending += bytes
        var actions: [MonitAction] = []
        var i = 0
        while i < pending.count {
            let b = pending[i]
            if b == 0x1B {
                guard let (action, length) = Self.escape(pending[i...]) else { break } // incomplete
                if let action { actions.append(action) }
                i += length
                continue
            }
            if let action = Self.key(b) { actions.append(action) }
            i += 1
        }
        pending.removeFirst(i)
        return actions
    }

    /// Ends a quiet time: a pending lone Esc is the Esc key; a partial sequence is dropped.
    public mutating func flush() -> [MonitAction] {
        defer { pending.removeAll() }
        return pending == [0x1B] ? [.quit] : []
    }

    /// One ordinary byte. UTF-8 bytes of other characters mean nothing here.
    static func key(_ b: UInt8) -> MonitAction? {
        switch b {
        case UInt8(ascii: "q"), 0x03: return .quit
        case UInt8(ascii: "k"): return .up
        case UInt8(ascii: "j"): return .down
        case UInt8(ascii: "g"): return .home
        case UInt8(ascii: "G"): return .end
        case UInt8(ascii: "r"): return .restart
        case UInt8(ascii: "R"): return .reload
        case UInt8(ascii: "s"): return .stop
        case UInt8(ascii: "l"): return .toggleLogs
        case 0x0C: return .redraw
        case 0x1A: return .suspend
        default: return nil
        }
    }

    /// The sequence at the start of `bytes` (which starts with Esc): its action (nil when it
    /// means nothing here) and length, or nil when more bytes are needed to tell.
    static func escape(_ bytes: ArraySlice<UInt8>) -> (MonitAction?, Int)? {
        let s = bytes.startIndex
        guard bytes.count >= 2 else { return nil }
        switch bytes[s + 1] {
        case UInt8(ascii: "["):
            // CSI: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, one final byte 0x40-0x7E.
            var j = s + 2
            while j < bytes.endIndex, (0x20...0x3F).contains(bytes[j]) { j += 1 }
            guard j < bytes.endIndex else { return nil }
            let final = bytes[j]
            guard (0x40...0x7E).contains(final) else { return (nil, j - s) } // malformed: skip what came
            let params = String(decoding: bytes[(s + 2)..<j], as: UTF8.self)
            return (csi(params: params, final: final), j - s + 1)
        case UInt8(ascii: "O"):
            // SS3: application cursor keys (ESC O A) and some Home/End keys.
            guard bytes.count >= 3 else { return nil }
            return (ss3(bytes[s + 2]), 3)
        case 0x1B:
            // Esc pressed twice: the first is the Esc key.
            return (.quit, 1)
        default:
            // Alt+key: nothing here.
            return (nil, 2)
        }
    }

    static func csi(params: String, final: UInt8) -> MonitAction? {
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            // "5" or "5;2" (with modifiers): the key number comes first.
            switch params.split(separator: ";").first {
            case "1", "7": return .home
            case "4", "8": return .end
            case "5": return .pageUp
            case "6": return .pageDown
            default: return nil
            }
        default: return nil
        }
    }

    static func ss3(_ b: UInt8) -> MonitAction? {
        switch b {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        default: return nil
        }
    }
}
