import Glibc

/// The SwiftPM2Worker module's one error type: a message and, where there is one, the OS error.
public struct WorkerError: Error, Sendable, CustomStringConvertible {
    /// What failed, in a sentence without the OS error.
    public var message: String
    /// The `errno` of the failed call, when one failed.
    public var errno: Int32?

    /// An error of a system call, with its `errno`.
    public static func system(_ message: String, errno: Int32) -> WorkerError {
        WorkerError(message: message, errno: errno)
    }

    public var description: String {
        guard let errno else { return message }
        return "\(message): \(String(cString: strerror(errno)))"
    }
}
