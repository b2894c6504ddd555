/// The line under the table that tells the result of the last action.
public struct MonitStatus: Sendable, Equatable {
    public enum Kind: Sendable { case info, success, failure }
    public var text: String
    public var kind: Kind

    public init(_ text: String, _ kind: Kind = .info) {
        self.text = text
        self.kind = kind
    }
}
