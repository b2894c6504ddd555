/// A `cron_restart` schedule: a cron pattern, and the next time it fires after a given instant.
///
/// ## Syntax
///
/// Five fields separated by spaces, or six with a leading seconds field (as PM2's cron library
/// accepts):
///
/// ```text
/// ┌──────────── second        0-59  (only in the six-field form; five fields fire at second 0)
/// │ ┌────────── minute        0-59
/// │ │ ┌──────── hour          0-23
/// │ │ │ ┌────── day of month  1-31
/// │ │ │ │ ┌──── month         1-12 or JAN-DEC
/// │ │ │ │ │ ┌── day of week   0-7 or SUN-SAT (0 and 7 are both Sunday)
/// * * * * * *
/// ```
///
/// Each field is `*` (every value), a value (`5`, `MON`), a range (`1-5`, `MON-FRI`), a step
/// over the whole range (`*/15`), over a range (`10-50/20` = 10, 30, 50) or from a value to the
/// end (`5/15` = 5, 20, 35, 50), or a list of those (`0,30`, `1-5,10-15`). Names are
/// case-insensitive; a range must go upwards (`FRI-MON` is an error), except that a day-of-week
/// range may end on Sunday written `SUN` or `0` (`MON-SUN`).
///
/// Day of month and day of week: when **both** are restricted, a day matches when **either**
/// does (`0 0 1 * MON`: the 1st of each month and every Monday). A field that starts with `*`
/// (`*`, `*/2`) is not restricted, as in Vixie cron and cronie: then only the other field
/// decides, and `0 0 */2 * MON` is "Mondays that fall on an odd day of the month".
///
/// Macros: `@yearly` and `@annually` (`0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly`
/// (`0 0 * * 0`), `@daily` and `@midnight` (`0 0 * * *`), `@hourly` (`0 * * * *`).
///
/// Not supported: `L`, `W`, `#`, `?`, `@reboot`, and `@every`. A pattern that can never fire
/// (`0 0 30 2 *`, February 30th) is rejected.
///
/// ## Time zones and daylight saving time
///
/// Fields are matched against local wall-clock time, the local offset from UTC being an input
/// (`utcOffset`: seconds east of UTC at an instant, e.g. `LogDateFormat.localUTCOffsetSeconds`),
/// so that the computation is pure and testable. The schedule fires at every instant whose local
/// time matches, as PM2's cron library does, so when the clocks change:
///
/// - going forward (02:00 → 03:00), a time in the skipped hour does not exist and does not fire
///   that day (`30 2 * * *` skips the night of the change);
/// - going back (03:00 → 02:00), a time in the repeated hour exists twice and fires twice.
///
/// Choose times outside 01:00-03:00 (or run the daemon in UTC) for exactly one run a day.
/// Offset changes are found by probing the offset every 6 hours between two fires, so zones that
/// change offset twice within 6 hours are not handled exactly (none does).
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let source: String
    /// The pattern has a seconds field (six fields).
    public let hasSeconds: Bool

    let seconds: CronField
    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    public var description: String { source }

    /// Parses a pattern.
    /// - Throws: `CronSyntaxError` naming the field at fault and why.
    public init(parsing text: String) throws(CronSyntaxError) {
        source = text
        let fields = try Self.fields(of: text)
        hasSeconds = fields.count == 6
        let offset = hasSeconds ? 1 : 0
        seconds = hasSeconds ? try CronField(parsing: fields[0], as: .second) : CronField(bits: 1, isStar: false)
        minutes = try CronField(parsing: fields[offset], as: .minute)
        hours = try CronField(parsing: fields[offset + 1], as: .hour)
        daysOfMonth = try CronField(parsing: fields[offset + 2], as: .dayOfMonth)
        months = try CronField(parsing: fields[offset + 3], as: .month)
        daysOfWeek = try CronField(parsing: fields[offset + 4], as: .dayOfWeek)
        try checkCanFire()
    }

    /// The first instant strictly after `epochSeconds` at which the schedule fires, in seconds
    /// since the Unix epoch; nil when there is none within 10 years.
    /// - Parameter utcOffset: the local offset from UTC (seconds east) in force at an instant.
    public func nextFire(after epochSeconds: Int64, utcOffset: (Int64) -> Int) -> Int64? {
        var from = epochSeconds + 1
        // Each round either returns or moves `from` past one change of offset.
        for _ in 0..<64 {
            let offset = Int64(utcOffset(from))
            guard let wall = nextWall(atOrAfter: from + offset) else { return nil }
            let candidate = wall - offset
            guard let change = Self.firstOffsetChange(from: from, through: candidate, offset: offset, utcOffset) else {
                return candidate
            }
            from = change
        }
        return nil
    }

    /// `nextFire(after:utcOffset:)` with a fixed offset (0: UTC).
    public func nextFire(after epochSeconds: Int64, utcOffsetSeconds: Int = 0) -> Int64? {
        nextFire(after: epochSeconds) { _ in utcOffsetSeconds }
    }

    /// Whether a local wall-clock time (seconds since 1970-01-01 00:00 local) matches.
    func matches(wall: Int64) -> Bool {
        let (days, secondOfDay) = CivilTime.split(wall, by: 86400)
        let date = CivilTime(days: days)
        return months.contains(date.month) && dayMatches(date, days: days)
            && hours.contains(Int(secondOfDay / 3600)) && minutes.contains(Int(secondOfDay % 3600 / 60))
            && seconds.contains(Int(secondOfDay % 60))
    }

    /// The day rule: both day fields restricted → either matches; else both (one is `*`).
    func dayMatches(_ date: CivilTime, days: Int64) -> Bool {
        let byDate = daysOfMonth.contains(date.day)
        let byWeekday = daysOfWeek.contains(CivilTime.weekday(days: days))
        if daysOfMonth.isStar || daysOfWeek.isStar { return byDate && byWeekday }
        return byDate || byWeekday
    }
}
