#if canImport(Glibc)
import Glibc
#endif

/// PM2's `log_date_format`: a moment.js pattern, parsed once and applied to every log line.
///
/// Tokens: `YYYY YY`, `MMMM MMM MM M`, `DDDD DDD DD D` (day of month; `DDD`/`DDDD` day of year),
/// `dddd ddd dd d` (weekday), `HH H hh h`, `mm m`, `ss s`, `S`…`SSSSSSSSS` (fraction of a second),
/// `A a`, `Z` (+01:00), `ZZ` (+0100), `X` (unix seconds), `x` (unix ms). Text in `[brackets]` and
/// a character after `\` are literal; any other character passes through. Names are English.
public struct LogDateFormat: Sendable {
    public let pattern: String
    private let tokens: [Token]
    /// An upper bound of the formatted length, so that `format` allocates once.
    private let maxLength: Int

    public init(_ pattern: String) {
        self.pattern = pattern
        self.tokens = Self.parse(Array(pattern.utf8))
        self.maxLength = tokens.reduce(0) { $0 + $1.maxLength }
    }

    /// Formats an instant (`epochMs` since 1970 UTC) as seen at `utcOffsetSeconds` east of UTC.
    public func format(epochMs: Int64, utcOffsetSeconds: Int) -> String {
        let fields = Fields(epochMs: epochMs, utcOffsetSeconds: utcOffsetSeconds)
        return String(unsafeUninitializedCapacity: maxLength) { buffer in
            var out = Output(buffer: buffer)
            for token in tokens { token.write(fields, to: &out) }
            return out.count
        }
    }
}

extension LogDateFormat {
    /// The local zone's offset from UTC, in seconds east, at an instant (DST-aware). Reads the
    /// zone through libc (`localtime_r`); the daemon calls it, Core's formatting stays pure.
    public static func localUTCOffsetSeconds(atEpochSeconds seconds: Int64) -> Int {
        var time = time_t(seconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }
}

// MARK: - Tokens

extension LogDateFormat {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case year4, year2
        case monthLong, monthShort, month2, month
        case dayOfYear3, dayOfYear, day2, day
        case weekdayLong, weekdayShort, weekdayMin, weekday
        case hour24Padded, hour24, hour12Padded, hour12
        case minute2, minute, second2, second
        case fraction(digits: Int)
        case meridiemUpper, meridiemLower
        case offsetColon, offsetCompact
        case unixSeconds, unixMillis

        var maxLength: Int {
            switch self {
            case .literal(let bytes): return bytes.count
            case .year4, .unixSeconds, .unixMillis: return 20
            case .monthLong, .weekdayLong: return 9
            case .fraction(let digits): return digits
            case .offsetColon: return 6
            case .offsetCompact: return 5
            default: return 3
            }
        }
    }

    /// Splits a pattern the way moment.js does: the longest known token at each position.
    static func parse(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { tokens.append(.literal(literal)); literal = [] }
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "[") {
                let rest = bytes[(index + 1)...]
                let close = rest.firstIndex(of: UInt8(ascii: "]"))
                let reopen = rest.firstIndex(of: UInt8(ascii: "["))
                if let close, reopen.map({ $0 > close }) ?? true {
                    literal.append(contentsOf: bytes[(index + 1)..<close])
                    index = close + 1
                    continue
                }
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                index += 1
                repeat {  // the whole next character, continuation bytes included
                    literal.append(bytes[index])
                    index += 1
                } while index < bytes.count && bytes[index] & 0xC0 == 0x80
                continue
            }
            var run = 1
            while index + run < bytes.count && bytes[index + run] == byte { run += 1 }
            guard let (token, length) = Self.token(byte, run: run) else {
                literal.append(byte)
                index += 1
                continue
            }
            flush()
            tokens.append(token)
            index += length
        }
        flush()
        return tokens
    }

    /// The token for the longest prefix of `run` copies of `letter`, and that prefix's length.
    private static func token(_ letter: UInt8, run: Int) -> (Token, Int)? {
        switch Character(Unicode.Scalar(letter)) {
        case "Y": return run >= 4 ? (.year4, 4) : run >= 2 ? (.year2, 2) : nil
        case "M": return [(.month, 1), (.month2, 2), (.monthShort, 3), (.monthLong, 4)][min(run, 4) - 1]
        case "D": return [(.day, 1), (.day2, 2), (.dayOfYear, 3), (.dayOfYear3, 4)][min(run, 4) - 1]
        case "d": return [(.weekday, 1), (.weekdayMin, 2), (.weekdayShort, 3), (.weekdayLong, 4)][min(run, 4) - 1]
        case "H": return run >= 2 ? (.hour24Padded, 2) : (.hour24, 1)
        case "h": return run >= 2 ? (.hour12Padded, 2) : (.hour12, 1)
        case "m": return run >= 2 ? (.minute2, 2) : (.minute, 1)
        case "s": return run >= 2 ? (.second2, 2) : (.second, 1)
        case "S": return (.fraction(digits: min(run, 9)), min(run, 9))
        case "A": return (.meridiemUpper, 1)
        case "a": return (.meridiemLower, 1)
        case "Z": return run >= 2 ? (.offsetCompact, 2) : (.offsetColon, 1)
        case "X": return (.unixSeconds, 1)
        case "x": return (.unixMillis, 1)
        default: return nil
        }
    }
}

