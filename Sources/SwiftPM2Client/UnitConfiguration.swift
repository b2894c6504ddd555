/// Everything that differs between one pair of swiftpm2d units and another: the packaged ones
/// in `systemd/` and the ones `swiftpm2 startup` writes for this machine come from the same
/// rendering (`UnitFile.service`, `UnitFile.socket`), with different values here.
public struct UnitConfiguration: Sendable, Equatable {
    public var scope: UnitScope
    /// The daemon's executable (`@BINDIR@/swiftpm2d` in the packaged units).
    public var daemonPath: String
    public var home: UnitHome
    /// System units only: who the daemon runs as; nil for root.
    public var account: UnitAccount?

    public init(scope: UnitScope, daemonPath: String, home: UnitHome, account: UnitAccount? = nil) {
        self.scope = scope
        self.daemonPath = daemonPath
        self.home = home
        self.account = scope == .system ? account : nil
    }

    /// The units of `systemd/` (installed by `make install`, which replaces `@BINDIR@`): the
    /// system daemon runs as root in `/var/lib/swiftpm2`, a user's in `~/.swiftpm2`.
    public static func packaged(_ scope: UnitScope) -> UnitConfiguration {
        UnitConfiguration(scope: scope, daemonPath: "@BINDIR@/swiftpm2d",
                          home: scope == .system ? .stateDirectory("swiftpm2") : .userDefault)
    }

    /// The placeholder of the packaged units for the folder of the installed binaries.
    public static let binDirectoryPlaceholder = "@BINDIR@"

    /// Why these values cannot make working units, or nil when they can. Only for concrete
    /// paths (`startup`), not the packaged placeholders.
    public func problem() -> String? {
        if let p = UnitText.problem(with: daemonPath, what: "the daemon's path") { return p }
        if case .path(let home) = home {
            if let p = UnitText.problem(with: home, what: "SWIFTPM2_HOME") { return p }
            // sockaddr_un holds 108 bytes with the terminating zero.
            let socket = home + "/daemon.sock"
            if socket.utf8.count > 107 {
                return "the control socket \(socket) is \(socket.utf8.count) bytes long, more than the 107 a Unix socket path may have; choose a shorter SWIFTPM2_HOME"
            }
        }
        return nil
    }
}
