/// One instance slot: an app id and an instance number. A slot outlives its processes.
public struct InstanceKey: Hashable, Sendable, CustomStringConvertible {
    public var appId: Int
    public var index: Int

    public init(appId: Int, index: Int) {
        self.appId = appId
        self.index = index
    }

    public var description: String { "\(appId)/\(index)" }
}
