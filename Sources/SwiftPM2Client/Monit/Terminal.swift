import Glibc

/// The terminal in monit's mode: raw keys, the alternate screen, no cursor, no line wrap.
///
/// ``enter()`` saves the original attributes the first time; ``leave()`` (and, on a signal or
/// a crash, ``TerminalRestore``) puts them back with the normal screen and the cursor.
public struct Terminal: Sendable {
    public let input: Int32
    public let output: Int32
    private let original: termios

    static let enterSequence = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l\u{1B}[H\u{1B}[2J"

    /// The terminal on standard input and output, or nil when either is not one.
    public static func standard() -> Terminal? {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return nil }
        var attributes = termios()
        guard tcgetattr(STDIN_FILENO, &attributes) == 0 else { return nil }
        return Terminal(input: STDIN_FILENO, output: STDOUT_FILENO, original: attributes)
    }

    /// Raw mode and the alternate screen; again after a suspension, from the same original.
    public func enter() {
        TerminalRestore.prepare(fd: input, saved: original)
        var raw = original
        cfmakeraw(&raw)
        _ = tcsetattr(input, TCSANOW, &raw)
        write(Self.enterSequence)
    }

    /// Back to the normal screen and the original attributes.
    public func leave() {
        TerminalRestore.restoreNow()
    }

    /// Rows and columns (TIOCGWINSZ); `$COLUMNS`/`$LINES`, else 80x24, when it cannot tell.
    public func size() -> TerminalSize {
        Self.size(of: output)
    }

    public static func size(of fd: Int32) -> TerminalSize {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 {
            return TerminalSize(columns: Int(ws.ws_col), rows: Int(ws.ws_row))
        }
        func env(_ name: String) -> Int? { getenv(name).flatMap { Int(String(cString: $0)) }.flatMap { $0 > 0 ? $0 : nil } }
        return TerminalSize(columns: env("COLUMNS") ?? 80, rows: env("LINES") ?? 24)
    }

    /// Writes all of `text` in as few `write`s as it takes; nothing once the terminal was
    /// given back (a crash handler may have done so while another thread draws).
    public func write(_ text: String) {
        guard TerminalRestore.active.load(ordering: .sequentiallyConsistent) else { return }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(output, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
