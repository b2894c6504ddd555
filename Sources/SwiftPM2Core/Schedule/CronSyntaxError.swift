/// Why a cron pattern was rejected: one sentence naming the field and the reason, and a hint.
///
/// Core's `ValueProblem` is internal to the ecosystem reader; this is its public counterpart for
/// callers outside Core. `CronSchedule.ecosystemValue` turns it into a `ValueProblem`.
public struct CronSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault (`minute`, `day-of-week`, ...); nil for the pattern as a whole.
    public var field: String?
    /// e.g. `minute: 61 is out of range 0-59`.
    public var message: String
    public var hint: String?

    public init(field: String?, message: String, hint: String? = nil) {
        self.field = field
        self.message = message
        self.hint = hint
    }

    public var description: String { message }
}
