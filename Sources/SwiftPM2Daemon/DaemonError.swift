import Glibc
import SwiftPM2Core

/// The daemon module's one error type: a message and, where there is one, the OS error.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var errno: Int32?

    public static func system(_ message: String, errno: Int32) -> DaemonError {
        DaemonError(message: message, errno: errno)
    }

    public var description: String {
        guard let errno else { return message }
        return "\(message): \(String(cString: strerror(errno)))"
    }
}
