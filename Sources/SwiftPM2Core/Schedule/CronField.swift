/// One field of a cron pattern as the set of values it allows (a bit per value).
struct CronField: Sendable, Hashable {
    /// What a field accepts, for parsing and messages.
    struct Kind: Sendable {
        var name: String
        var range: ClosedRange<Int>
        /// Names accepted for values, by value (months JAN=1..., weekdays SUN=0...).
        var names: [String: Int] = [:]
        /// What the names are, for messages ("JAN-DEC").
        var namesHelp: String? = nil

        static let second = Kind(name: "second", range: 0...59)
        static let minute = Kind(name: "minute", range: 0...59)
        static let hour = Kind(name: "hour", range: 0...23)
        static let dayOfMonth = Kind(name: "day-of-month", range: 1...31)
        static let month = Kind(name: "month", range: 1...12, names: [
            "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
            "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
        ], namesHelp: "JAN-DEC")
        /// 0-7: both 0 and 7 are Sunday.
        static let dayOfWeek = Kind(name: "day-of-week", range: 0...7, names: [
            "SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
        ], namesHelp: "SUN-SAT")
    }

    var bits: UInt64
    /// The field starts with `*` (`*`, `*/15`): for the day fields, "not restricted".
    var isStar: Bool

    init(bits: UInt64, isStar: Bool) {
        self.bits = bits
        self.isStar = isStar
    }

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }

    /// The smallest allowed value at or after `value`, if any.
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let above = bits & ~((1 << UInt64(value)) - 1)
        return above == 0 ? nil : above.trailingZeroBitCount
    }

    /// Parses one field: `*`, `5`, `1-5`, `*/15`, `10-50/20`, `5/15` (from 5 to the end, every
    /// 15), lists of those separated by `,`, and names where the kind has them.
    init(parsing text: Substring, as kind: Kind) throws(CronSyntaxError) {
        func fail(_ why: String, hint: String? = nil) -> CronSyntaxError {
            CronSyntaxError(field: kind.name, message: "\(kind.name): \(why)", hint: hint)
        }
        bits = 0
        isStar = text.hasPrefix("*")
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("empty item in \"\(text)\"") }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let n = Int(parts[1]), n >= 1 else {
                    throw fail("step \"\(parts[1])\" in \"\(item)\" must be a whole number of at least 1")
                }
                step = n
            }
            let base = parts[0]
            var low: Int
            var high: Int
            if base == "*" {
                (low, high) = (kind.range.lowerBound, kind.range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try Self.value(base[..<dash], kind, in: item)
                high = try Self.value(base[base.index(after: dash)...], kind, in: item)
                // A week may end on Sunday written as 0: `MON-SUN`, `1-0`.
                if kind.name == Kind.dayOfWeek.name, high == 0, low > 0 { high = 7 }
                guard low <= high else { throw fail("range \"\(base)\" goes backwards", hint: "write the smaller value first") }
            } else {
                low = try Self.value(base, kind, in: item)
                // `5/15` runs from 5 to the end of the range; a bare `5` is just 5.
                high = parts.count == 2 ? kind.range.upperBound : low
            }
            for value in stride(from: low, through: high, by: step) {
                // Day-of-week 7 is Sunday, like 0.
                let bit = kind.name == Kind.dayOfWeek.name && value == 7 ? 0 : value
                bits |= 1 << UInt64(bit)
            }
        }
    }

    private static func value(_ text: Substring, _ kind: Kind, in item: Substring) throws(CronSyntaxError) -> Int {
        let name = "\(kind.name): "
        if !text.isEmpty, text.allSatisfy({ $0 >= "0" && $0 <= "9" }), let number = Int(text) {
            guard kind.range.contains(number) else {
                throw CronSyntaxError(field: kind.name,
                                      message: name + "\(text) is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let value = kind.names[text.uppercased()] { return value }
        var hint: String?
        if ["L", "W", "#", "?"].contains(where: { text.contains($0) }) {
            hint = "L, W, # and ? (Quartz and croner extensions) are not supported"
        }
        let expected = kind.namesHelp.map { "a number \(kind.range.lowerBound)-\(kind.range.upperBound) or a name \($0)" }
            ?? "a number \(kind.range.lowerBound)-\(kind.range.upperBound)"
        let shown = text.isEmpty ? "\"\(item)\"" : "\"\(text)\""
        throw CronSyntaxError(field: kind.name, message: name + "\(shown) is not \(expected)", hint: hint)
    }
}
