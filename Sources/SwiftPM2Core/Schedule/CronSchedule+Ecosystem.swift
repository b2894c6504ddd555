extension CronSchedule {
    /// Reads `cron_restart` from an ecosystem file: a non-empty string that parses, or a
    /// `ValueProblem` with the parser's message and hint (for `AppValidator.take`).
    static func ecosystemValue(_ value: EcosystemValue) throws(ValueProblem) -> CronSchedule {
        let text = try ValueFormats.string(value)
        do {
            return try CronSchedule(parsing: text)
        } catch {
            throw ValueProblem(error.message, hint: error.hint)
        }
    }
}
