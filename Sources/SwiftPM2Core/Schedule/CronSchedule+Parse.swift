extension CronSchedule {
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// The pattern's fields, a macro expanded.
    static func fields(of text: String) throws(CronSyntaxError) -> [Substring] {
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if trimmed.count == 1, trimmed[0].hasPrefix("@") {
            guard let expansion = macros[trimmed[0].lowercased()] else {
                throw CronSyntaxError(field: nil, message: "unknown macro \(trimmed[0])",
                                      hint: "use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
            }
            return expansion.split(separator: " ")
        }
        guard trimmed.count == 5 || trimmed.count == 6 else {
            let got = trimmed.isEmpty ? "an empty pattern" : "\(trimmed.count) field\(trimmed.count == 1 ? "" : "s")"
            throw CronSyntaxError(
                field: nil, message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got \(got)",
                hint: "e.g. \"0 3 * * *\" for 03:00 every day")
        }
        return trimmed
    }

    /// Rejects a day-of-month that no allowed month has (`0 0 30 2 *`, `0 0 31 4,6 *`), when
    /// the day of week cannot make up for it.
    func checkCanFire() throws(CronSyntaxError) {
        guard !daysOfMonth.isStar, daysOfWeek.isStar else { return }
        for month in 1...12 where months.contains(month) {
            // February may have 29 days; a leap year comes.
            let last = month == 2 ? 29 : CivilTime.daysIn(month: month, year: 2001)
            if let day = daysOfMonth.next(atOrAfter: 1), day <= last { return }
        }
        throw CronSyntaxError(field: "day-of-month",
                              message: "day-of-month: never fires: no month in the month field has such a day",
                              hint: "check the day of month against the months (e.g. there is no 30 February)")
    }
}
