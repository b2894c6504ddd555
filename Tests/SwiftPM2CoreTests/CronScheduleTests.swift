import Testing
@testable import SwiftPM2Core

@Suite struct CronScheduleTests {
    // MARK: - Parsing

    @Test func fieldsListsRangesAndSteps() throws {
        let s = try CronSchedule(parsing: "0,30 9-17/4 */10 * MON-FRI")
        #expect(values(s.minutes) == [0, 30])
        #expect(values(s.hours) == [9, 13, 17])
        #expect(values(s.daysOfMonth) == [1, 11, 21, 31])
        #expect(values(s.months) == Array(1...12))
        #expect(values(s.daysOfWeek) == [1, 2, 3, 4, 5])
        #expect(values(s.seconds) == [0])
        #expect(!s.hasSeconds)
        #expect(s.description == "0,30 9-17/4 */10 * MON-FRI")
    }

    @Test func stepFromAValueRunsToTheEndOfTheRange() throws {
        #expect(values(try CronSchedule(parsing: "5/15 * * * *").minutes) == [5, 20, 35, 50])
        #expect(values(try CronSchedule(parsing: "10-50/20 * * * *").minutes) == [10, 30, 50])
        #expect(values(try CronSchedule(parsing: "*/60 * * * *").minutes) == [0])
        #expect(values(try CronSchedule(parsing: "1-5,10-12,3 * * * *").minutes) == [1, 2, 3, 4, 5, 10, 11, 12])
    }

    @Test func namesAreCaseInsensitiveAndSundayIsZeroOrSeven() throws {
        #expect(values(try CronSchedule(parsing: "0 0 1 jan,Jul,DEC *").months) == [1, 7, 12])
        for sunday in ["0", "7", "sun", "SUN", "Sun"] {
            #expect(values(try CronSchedule(parsing: "0 0 * * \(sunday)").daysOfWeek) == [0])
        }
        #expect(values(try CronSchedule(parsing: "0 0 * * 5-7").daysOfWeek) == [0, 5, 6])
        #expect(values(try CronSchedule(parsing: "0 0 * * mon-sun").daysOfWeek) == [0, 1, 2, 3, 4, 5, 6])
        #expect(values(try CronSchedule(parsing: "0 0 * * SAT-0").daysOfWeek) == [0, 6])
        #expect(values(try CronSchedule(parsing: "0 0 * * 1-7").daysOfWeek) == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test func sixFieldsHaveSecondsFirst() throws {
        let s = try CronSchedule(parsing: "*/20 5 * * * *")
        #expect(s.hasSeconds)
        #expect(values(s.seconds) == [0, 20, 40])
        #expect(values(s.minutes) == [5])
    }

    @Test func macrosExpand() throws {
        let expected = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *", "@HOURLY": "0 * * * *"]
        for (macro, pattern) in expected {
            let a = try CronSchedule(parsing: macro)
            let b = try CronSchedule(parsing: pattern)
            #expect(fields(a) == fields(b), "\(macro)")
            #expect(a.description == macro)
        }
    }

    @Test func extraSpacesAndTabsAreAccepted() throws {
        #expect(fields(try CronSchedule(parsing: "  0\t3   * * *  ")) == fields(try CronSchedule(parsing: "0 3 * * *")))
    }

