/// Everything wrong with an ecosystem document, thrown by ``Ecosystem``.
public struct EcosystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// All problems found, in document order (not just the first).
    public var issues: [EcosystemIssue]

    public init(issues: [EcosystemIssue]) {
        self.issues = issues
    }

    /// One issue: the shape of every syntax error.
    init(_ issue: EcosystemIssue) {
        self.issues = [issue]
    }

    /// The issues, one a line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
