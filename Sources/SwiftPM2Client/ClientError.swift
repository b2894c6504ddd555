import SwiftPM2Core

/// What can go wrong talking to the daemon; the CLI maps each case to an exit status.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// No daemon answers and none could be started.
    case daemonUnavailable(String)
    /// The daemon answered with an error.
    case api(APIError, status: Int)
    /// The daemon's answer could not be understood.
    case badResponse(String)

    public var description: String {
        switch self {
        case .daemonUnavailable(let why): return why
        case .api(let error, _): return error.message
        case .badResponse(let why): return "unexpected answer from the daemon: \(why)"
        }
    }
}
