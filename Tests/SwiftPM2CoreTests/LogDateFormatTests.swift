import Testing
@testable import SwiftPM2Core

@Suite struct LogDateFormatTests {
    /// 2024-03-05 14:07:09.045 UTC, a Tuesday, day 65 of a leap year.
    static let tuesday: Int64 = 1_709_647_629_045
    /// 2024-02-29 23:30:00.000 UTC.
    static let leapDayNight: Int64 = 1_709_249_400_000
    /// 1960-07-04 09:05:03.000 UTC, a Monday, day 186.
    static let before1970: Int64 = -299_602_497_000

    private func format(_ pattern: String, _ epochMs: Int64 = tuesday, offset: Int = 0) -> String {
        LogDateFormat(pattern).format(epochMs: epochMs, utcOffsetSeconds: offset)
    }

    @Test(arguments: [
        ("YYYY", "2024"), ("YY", "24"),
        ("MMMM", "March"), ("MMM", "Mar"), ("MM", "03"), ("M", "3"),
        ("DDDD", "065"), ("DDD", "65"), ("DD", "05"), ("D", "5"),
        ("dddd", "Tuesday"), ("ddd", "Tue"), ("dd", "Tu"), ("d", "2"),
        ("HH", "14"), ("H", "14"), ("hh", "02"), ("h", "2"),
        ("mm", "07"), ("m", "7"), ("ss", "09"), ("s", "9"),
        ("SSS", "045"), ("SS", "04"), ("S", "0"), ("SSSSSS", "045000"),
        ("A", "PM"), ("a", "pm"), ("Z", "+00:00"), ("ZZ", "+0000"),
        ("X", "1709647629"), ("x", "1709647629045"),
    ])
    func everyTokenInUTC(pattern: String, expected: String) {
        #expect(format(pattern) == expected)
    }

    @Test func pm2DefaultLikePatterns() {
        #expect(format("YYYY-MM-DD HH:mm:ss Z", offset: 3600) == "2024-03-05 15:07:09 +01:00")
        #expect(format("YYYY-MM-DDTHH:mm:ss.SSSZZ", offset: -5 * 3600) == "2024-03-05T09:07:09.045-0500")
        #expect(format("h:mm A", offset: -14 * 3600) == "12:07 AM")
    }

    @Test func offsetsWithMinutes() {
        #expect(format("Z ZZ", offset: 5 * 3600 + 1800) == "+05:30 +0530")
        #expect(format("Z ZZ", offset: -(9 * 3600 + 1800)) == "-09:30 -0930")
        #expect(format("HH:mm", offset: 5 * 3600 + 1800) == "19:37")
    }

    @Test func offsetMovesTheDateAcrossMidnightAndMonths() {
        #expect(format("YYYY-MM-DD HH:mm dddd DDD", Self.leapDayNight, offset: 3600) == "2024-03-01 00:30 Friday 61")
        #expect(format("YYYY-MM-DD HH:mm dddd DDD", Self.leapDayNight, offset: -5 * 3600) == "2024-02-29 18:30 Thursday 60")
    }

    @Test func instantsBefore1970() {
        #expect(format("YYYY-MM-DD HH:mm:ss.SSS dddd DDD", Self.before1970) == "1960-07-04 09:05:03.000 Monday 186")
        #expect(format("X x", Self.before1970) == "-299602497 -299602497000")
        #expect(format("YYYY-MM-DD HH:mm:ss.SSS X x", -1) == "1969-12-31 23:59:59.999 -1 -1")
        #expect(format("X", -1_500) == "-2")
    }

    @Test func unixTokensIgnoreTheOffset() {
        #expect(format("X x", offset: 7200) == "1709647629 1709647629045")
    }

    @Test func twelveHourClockAroundNoonAndMidnight() {
        let midnight: Int64 = 1_709_596_800_000  // 2024-03-05 00:00:00 UTC
        #expect(format("h hh A a", midnight) == "12 12 AM am")
        #expect(format("h hh A a", midnight + 12 * 3_600_000) == "12 12 PM pm")
        #expect(format("h hh A", midnight + 13 * 3_600_000) == "1 01 PM")
        #expect(format("H HH", midnight + 9 * 3_600_000) == "9 09")
    }

    @Test func bracketsAndBackslashAreLiteral() {
        #expect(format("[Today is] dddd") == "Today is Tuesday")
        #expect(format("YYYY [YYYY MM]") == "2024 YYYY MM")
        #expect(format("\\H\\H HH") == "HH 14")
        // An unclosed `[` is itself literal and what follows is still parsed (as moment.js).
        #expect(format("[unclosed YYYY") == "[unclo9e2 2024")
        #expect(format("[a[b]") == "[pmb")
    }

    @Test func unknownLettersAndTextPassThrough() {
        #expect(format("Q-W-y-Y-k") == "Q-W-y-Y-k")
        #expect(format("YYYY年MM月DD日") == "2024年03月05日")
        #expect(format("") == "")
        #expect(format("YYYYY") == "2024Y")
    }

    @Test func longTokenRunsSplitGreedily() {
        #expect(format("MMMMM") == "March3")
        #expect(format("ssss") == "0909")
    }

    @Test func parsesOnce() {
        let f = LogDateFormat("YYYY-MM-DD [at] HH:mm")
        #expect(f.pattern == "YYYY-MM-DD [at] HH:mm")
        #expect(f.format(epochMs: Self.tuesday, utcOffsetSeconds: 0) == "2024-03-05 at 14:07")
        #expect(f.format(epochMs: Self.leapDayNight, utcOffsetSeconds: 0) == "2024-02-29 at 23:30")
    }

    @Test func localOffsetIsWithinFourteenHours() {
        let offset = LogDateFormat.localUTCOffsetSeconds(atEpochSeconds: Self.tuesday / 1000)
        #expect(abs(offset) <= 14 * 3600)
    }
}
