/// Calendar arithmetic on "wall" seconds: seconds since 1970-01-01 00:00 of a clock without
/// time zone, proleptic Gregorian. Pure integer maths (Howard Hinnant's days/civil algorithms).
struct CivilTime: Sendable, Equatable {
    var year: Int64
    /// 1-12.
    var month: Int
    /// 1-31.
    var day: Int

    /// The date `days` days after 1970-01-01 (negative: before).
    init(days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    init(year: Int64, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days after 1970-01-01.
    var days: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 0 = Sunday ... 6 = Saturday, for a day count after 1970-01-01 (a Thursday).
    static func weekday(days: Int64) -> Int {
        Int(((days + 4) % 7 + 7) % 7)
    }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Floor division and remainder by a positive divisor.
    static func split(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
        return (q, value - q * divisor)
    }
}