// MARK: - Formatting

extension LogDateFormat {
    /// The calendar fields of one instant in one offset (proleptic Gregorian calendar).
    struct Fields {
        var epochMs: Int64
        var offsetSeconds: Int
        var year: Int64
        var month: Int  // 1...12
        var day: Int  // 1...31
        var dayOfYear: Int  // 1...366
        var weekday: Int  // 0 = Sunday
        var hour: Int
        var minute: Int
        var second: Int
        var millisecond: Int

        private static let daysBeforeMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]

        init(epochMs: Int64, utcOffsetSeconds: Int) {
            self.epochMs = epochMs
            self.offsetSeconds = utcOffsetSeconds
            let local = epochMs &+ Int64(utcOffsetSeconds) * 1000
            let msPerDay: Int64 = 86_400_000
            let days = floorDivide(local, msPerDay)
            let msOfDay = Int(local - days * msPerDay)
            hour = msOfDay / 3_600_000
            minute = msOfDay / 60_000 % 60
            second = msOfDay / 1000 % 60
            millisecond = msOfDay % 1000
            weekday = Int(floorModulo(days + 4, 7))  // 1970-01-01 was a Thursday

            // Days to civil date: Howard Hinnant's algorithm, eras of 400 years from 0000-03-01.
            let z = days + 719_468
            let era = floorDivide(z, 146_097)
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
            let dayOfMarchYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let marchMonth = (5 * dayOfMarchYear + 2) / 153
            day = Int(dayOfMarchYear - (153 * marchMonth + 2) / 5 + 1)
            month = Int(marchMonth < 10 ? marchMonth + 3 : marchMonth - 9)
            year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            dayOfYear = Self.daysBeforeMonth[month - 1] + day + (leap && month > 2 ? 1 : 0)
        }
    }

    /// Appends ASCII to a buffer sized by `maxLength`.
    struct Output {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { for byte in $0 { append(byte) } }
        }

        /// Decimal, zero-padded to `width` digits, with a leading `-` when negative.
        mutating func append(_ value: Int64, width: Int = 1) {
            if value < 0 { append(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var digits = 0
            var probe = magnitude
            repeat { digits += 1; probe /= 10 } while probe > 0
            let length = max(digits, width)
            for position in stride(from: count + length - 1, through: count, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            count += length
        }

        mutating func append(_ value: Int, width: Int = 1) {
            append(Int64(value), width: width)
        }
    }
}

extension LogDateFormat.Token {
    private static let monthNames: [StaticString] = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let monthShortNames: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    private static let weekdayNames: [StaticString] = [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ]
    private static let weekdayShortNames: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let weekdayMinNames: [StaticString] = ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"]

    func write(_ f: LogDateFormat.Fields, to out: inout LogDateFormat.Output) {
        switch self {
        case .literal(let bytes): for byte in bytes { out.append(byte) }
        case .year4: out.append(f.year, width: 4)
        case .year2: out.append(floorModulo(f.year, 100), width: 2)
        case .monthLong: out.append(Self.monthNames[f.month - 1])
        case .monthShort: out.append(Self.monthShortNames[f.month - 1])
        case .month2: out.append(f.month, width: 2)
        case .month: out.append(f.month)
        case .dayOfYear3: out.append(f.dayOfYear, width: 3)
        case .dayOfYear: out.append(f.dayOfYear)
        case .day2: out.append(f.day, width: 2)
        case .day: out.append(f.day)
        case .weekdayLong: out.append(Self.weekdayNames[f.weekday])
        case .weekdayShort: out.append(Self.weekdayShortNames[f.weekday])
        case .weekdayMin: out.append(Self.weekdayMinNames[f.weekday])
        case .weekday: out.append(f.weekday)
        case .hour24Padded: out.append(f.hour, width: 2)
        case .hour24: out.append(f.hour)
        case .hour12Padded: out.append((f.hour + 11) % 12 + 1, width: 2)
        case .hour12: out.append((f.hour + 11) % 12 + 1)
        case .minute2: out.append(f.minute, width: 2)
        case .minute: out.append(f.minute)
        case .second2: out.append(f.second, width: 2)
        case .second: out.append(f.second)
        case .fraction(let digits):
            // Milliseconds as three digits, cut or padded with zeros to `digits` (moment.js).
            var ms = f.millisecond
            for position in 0..<digits {
                if position < 3 {
                    let scale = position == 0 ? 100 : position == 1 ? 10 : 1
                    out.append(UInt8(ascii: "0") + UInt8(ms / scale))
                    ms %= scale
                } else {
                    out.append(UInt8(ascii: "0"))
                }
            }
        case .meridiemUpper: out.append(f.hour < 12 ? "AM" : "PM")
        case .meridiemLower: out.append(f.hour < 12 ? "am" : "pm")
        case .offsetColon, .offsetCompact:
            let offsetMinutes = f.offsetSeconds / 60
            out.append(UInt8(ascii: offsetMinutes < 0 ? "-" : "+"))
            out.append(abs(offsetMinutes) / 60, width: 2)
            if self == .offsetColon { out.append(UInt8(ascii: ":")) }
            out.append(abs(offsetMinutes) % 60, width: 2)
        case .unixSeconds: out.append(floorDivide(f.epochMs, 1000))
        case .unixMillis: out.append(f.epochMs)
        }
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

private func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
    a - floorDivide(a, b) * b
}