    @Test(arguments: [
        ("61 * * * *", "minute", "minute: 61 is out of range 0-59"),
        ("* 24 * * *", "hour", "hour: 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month", "day-of-month: 0 is out of range 1-31"),
        ("* * * 13 *", "month", "month: 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week", "day-of-week: 8 is out of range 0-7"),
        ("60 * * * * *", "second", "second: 60 is out of range 0-59"),
        ("*/0 * * * *", "minute", "minute: step \"0\" in \"*/0\" must be a whole number of at least 1"),
        ("1-5/x * * * *", "minute", "minute: step \"x\" in \"1-5/x\" must be a whole number of at least 1"),
        ("5-2 * * * *", "minute", "minute: range \"5-2\" goes backwards"),
        ("* * * * FRI-MON", "day-of-week", "day-of-week: range \"FRI-MON\" goes backwards"),
        ("1,,2 * * * *", "minute", "minute: empty item in \"1,,2\""),
        ("* * * FOO *", "month", "month: \"FOO\" is not a number 1-12 or a name JAN-DEC"),
        ("* * * * MONDAY", "day-of-week", "day-of-week: \"MONDAY\" is not a number 0-7 or a name SUN-SAT"),
        ("* * JAN * ", nil, "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 4 fields"),
        ("+5 * * * *", "minute", "minute: \"+5\" is not a number 0-59"),
        ("-5 * * * *", "minute", "minute: \"-5\" is not a number 0-59"),
    ] as [(String, String?, String)])
    func invalidFieldsAreNamed(pattern: String, field: String?, message: String) {
        #expect(throws: CronSyntaxError(field: field, message: message, hint: error(pattern)?.hint)) {
            try CronSchedule(parsing: pattern)
        }
    }

    @Test func wrongNumberOfFields() {
        #expect(error("* * *")?.message
            == "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 3 fields")
        #expect(error("* * *")?.hint == "e.g. \"0 3 * * *\" for 03:00 every day")
        #expect(error("* * * * * * *")?.message.hasSuffix("got 7 fields") == true)
        #expect(error("")?.message.hasSuffix("got an empty pattern") == true)
        #expect(error("*")?.message.hasSuffix("got 1 field") == true)
    }

    @Test func unsupportedSyntaxSaysSo() {
        #expect(error("0 0 L * *")?.hint == "L, W, # and ? (Quartz and croner extensions) are not supported")
        #expect(error("0 0 * * 5#2")?.field == "day-of-week")
        #expect(error("0 0 ? * MON")?.hint != nil)
        #expect(error("@reboot")?.message == "unknown macro @reboot")
        #expect(error("@every 5m")?.message.hasPrefix("expected 5 fields") == true)
    }

    @Test func patternsThatNeverFireAreRejected() throws {
        #expect(error("0 0 30 2 *")?.message == "day-of-month: never fires: no month in the month field has such a day")
        #expect(error("0 0 31 4,6,9,11 *")?.field == "day-of-month")
        // Either day field may match: Mondays in April exist.
        _ = try CronSchedule(parsing: "0 0 31 4 MON")
        _ = try CronSchedule(parsing: "0 0 29 2 *")
        _ = try CronSchedule(parsing: "0 0 30,31 2,3 *")
    }

    @Test func ecosystemValueGivesAValueProblem() throws {
        #expect(throws: ValueProblem("minute: 61 is out of range 0-59")) {
            try CronSchedule.ecosystemValue(.string("61 * * * *"))
        }
        #expect(throws: ValueProblem.expected("a string", got: .int(5))) {
            try CronSchedule.ecosystemValue(.int(5))
        }
        #expect(try CronSchedule.ecosystemValue(.string("@daily")).source == "@daily")
    }

    // MARK: - Next fire, UTC

    @Test func nextIsStrictlyAfter() throws {
        let s = try CronSchedule(parsing: "*/15 * * * *")
        #expect(s.nextFire(after: utc("2024-05-01 10:07:30")) == utc("2024-05-01 10:15:00"))
        #expect(s.nextFire(after: utc("2024-05-01 10:15:00")) == utc("2024-05-01 10:30:00"))
        #expect(s.nextFire(after: utc("2024-05-01 23:59:59")) == utc("2024-05-02 00:00:00"))
    }

    @Test func secondsFieldFiresWithinSeconds() throws {
        let s = try CronSchedule(parsing: "*/2 * * * * *")
        #expect(s.nextFire(after: utc("2024-05-01 12:00:00")) == utc("2024-05-01 12:00:02"))
        #expect(s.nextFire(after: utc("2024-05-01 12:00:59")) == utc("2024-05-01 12:01:00"))
        #expect(s.nextFire(after: utc("2024-12-31 23:59:59")) == utc("2025-01-01 00:00:00"))
    }

    @Test func leapDays() throws {
        let s = try CronSchedule(parsing: "0 0 29 2 *")
        #expect(s.nextFire(after: utc("2023-03-01 00:00:00")) == utc("2024-02-29 00:00:00"))
        #expect(s.nextFire(after: utc("2024-02-29 00:00:00")) == utc("2028-02-29 00:00:00"))
        // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
        #expect(s.nextFire(after: utc("2097-01-01 00:00:00")) == utc("2104-02-29 00:00:00"))
        #expect(s.nextFire(after: utc("1999-01-01 00:00:00")) == utc("2000-02-29 00:00:00"))
    }

    @Test func monthEndsSkipShortMonths() throws {
        let s = try CronSchedule(parsing: "0 12 31 * *")
        #expect(fires(s, after: "2024-01-31 12:00:00", count: 4)
            == ["2024-03-31 12:00:00", "2024-05-31 12:00:00", "2024-07-31 12:00:00", "2024-08-31 12:00:00"])
        let thirtieth = try CronSchedule(parsing: "0 0 30 * *")
        #expect(fires(thirtieth, after: "2023-01-30 00:00:00", count: 2) == ["2023-03-30 00:00:00", "2023-04-30 00:00:00"])
    }

    @Test func yearRollsOver() throws {
        let s = try CronSchedule(parsing: "@yearly")
        #expect(s.nextFire(after: utc("2024-06-01 00:00:00")) == utc("2025-01-01 00:00:00"))
        let december = try CronSchedule(parsing: "0 0 * DEC *")
        #expect(december.nextFire(after: utc("2024-12-31 00:00:00")) == utc("2025-12-01 00:00:00"))
    }

    @Test func eitherDayFieldMatchesWhenBothAreRestricted() throws {
        // September 2024: Fridays are the 6th, 13th, 20th, 27th; the 13th is one of them.
        let s = try CronSchedule(parsing: "0 0 13,16 * FRI")
        #expect(fires(s, after: "2024-09-01 00:00:00", count: 5)
            == ["2024-09-06 00:00:00", "2024-09-13 00:00:00", "2024-09-16 00:00:00", "2024-09-20 00:00:00", "2024-09-27 00:00:00"])
    }

    @Test func starredDayFieldMeansBothMustMatch() throws {
        // Mondays of September 2024: 2, 9, 16, 23, 30; odd days among them: 9 and 23.
        let s = try CronSchedule(parsing: "0 0 */2 * MON")
        #expect(fires(s, after: "2024-09-01 00:00:00", count: 3)
            == ["2024-09-09 00:00:00", "2024-09-23 00:00:00", "2024-10-07 00:00:00"])
        let sundays = try CronSchedule(parsing: "0 0 * * 7")
        #expect(fires(sundays, after: "2024-09-01 00:00:00", count: 2) == ["2024-09-08 00:00:00", "2024-09-15 00:00:00"])
    }

    @Test func stepRangesOfHours() throws {
        let s = try CronSchedule(parsing: "0 9-17/4 * * *")
        #expect(fires(s, after: "2024-05-01 08:00:00", count: 4)
            == ["2024-05-01 09:00:00", "2024-05-01 13:00:00", "2024-05-01 17:00:00", "2024-05-02 09:00:00"])
    }

    @Test func agreesWithMinuteByMinuteMatching() throws {
        let patterns = ["*/7 * * * *", "0 */5 * * *", "15 10 1,15 * *", "0 0 13 * FRI", "30 6 * JAN,MAR MON-WED",
                        "0 0 */3 * SUN", "5-10/2 22 * * 6", "0 12 29-31 * *", "0 0 L,1 * *"]
        let start = utc("2024-01-25 00:00:00")
        let end = start + 40 * 86400
        for pattern in patterns {
            guard let s = try? CronSchedule(parsing: pattern) else {
                #expect(pattern == "0 0 L,1 * *")
                continue
            }
            var expected: [Int64] = []
            var t = start + 60
            while t <= end {
                if s.matches(wall: t + 3600) { expected.append(t) }
                t += 60
            }
            var got: [Int64] = []
            var from = start
            while let next = s.nextFire(after: from, utcOffsetSeconds: 3600), next <= end {
                got.append(next)
                from = next
            }
            #expect(got == expected, "\(pattern)")
        }
    }

    // MARK: - Next fire, offsets and DST

    @Test func fixedOffsets() throws {
        let s = try CronSchedule(parsing: "30 2 * * *")
        #expect(s.nextFire(after: utc("2024-05-01 00:00:00"), utcOffsetSeconds: 3600) == utc("2024-05-01 01:30:00"))
        let nine = try CronSchedule(parsing: "0 9 * * *")
        #expect(nine.nextFire(after: utc("2024-05-01 00:00:00"), utcOffsetSeconds: -5 * 3600) == utc("2024-05-01 14:00:00"))
        // 23:00 in UTC-5 is the next day in UTC; the day fields apply to the local date.
        let friday = try CronSchedule(parsing: "0 23 * * FRI")
        #expect(friday.nextFire(after: utc("2024-09-01 00:00:00"), utcOffsetSeconds: -5 * 3600) == utc("2024-09-07 04:00:00"))
    }

    @Test func springForwardSkipsTheMissingTime() throws {
        // Paris 2024: 02:00 CET became 03:00 CEST on 31 March at 01:00 UTC.
        let daily = try CronSchedule(parsing: "30 2 * * *")
        #expect(daily.nextFire(after: utc("2024-03-30 12:00:00"), utcOffset: paris) == utc("2024-04-01 00:30:00"))
        let hourly = try CronSchedule(parsing: "0 * * * *")
        #expect(fires(hourly, after: "2024-03-30 23:30:00", count: 3, offset: paris)
            == ["2024-03-31 00:00:00", "2024-03-31 01:00:00", "2024-03-31 02:00:00"])
    }

    @Test func fallBackFiresTheRepeatedTimeTwice() throws {
        // Paris 2024: 03:00 CEST became 02:00 CET on 27 October at 01:00 UTC.
        let daily = try CronSchedule(parsing: "30 2 * * *")
        #expect(fires(daily, after: "2024-10-26 12:00:00", count: 3, offset: paris)
            == ["2024-10-27 00:30:00", "2024-10-27 01:30:00", "2024-10-28 01:30:00"])
        let hourly = try CronSchedule(parsing: "0 * * * *")
        #expect(fires(hourly, after: "2024-10-26 23:30:00", count: 3, offset: paris)
            == ["2024-10-27 00:00:00", "2024-10-27 01:00:00", "2024-10-27 02:00:00"])
    }

    @Test func yearlyAcrossBothChangesUsesTheOffsetOfTheDay() throws {
        let s = try CronSchedule(parsing: "0 12 1 7 *")
        #expect(s.nextFire(after: utc("2024-01-15 00:00:00"), utcOffset: paris) == utc("2024-07-01 10:00:00"))
        let winter = try CronSchedule(parsing: "0 12 1 1 *")
        #expect(winter.nextFire(after: utc("2024-02-01 00:00:00"), utcOffset: paris) == utc("2025-01-01 11:00:00"))
    }

    // MARK: - Calendar

    @Test func civilDaysRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilTime(days: days)
            #expect(date.days == days)
        }
        #expect(CivilTime(days: 0) == CivilTime(year: 1970, month: 1, day: 1))
        #expect(CivilTime(year: 2000, month: 3, day: 1).days - CivilTime(year: 2000, month: 2, day: 28).days == 2)
        #expect(CivilTime.weekday(days: 0) == 4)
        #expect(CivilTime.weekday(days: -1) == 3)
        #expect(CivilTime.split(-1, by: 86400) == (-1, 86399))
    }
}

