extension CronSchedule {
    /// How far ahead a fire is searched: 10 years covers every valid pattern (29 February comes
    /// at least every 8 years).
    static let horizonDays: Int64 = 3660

    /// The first local wall-clock time at or after `start` that matches, in wall seconds.
    func nextWall(atOrAfter start: Int64) -> Int64? {
        var (days, secondOfDay) = CivilTime.split(start, by: 86400)
        var hour = Int(secondOfDay / 3600)
        var minute = Int(secondOfDay % 3600 / 60)
        var second = Int(secondOfDay % 60)
        let limit = days + Self.horizonDays
        while days <= limit {
            let date = CivilTime(days: days)
            guard months.contains(date.month) else {
                // The first day of the next allowed month.
                let nextMonth = months.next(atOrAfter: date.month + 1)
                let first = nextMonth.map { CivilTime(year: date.year, month: $0, day: 1) }
                    ?? CivilTime(year: date.year + 1, month: months.next(atOrAfter: 1) ?? 1, day: 1)
                days = first.days
                (hour, minute, second) = (0, 0, 0)
                continue
            }
            guard dayMatches(date, days: days), let h = hours.next(atOrAfter: hour) else {
                days += 1
                (hour, minute, second) = (0, 0, 0)
                continue
            }
            if h != hour { (hour, minute, second) = (h, 0, 0) }
            guard let m = minutes.next(atOrAfter: minute) else {
                (hour, minute, second) = (hour + 1, 0, 0)
                if hour == 24 { days += 1; hour = 0 }
                continue
            }
            if m != minute { (minute, second) = (m, 0) }
            guard let s = seconds.next(atOrAfter: second) else {
                (minute, second) = (minute + 1, 0)
                if minute == 60 { (hour, minute) = (hour + 1, 0) }
                if hour == 24 { days += 1; hour = 0 }
                continue
            }
            return days * 86400 + Int64(hour * 3600 + minute * 60 + s)
        }
        return nil
    }

    /// The first instant in (`from`, `through`] whose offset differs from `offset`, if any.
    /// The offset is probed every 6 hours, then the change is found by bisection.
    static func firstOffsetChange(from: Int64, through: Int64, offset: Int64, _ utcOffset: (Int64) -> Int) -> Int64? {
        let step: Int64 = 6 * 3600
        var low = from
        while low < through {
            let high = min(low + step, through)
            if Int64(utcOffset(high)) != offset {
                var (same, changed) = (low, high)
                while changed - same > 1 {
                    let middle = same + (changed - same) / 2
                    if Int64(utcOffset(middle)) == offset { same = middle } else { changed = middle }
                }
                return changed
            }
            low = high
        }
        return nil
    }
}
