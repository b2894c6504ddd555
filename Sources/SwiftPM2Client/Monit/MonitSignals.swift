import Glibc

/// Signal helpers for the session's threads, which come from the pool and block most signals.
enum MonitSignals {
    /// Raises `sig` on the calling thread with it unblocked for the moment, so that its action
    /// happens now (a stop stops here; a default deadly one kills), not whenever a thread that
    /// does not block it comes by.
    static func raiseNow(_ sig: Int32) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        var old = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &set, &old)
        raise(sig)
        pthread_sigmask(SIG_SETMASK, &old, nil)
    }
}
