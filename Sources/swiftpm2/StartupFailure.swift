import Glibc
import SwiftPM2Client

/// Why a step of `startup` or `unstartup` failed, and what to say about it.
enum StartupFailure {
    /// A file operation, with its `errno`.
    case system(String, errno: Int32)
    /// A command that exited with a non-zero status.
    case command(String, status: Int32)

    var sentence: String {
        switch self {
        case .system(let what, let code): return "\(what): \(String(cString: strerror(code)))"
        case .command(let command, let status): return "`\(command)` failed (exit status \(status)); its message is above"
        }
    }

    /// For the heading of the printed commands.
    var short: String {
        switch self {
        case .system(_, let code) where Self.isPermission(code): return "this needs more rights than this user has"
        case .system: return "a file could not be written or removed"
        case .command: return "a command failed"
        }
    }

    /// What to do next.
    /// `printCommand` is this command line with `--print`, whose output is the whole script.
    func advice(scope: UnitScope, printCommand: String) -> String {
        switch self {
        case .system(_, let code) where Self.isPermission(code) && scope == .system:
            return "run the commands above as root, for example `\(printCommand) | sudo sh`"
        default:
            return "once that is fixed, run the commands above"
        }
    }

    private static func isPermission(_ code: Int32) -> Bool {
        code == EACCES || code == EPERM || code == EROFS
    }
}
