/// A problem in an app's `health` object, with the sub-key it is about, so that the validator
/// can point at `apps[0].health.interval` rather than at the whole object.
struct HealthKeyProblem: Error, Equatable {
    /// The sub-key (`interval`), or nil when the problem is the `health` value as a whole.
    var key: String?
    /// True when the key itself is wrong (unknown, or one too many), not its value.
    var atKey: Bool
    var problem: ValueProblem

    init(_ key: String?, atKey: Bool = false, _ problem: ValueProblem) {
        self.key = key
        self.atKey = atKey
        self.problem = problem
    }

    /// The problem as one ``ValueProblem`` about the `health` value: the sub-key leads the
    /// message of a value problem (a key problem names its key already).
    var flattened: ValueProblem {
        guard let key, !atKey else { return problem }
        return ValueProblem("`\(key)`: \(problem.message)", hint: problem.hint)
    }
}
