import Glibc

/// Gives the terminal back when monit crashes: a handler on the fatal signals restores it,
/// puts the previous handler back (the runtime's backtracer, or the default) and raises the
/// signal again, which that handler gets as soon as this one returns: the crash is reported as
/// usual, on the normal screen. (A fault would also happen again on return; a `kill -SEGV`
/// would not, hence the raise.)
enum CrashGuard {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    // nonisolated(unsafe): filled by install() before the handlers are set; read by them.
    nonisolated(unsafe) private static var previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        p.initialize(repeating: sigaction(), count: 65)
        return p
    }()

    static func install() {
        let table = previous
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                TerminalRestore.restoreNow()
                if sig >= 0 && sig < 65 { sigaction(sig, CrashGuard.previous + Int(sig), nil) }
                raise(sig) // blocked while this handler runs: delivered on return
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, table + Int(sig))
        }
    }

    static func uninstall() {
        for sig in signals { sigaction(sig, previous + Int(sig), nil) }
    }
}
