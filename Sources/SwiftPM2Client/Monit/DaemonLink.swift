/// Whether `swiftpm2 monit` hears from the daemon.
public enum DaemonLink: Sendable, Equatable {
    /// No answer yet.
    case connecting
    /// The last request was answered.
    case up
    /// The last request failed; monit keeps asking.
    case unreachable(String)
}
