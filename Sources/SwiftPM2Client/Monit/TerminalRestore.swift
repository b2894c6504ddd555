import Glibc
import Synchronization

/// What it takes to give the terminal back, kept where a signal handler can reach it.
///
/// ``restoreNow()`` is async-signal-safe (an atomic exchange, `write` and `tcsetattr`), so a
/// crash handler and `atexit` can call it; ``prepare(fd:saved:)`` must run before any of them
/// is installed, so that no lazy initialisation happens inside a handler.
enum TerminalRestore {
    /// Leave the alternate screen, show the cursor, wrap lines again, reset attributes.
    static let leaveSequence = "\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l"
    static let active = Atomic<Bool>(false)
    // nonisolated(unsafe): written only by prepare(), before `active` is set and before any
    // handler that reads them is installed; read-only afterwards.
    nonisolated(unsafe) private static var fd: Int32 = -1
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var leaveBytes: UnsafeMutableBufferPointer<UInt8> = {
        let bytes = Array(leaveSequence.utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }()
    nonisolated(unsafe) private static var atexitInstalled = false

    /// Records the terminal and its original attributes; from now on ``restoreNow()`` applies.
    static func prepare(fd: Int32, saved: termios) {
        _ = leaveBytes.count
        self.fd = fd
        self.saved = saved
        if !atexitInstalled {
            atexitInstalled = true
            atexit { TerminalRestore.restoreNow() }
        }
        active.store(true, ordering: .sequentiallyConsistent)
    }

    /// Puts the terminal back as it was, once; later calls do nothing until the next prepare.
    static func restoreNow() {
        guard active.exchange(false, ordering: .sequentiallyConsistent) else { return }
        var offset = 0
        while offset < leaveBytes.count {
            let n = write(fd, leaveBytes.baseAddress! + offset, leaveBytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            offset += n
        }
        _ = tcsetattr(fd, TCSANOW, &saved)
    }
}
