/// Why one value was rejected; the validator adds the file, position and path.
struct ValueProblem: Error, Equatable {
    var message: String
    var hint: String?

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    /// "expected WHAT, got FOUND" with the found value rendered short.
    static func expected(_ what: String, got value: EcosystemValue, hint: String? = nil) -> ValueProblem {
        ValueProblem("expected \(what), got \(value.shortDescription)", hint: hint)
    }
}
