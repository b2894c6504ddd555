/// Which service manager a pair of swiftpm2d units is for: the machine's (`systemctl`), or a
/// user's own (`systemctl --user`).
public enum UnitScope: String, Sendable, CaseIterable {
    case system
    case user

    /// What `systemctl` needs before its verb for this scope.
    public var systemctlArguments: [String] {
        self == .user ? ["--user"] : []
    }

    /// The target that pulls the daemon in at boot (system) or at the user's first login.
    var wantedBy: String {
        self == .user ? "default.target" : "multi-user.target"
    }

    /// Where `startup` writes the units when not told otherwise: `/etc/systemd/system`, or
    /// `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/systemd/user`).
    public func defaultDirectory(userHome: String, xdgConfigHome: String?) -> String {
        switch self {
        case .system:
            return "/etc/systemd/system"
        case .user:
            if let config = xdgConfigHome, config.hasPrefix("/") { return config + "/systemd/user" }
            return userHome + "/.config/systemd/user"
        }
    }
}
