import CSpawn
import Glibc

/// Signals as bytes on a pipe, for a thread that polls it: the handler only writes the signal
/// number (async-signal-safe), and the previous handlers come back with ``uninstall()``.
enum SignalPipe {
    // nonisolated(unsafe): set by install() before any handler is installed, read by the
    // handlers and by uninstall() on the session's thread afterwards.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
    nonisolated(unsafe) private static var previous: [Int32: sigaction] = [:]

    /// Installs handlers for `signals`; returns the read end of the pipe (non-blocking).
    static func install(_ signals: [Int32]) -> Int32? {
        var fds: [Int32] = [0, 0]
        guard pm2_pipe_cloexec(&fds) == 0 else { return nil }
        // Non-blocking: a handler must never wait, even on a full pipe (a byte lost is harmless).
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        writeEnd = fds[1]
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: sig)
                _ = write(SignalPipe.writeEnd, &byte, 1)
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(sig, &action, &old)
            previous[sig] = old
        }
        return fds[0]
    }

    /// The handlers that were there before ``install(_:)``.
    static func uninstall() {
        for (sig, var old) in previous { sigaction(sig, &old, nil) }
        previous = [:]
    }
}