// MARK: - Helpers

private func values(_ field: CronField) -> [Int] {
    (0..<64).filter { field.contains($0) }
}

private func fields(_ s: CronSchedule) -> [UInt64] {
    [s.seconds.bits, s.minutes.bits, s.hours.bits, s.daysOfMonth.bits, s.months.bits, s.daysOfWeek.bits]
}

private func error(_ pattern: String) -> CronSyntaxError? {
    do {
        _ = try CronSchedule(parsing: pattern)
        return nil
    } catch {
        return error
    }
}

/// "YYYY-MM-DD hh:mm:ss" in UTC → seconds since the epoch.
private func utc(_ text: String) -> Int64 {
    let n = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int64($0)! }
    return CivilTime(year: n[0], month: Int(n[1]), day: Int(n[2])).days * 86400 + n[3] * 3600 + n[4] * 60 + n[5]
}

private func format(_ t: Int64) -> String {
    let (days, second) = CivilTime.split(t, by: 86400)
    let d = CivilTime(days: days)
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(d.year)-\(two(Int64(d.month)))-\(two(Int64(d.day))) \(two(second / 3600)):\(two(second % 3600 / 60)):\(two(second % 60))"
}

private func fires(_ s: CronSchedule, after start: String, count: Int, offset: (Int64) -> Int = { _ in 0 }) -> [String] {
    var result: [String] = []
    var from = utc(start)
    while result.count < count, let next = s.nextFire(after: from, utcOffset: offset) {
        result.append(format(next))
        from = next
    }
    return result
}

/// Europe/Paris in 2024: CEST (+2) from 31 March 01:00 UTC to 27 October 01:00 UTC, else CET.
private func paris(_ t: Int64) -> Int {
    t >= utc("2024-03-31 01:00:00") && t < utc("2024-10-27 01:00:00") ? 7200 : 3600
}
