/// What `scale` asks for: an absolute count, or a change (`+2`, `-1`).
public enum ScaleTarget: Sendable, Equatable {
    case exactly(Int)
    case by(Int)

    /// `"4"`, `"+2"`, `"-1"`; nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        if trimmed.hasPrefix("+") || trimmed.hasPrefix("-") {
            guard let delta = Int(trimmed.dropFirst()), trimmed.dropFirst().allSatisfy(\.isASCIIDigit) else { return nil }
            self = .by(trimmed.hasPrefix("-") ? -delta : delta)
        } else {
            guard let n = Int(trimmed), trimmed.allSatisfy(\.isASCIIDigit) else { return nil }
            self = .exactly(n)
        }
    }

    /// The new count from `current`; at least 1, at most `limit`.
    public func resolve(current: Int, limit: Int = 1024) -> Int {
        switch self {
        case .exactly(let n): return min(max(1, n), limit)
        case .by(let d): return min(max(1, current + d), limit)
        }
    }
}
