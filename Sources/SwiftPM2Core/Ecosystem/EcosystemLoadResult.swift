/// The apps of a valid ecosystem document, and what the user should hear about it.
public struct EcosystemLoadResult: Sendable {
    /// The apps, in document order, resolved and ready to run.
    public var apps: [AppSpec]
    /// One line each, like `apps[0].node_args: ignored by swiftpm2 (Node.js-only)`.
    public var warnings: [String]

    public init(apps: [AppSpec], warnings: [String]) {
        self.apps = apps
        self.warnings = warnings
    }
}
