/// Which paths under a watched folder `ignore_watch` leaves out.
///
/// PM2 hands `ignore_watch` to chokidar (anymatch/picomatch globs, or regular expressions given
/// as such in JavaScript). We support globs only, with these rules:
///
/// - `*` matches any run of characters within one path component (dot files included), `?` one
///   character, `[abc]`, `[a-z]`, `[!a]` (or `[^a]`) one character of (or not of) a set, and
///   `\x` the character `x` itself (so `\.git`, the JSON string `"\\.git"`, is `.git`).
/// - `**` as a whole component matches any number of components, none included:
///   `logs/**`, `**/cache/*.tmp`, `src/**/generated`.
/// - A pattern without `/` is matched against **each component** of the path relative to the
///   watched folder: `node_modules`, `*.log` and `.git` apply at any depth.
/// - A pattern with `/` is matched against the **path relative to the watched folder** (`logs/**`,
///   `build/out`; a leading `./` is dropped), or, when it starts with `/`, against the absolute
///   path.
/// - A path is ignored when it or **any folder above it** matches; an ignored folder is not
///   watched at all, so nothing below it costs a watch.
///
/// Not supported: regular expressions, brace sets `{a,b}`, extglobs `+(a|b)`, negation `!`.
struct WatchIgnore: Sendable, Equatable {
    private enum Segment: Sendable, Equatable {
        case anyDepth
        case glob([UInt8])
    }

    private struct Pattern: Sendable, Equatable {
        var segments: [Segment]
        /// No `/`: matched against each component alone.
        var componentOnly: Bool
        var absolute: Bool
    }

    private let patterns: [Pattern]

    init(_ patterns: [String]) {
        self.patterns = patterns.compactMap { text in
            var text = Substring(text)
            while text.hasPrefix("./") { text = text.dropFirst(2) }
            while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
            guard !text.isEmpty else { return nil }
            let absolute = text.hasPrefix("/")
            let parts = text.split(separator: "/", omittingEmptySubsequences: true)
            return Pattern(segments: parts.map { $0 == "**" ? .anyDepth : .glob(Array($0.utf8)) },
                           componentOnly: !text.contains("/"), absolute: absolute)
        }
    }

    var isEmpty: Bool { patterns.isEmpty }

    /// Whether the path is left out.
    /// - Parameters:
    ///   - relative: the path relative to the watched folder, `/`-separated, no leading `/`.
    ///   - root: the watched folder's absolute path (for absolute patterns).
    func ignores(_ relative: String, root: String) -> Bool {
        guard !patterns.isEmpty, !relative.isEmpty else { return false }
        let components = relative.split(separator: "/").map { Array($0.utf8) }
        let rootComponents = root.split(separator: "/").map { Array($0.utf8) }
        for pattern in patterns {
            if pattern.componentOnly {
                if case .glob(let glob) = pattern.segments.first,
                   components.contains(where: { Self.matches(glob, $0) }) { return true }
                continue
            }
            let path = pattern.absolute ? rootComponents + components : components
            let first = pattern.absolute ? rootComponents.count + 1 : 1
            // The path, or any folder above it (within the watched folder), matches.
            for length in first...path.count where Self.matches(pattern.segments[...], path[..<length]) {
                return true
            }
        }
        return false
    }

    // MARK: - Matching

    private static func matches(_ segments: ArraySlice<Segment>, _ path: ArraySlice<[UInt8]>) -> Bool {
        guard let segment = segments.first else { return path.isEmpty }
        switch segment {
        case .anyDepth:
            let rest = segments.dropFirst()
            for skip in 0...path.count where matches(rest, path.dropFirst(skip)) { return true }
            return false
        case .glob(let glob):
            guard let component = path.first, matches(glob, component) else { return false }
            return matches(segments.dropFirst(), path.dropFirst())
        }
    }

    /// fnmatch-style matching of one component: `*`, `?`, `[...]`, `\x`.
    static func matches(_ glob: [UInt8], _ name: [UInt8]) -> Bool {
        var g = 0
        var n = 0
        var starG = -1
        var starN = 0
        while n < name.count {
            if g < glob.count, glob[g] == UInt8(ascii: "*") {
                starG = g
                starN = n
                g += 1
                continue
            }
            if g < glob.count, let next = matchOne(glob, g, name[n]) {
                g = next
                n += 1
                continue
            }
            guard starG >= 0 else { return false }
            // Let the last `*` take one more character and retry.
            starN += 1
            n = starN
            g = starG + 1
        }
        while g < glob.count, glob[g] == UInt8(ascii: "*") { g += 1 }
        return g == glob.count
    }

    /// When the pattern element at `g` matches `byte`, the index after that element.
    private static func matchOne(_ glob: [UInt8], _ g: Int, _ byte: UInt8) -> Int? {
        switch glob[g] {
        case UInt8(ascii: "?"):
            return g + 1
        case UInt8(ascii: "\\") where g + 1 < glob.count:
            return glob[g + 1] == byte ? g + 2 : nil
        case UInt8(ascii: "["):
            guard let (matched, end) = matchClass(glob, g, byte) else { return glob[g] == byte ? g + 1 : nil }
            return matched ? end : nil
        default:
            return glob[g] == byte ? g + 1 : nil
        }
    }

    /// A `[...]` set at `g`: whether `byte` is in it, and the index after `]`; nil when the set
    /// is not closed (then `[` is an ordinary character).
    private static func matchClass(_ glob: [UInt8], _ g: Int, _ byte: UInt8) -> (Bool, Int)? {
        var i = g + 1
        var negate = false
        if i < glob.count, glob[i] == UInt8(ascii: "!") || glob[i] == UInt8(ascii: "^") {
            negate = true
            i += 1
        }
        var found = false
        var first = true
        while i < glob.count {
            var low = glob[i]
            if low == UInt8(ascii: "]"), !first { return (found != negate, i + 1) }
            first = false
            if low == UInt8(ascii: "\\"), i + 1 < glob.count {
                i += 1
                low = glob[i]
            }
            var high = low
            if i + 2 < glob.count, glob[i + 1] == UInt8(ascii: "-"), glob[i + 2] != UInt8(ascii: "]") {
                high = glob[i + 2]
                i += 2
            }
            if low <= byte && byte <= high { found = true }
            i += 1
        }
        return nil
    }
}
