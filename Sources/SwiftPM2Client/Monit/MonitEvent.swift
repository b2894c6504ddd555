import SwiftPM2Core

/// Everything the monit session reacts to, gathered in one stream.
enum MonitEvent: Sendable {
    /// Keys, decoded.
    case keys([MonitAction])
    case signal(Int32)
    /// Standard input closed or failed: nobody is at the terminal any more.
    case inputClosed
    /// Time to refresh.
    case tick
    case apps(Result<AppList, ClientError>)
    case logs(InstanceKey, Result<[LogLine], ClientError>)
    case actionDone(MonitVerb, appName: String, Result<AppList, ClientError>)
}
