#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Signal names and numbers for `kill_signal`, from the C library's constants.
public enum SignalNames {
    /// Names without the `SIG` prefix, as `kill -l` prints them.
    static let byName: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ILL": SIGILL, "TRAP": SIGTRAP,
        "ABRT": SIGABRT, "IOT": SIGABRT, "BUS": SIGBUS, "FPE": SIGFPE, "KILL": SIGKILL,
        "USR1": SIGUSR1, "SEGV": SIGSEGV, "USR2": SIGUSR2, "PIPE": SIGPIPE, "ALRM": SIGALRM,
        "TERM": SIGTERM, "CHLD": SIGCHLD, "CONT": SIGCONT, "STOP": SIGSTOP, "TSTP": SIGTSTP,
        "TTIN": SIGTTIN, "TTOU": SIGTTOU, "URG": SIGURG, "XCPU": SIGXCPU, "XFSZ": SIGXFSZ,
        "VTALRM": SIGVTALRM, "PROF": SIGPROF, "WINCH": SIGWINCH, "IO": SIGIO, "POLL": SIGIO,
        "PWR": SIGPWR, "SYS": SIGSYS,
    ]

    static let what = "a signal name like \"SIGTERM\" or a number 1...64"

    /// `"SIGTERM"`, `"TERM"`, `"sigterm"` or a number 1...64 → the signal number.
    static func number(_ value: EcosystemValue) throws(ValueProblem) -> Int32 {
        switch value {
        case .string(let text):
            var name = text.trimmingSpaces.uppercased()
            if let n = Int32(name), (1...64).contains(n) { return n }
            if name.hasPrefix("SIG") { name.removeFirst(3) }
            if let n = byName[name] { return n }
            throw .expected(what, got: value)
        default:
            guard let n = value.integerValue, (1...64).contains(n) else { throw .expected(what, got: value) }
            return Int32(n)
        }
    }
}

extension ExitInfo {
    /// "SIGKILL", "code 3": the exit in a few characters, for tables.
    public var short: String {
        if let signal {
            return SignalNames.byName.first { $0.value == signal && $0.key != "IOT" && $0.key != "POLL" }.map { "SIG" + $0.key } ?? "signal \(signal)"
        }
        return code.map { "code \($0)" } ?? "exited"
    }
}

extension SignalNames {
    /// `"SIGUSR2"`, `"usr2"`, `12`, `"12"` → the signal number, or nil (for the API's `signal`).
    public static func number(_ value: JSONValue) -> Int32? {
        switch value {
        case .int(let n): return (1...64).contains(n) ? Int32(n) : nil
        case .string(let s): return try? number(EcosystemValue.string(s))
        default: return nil
        }
    }
}

/// The answer to `POST /v1/apps/{sel}/flush`: the log files emptied.
public struct FlushResult: Codable, Sendable, Equatable {
    public var files: [String]
    public init(files: [String]) { self.files = files }
}
