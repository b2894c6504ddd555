import Glibc

/// "exited with code 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)".
func describeExit(code: Int32?, signal: Int32?, coreDumped: Bool = false) -> String {
    if let signal {
        return "killed by \(signalName(signal))" + (coreDumped ? " (core dumped)" : "")
    }
    guard let code else { return "exited (status unknown: taken over from a previous daemon, not its child)" }
    return "exited with code \(code)"
}

/// "SIGTERM" for 15; "signal 40" for what has no short name.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGXCPU: "SIGXCPU",
        SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
    ]
    return names[signal] ?? "signal \(signal)"
}
