/// The daemon's home (`SWIFTPM2_HOME`) as a unit file spells it. The control socket
/// `daemon.sock` lies in it, so the service and the socket unit must agree on it.
public enum UnitHome: Sendable, Equatable {
    /// An absolute path (escaped when written).
    case path(String)
    /// `%h/.swiftpm2`: the home of the user the unit runs as, resolved by systemd (user units).
    case userDefault
    /// `/var/lib/NAME`, which systemd creates and owns (`StateDirectory=NAME`).
    case stateDirectory(String)

    /// The value in unit syntax (specifiers escaped).
    var unitText: String {
        switch self {
        case .path(let path): return UnitText.escapingSpecifiers(path)
        case .userDefault: return "%h/.swiftpm2"
        case .stateDirectory(let name): return "/var/lib/" + UnitText.escapingSpecifiers(name)
        }
    }

    /// The control socket's path in unit syntax.
    var socketText: String {
        unitText + "/daemon.sock"
    }

    var stateDirectoryName: String? {
        if case .stateDirectory(let name) = self { return name }
        return nil
    }
}
