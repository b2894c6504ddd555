import Glibc
import SwiftPM2Core

/// `swiftpm2 monit`: the live screen, or one frame as text.
///
/// One loop owns the ``MonitState`` and gathers every event source in one stream: keys and
/// signals (read on a thread of their own), a ticker, and the daemon's answers (each request on
/// a thread of its own, so a slow daemon never freezes the screen). The terminal is given back
/// on `q`, on SIGINT, SIGTERM and SIGHUP (then the signal is raised again), at exit and on a crash.
public struct MonitSession: Sendable {
    public let client: DaemonClient
    public let intervalMs: Int
    public let showLogs: Bool

    public init(client: DaemonClient, intervalMs: Int = 1000, showLogs: Bool = true) {
        self.client = client
        self.intervalMs = max(50, intervalMs)
        self.showLogs = showLogs
    }

    /// Signals the screen reacts to: a resize, a resume, and the three that end it.
    static let watchedSignals: [Int32] = [SIGWINCH, SIGCONT, SIGINT, SIGTERM, SIGHUP]

    /// Runs the live screen on `terminal` until a quit key; a watched signal ends it too, and
    /// then, with the terminal restored, kills the process as that signal would have.
    public func run(on terminal: Terminal) async {
        signal(SIGPIPE, SIG_IGN) // a daemon that goes away mid-request is an error, not a death
        let (events, continuation) = AsyncStream.makeStream(of: MonitEvent.self)
        guard let signals = SignalPipe.install(Self.watchedSignals) else { return }
        CrashGuard.install()
        terminal.enter()
        let reader = InputReader.start(input: terminal.input, signals: signals, unblocking: Self.watchedSignals, events: continuation)
        var loop = MonitLoop(session: self, terminal: terminal, events: continuation)
        let interval = intervalMs
        let end = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    continuation.yield(.tick)
                    try? await Task.sleep(for: .milliseconds(interval))
                }
            }
            let end = await loop.run(events)
            group.cancelAll()
            return end
        }
        reader?.stop()
        terminal.leave()
        CrashGuard.uninstall()
        SignalPipe.uninstall()
        close(signals)
        continuation.finish()
        if case .signal(let sig) = end {
            signal(sig, SIG_DFL)
            MonitSignals.raiseNow(sig)
            exit(128 + sig) // not reached
        }
    }

    /// One frame as plain text, tall enough for every instance (and 10 log lines of the first),
    /// without the keys and the blank lines at its end.
    public func once(width: Int) throws(ClientError) -> String {
        let apps = try client.appsBlocking().apps
        var state = MonitState(size: TerminalSize(columns: width, rows: 0), intervalMs: intervalMs, showLogs: showLogs)
        state.update(apps: apps, atMs: 0)
        var rows = MonitLayout.minimumSize.rows
        while rows < 10_000 {
            let layout = MonitLayout(size: TerminalSize(columns: width, rows: rows), rowCount: state.rows.count, showLogs: showLogs)
            if layout.tableRows >= max(1, state.rows.count) && (!showLogs || layout.logLines >= 10) { break }
            rows += 1
        }
        state.size = TerminalSize(columns: width, rows: rows)
        if showLogs, let key = state.selected {
            state.logLines = (try? client.logTailBlocking(String(key.appId), lines: state.layout.logLines)) ?? []
            state.logsOf = key
        }
        // No keys to press and no room to keep: the frame without its last lines.
        var lines = MonitRenderer(ansi: false).render(state).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast(2) // the end of the last line, and the keys
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { $0 + "\n" }.joined()
    }
}
