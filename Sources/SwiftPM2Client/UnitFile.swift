/// One systemd unit file: its name (`swiftpm2d.service`) and its text.
public struct UnitFile: Sendable, Equatable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    public static let serviceName = "swiftpm2d.service"
    public static let socketName = "swiftpm2d.socket"

    /// The pair for `configuration`, socket first (the order to enable and start them in).
    public static func units(_ configuration: UnitConfiguration) -> [UnitFile] {
        [socket(configuration), service(configuration)]
    }

    /// The comment every unit starts with.
    static let header = """
        # swiftpm2d, the daemon of the swiftpm2 process manager, under systemd.
        # docs/systemd.md explains every setting; change them with a drop-in
        # (`systemctl [--user] edit swiftpm2d.service`) rather than here. `swiftpm2 startup`
        # writes units for one machine from the same template; `swiftpm2 unstartup` removes them.
        """
}
