/// What the session must do after a key: the state machine's answer to an action.
public enum MonitCommand: Sendable, Equatable {
    /// Nothing beyond drawing the new state.
    case none
    /// Ask the daemon for the selected instance's logs now (the selection changed).
    case refreshLogs
    /// `POST /v1/apps/{appId}/{verb}`.
    case appAction(verb: MonitVerb, appId: Int, appName: String)
    /// Draw the whole screen again.
    case redraw
    case suspend
    case quit
}
