/// The app actions monit offers (no start: it needs an ecosystem file; no delete: too easy by mistake).
public enum MonitVerb: String, Sendable {
    case restart, reload, stop

    /// "restarting".
    public var progressive: String {
        switch self {
        case .restart: return "restarting"
        case .reload: return "reloading"
        case .stop: return "stopping"
        }
    }

    /// "restarted".
    public var past: String {
        switch self {
        case .restart: return "restarted"
        case .reload: return "reloaded"
        case .stop: return "stopped"
        }
    }
}
