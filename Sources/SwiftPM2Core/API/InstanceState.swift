/// The life of one instance, as the supervisor reports it.
public enum InstanceState: String, Codable, Sendable, Equatable, CaseIterable {
    /// Spawned, not yet online (waiting for `READY=1` or `listen_timeout` where that applies).
    case launching
    case online
    /// Sent its stop signal; waiting for it to exit (SIGKILL after `kill_timeout`).
    case stopping
    case stopped
    /// Exited; a restart is scheduled after the restart delay.
    case waitingRestart = "waiting-restart"
    /// Gave up: too many unstable restarts, or the executable cannot be started.
    case errored
}
