import Glibc
import SwiftPM2Core

/// The session's loop: events in, state changed, requests sent, frame drawn.
struct MonitLoop {
    let client: DaemonClient
    let terminal: Terminal
    let events: AsyncStream<MonitEvent>.Continuation
    let renderer: MonitRenderer
    var state: MonitState
    private let origin = ContinuousClock.now
    private var lastFrame = ""
    private var appsInFlight = false
    private var logsInFlight = false
    /// The selection changed while its logs were being fetched: fetch again after.
    private var logsAgain = false

    init(session: MonitSession, terminal: Terminal, events: AsyncStream<MonitEvent>.Continuation) {
        self.client = session.client
        self.terminal = terminal
        self.events = events
        let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        renderer = MonitRenderer(ansi: true, colors: !noColor)
        state = MonitState(size: terminal.size(), intervalMs: session.intervalMs, showLogs: session.showLogs)
    }

    mutating func run(_ stream: AsyncStream<MonitEvent>) async -> MonitEnd {
        draw(force: true)
        for await event in stream {
            var force = false
            if let end = handle(event, force: &force) { return end }
            draw(force: force)
        }
        return .quit
    }

    /// One event; returns how the screen ends when it does.
    mutating func handle(_ event: MonitEvent, force: inout Bool) -> MonitEnd? {
        state.nowMs = nowMs
        switch event {
        case .tick:
            refreshApps()
            refreshLogs()
        case .apps(.success(let list)):
            appsInFlight = false
            let before = state.selected
            state.update(apps: list.apps, atMs: nowMs)
            if state.selected != before || state.logsOf != state.selected { refreshLogs() }
        case .apps(.failure(let error)):
            appsInFlight = false
            state.refreshFailed(error, atMs: nowMs)
        case .logs(let key, let result):
            logsInFlight = false
            if case .success(let lines) = result {
                state.logLines = lines
                state.logsOf = key
            }
            if logsAgain || key != state.selected {
                logsAgain = false
                refreshLogs()
            }
        case .actionDone(let verb, let name, let result):
            state.finish(verb, appName: name, result: result.map(\.apps))
            refreshApps()
            refreshLogs()
        case .keys(let actions):
            for action in actions {
                switch state.handle(action) {
                case .none: break
                case .refreshLogs: refreshLogs()
                case .appAction(let verb, let appId, let name): send(verb, appId: appId, appName: name)
                case .redraw: force = true
                case .suspend:
                    suspend()
                    force = true
                case .quit: return .quit
                }
            }
        case .signal(SIGWINCH):
            state.size = terminal.size()
            force = true
        case .signal(SIGCONT):
            // Resumed after a stop we did not ask for: the shell may have reset the terminal.
            terminal.enter()
            state.size = terminal.size()
            force = true
        case .signal(let sig):
            return .signal(sig)
        case .inputClosed:
            return .quit
        }
        return nil
    }

    /// Draws the frame when it changed; `force` clears the screen first (after a resize).
    mutating func draw(force: Bool) {
        state.nowMs = nowMs
        let frame = renderer.render(state)
        guard force || frame != lastFrame else { return }
        lastFrame = frame
        terminal.write(force ? "\u{1B}[2J" + frame : frame)
    }

    private var nowMs: Int {
        let elapsed = ContinuousClock.now - origin
        return Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    private mutating func refreshApps() {
        guard !appsInFlight else { return }
        appsInFlight = true
        let (client, events) = (self.client, self.events)
        BlockingThread.run {
            events.yield(.apps(Result { () throws(ClientError) in try client.appsBlocking() }))
        }
    }

    private mutating func refreshLogs() {
        guard state.showLogs, let key = state.selected else { return }
        guard !logsInFlight else {
            logsAgain = true
            return
        }
        logsInFlight = true
        let (client, events, lines) = (self.client, self.events, max(1, state.layout.logLines))
        BlockingThread.run {
            events.yield(.logs(key, Result { () throws(ClientError) in try client.logTailBlocking(String(key.appId), lines: lines) }))
        }
    }

    private func send(_ verb: MonitVerb, appId: Int, appName: String) {
        let (client, events) = (self.client, self.events)
        BlockingThread.run {
            let result = Result { () throws(ClientError) in try client.actionBlocking(verb.rawValue, String(appId)) }
            events.yield(.actionDone(verb, appName: appName, result))
        }
    }

    /// Ctrl-Z: the normal screen back to the shell, stopped until resumed, then the screen again.
    private mutating func suspend() {
        terminal.leave()
        MonitSignals.raiseNow(SIGTSTP)
        terminal.enter()
        state.size = terminal.size()
    }
}
