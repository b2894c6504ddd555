/// The user and group a system unit runs the daemon as (`User=`, and `SocketUser=`/
/// `SocketGroup=` so that this user's CLI may connect). Absent: root.
public struct UnitAccount: Sendable, Equatable {
    public var user: String
    public var group: String

    public init(user: String, group: String) {
        self.user = user
        self.group = group
    }
}
