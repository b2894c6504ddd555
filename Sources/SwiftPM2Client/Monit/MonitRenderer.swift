import SwiftPM2Core

/// Draws a frame of `swiftpm2 monit`. Pure: a ``MonitState`` in, text out.
public struct MonitRenderer: Sendable {
    /// Terminal output (cursor moves, attributes) when true; plain lines (`--once`, tests) when false.
    public var ansi: Bool
    /// Colours among the attributes (off with `NO_COLOR`: bold, dim and inverse stay).
    public var colors: Bool

    public init(ansi: Bool, colors: Bool = true) {
        self.ansi = ansi
        self.colors = colors
    }

    /// The whole frame. With `ansi`: the cursor goes home, every line is drawn over the old one
    /// and cleared to its end, so nothing flickers; without: the lines, trailing spaces trimmed.
    public func render(_ state: MonitState) -> String {
        let width = state.size.columns
        let lines = self.lines(state)
        guard ansi else {
            return lines.map { trimmed($0.rendered(width: width, ansi: false)) + "\n" }.joined()
        }
        let body = lines.map { $0.rendered(width: width, ansi: true, colors: colors) + "\u{1B}[K" }.joined(separator: "\r\n")
        return "\u{1B}[H" + body + "\u{1B}[J"
    }

    /// The frame's lines, as many as the terminal has rows (empty ones at the end).
    public func lines(_ state: MonitState) -> [StyledLine] {
        var out: [StyledLine]
        let layout = state.layout
        if layout.tooSmall {
            out = tooSmall(state.size)
        } else {
            out = header(state)
            out += table(state, layout: layout)
            out.append(detail(state, layout: layout))
            if layout.logPaneLines > 0 { out += logPane(state, lines: layout.logLines) }
            out.append(statusLine(state))
            while out.count < state.size.rows - 1 { out.append(StyledLine()) }
            out.append(keys)
        }
        return Array(out.prefix(max(0, state.size.rows)))
    }

    func tooSmall(_ size: TerminalSize) -> [StyledLine] {
        let need = MonitLayout.minimumSize
        return [
            StyledLine("terminal too small (\(size))", .bold),
            StyledLine("need \(need.columns)x\(need.rows); q quits"),
        ]
    }

    func header(_ state: MonitState) -> [StyledLine] {
        var title = StyledLine("swiftpm2 monit", .bold, base: .inverse)
        title.append("  ")
        switch state.daemon {
        case .connecting:
            title.append("connecting to the daemon…", .colored(.yellow))
        case .up:
            let silence = state.lastAnswerMs.map { state.nowMs - $0 } ?? 0
            if silence > 3 * state.intervalMs + 1000 {
                title.append("no answer from the daemon for \(Humanize.duration(ms: silence))", .colored(.yellow))
            } else {
                title.append("daemon up", .colored(.green))
            }
        case .unreachable(let why):
            var text = "daemon unreachable, retrying every \(Humanize.duration(ms: state.intervalMs))"
            if let last = state.lastAnswerMs { text += " (figures from \(Humanize.duration(ms: state.nowMs - last)) ago)" }
            title.append(text + ": " + why, TextStyle(color: .red, bold: true))
        }

        let instances = state.rows.map(\.instance)
        var totals = StyledLine("\(state.apps.count) app\(state.apps.count == 1 ? "" : "s"), \(instances.count) instance\(instances.count == 1 ? "" : "s"): ")
        var counts: [(InstanceState, Int)] = InstanceState.allCases.map { s in (s, instances.filter { $0.state == s }.count) }
        counts = counts.filter { $0.1 > 0 || $0.0 == .online || $0.0 == .errored }
        for (i, (s, n)) in counts.enumerated() {
            if i > 0 { totals.append(", ") }
            totals.append("\(n) \(s.rawValue)", n > 0 ? Self.style(of: s) : .dim)
        }
        let cpus = instances.compactMap(\.cpuPercent)
        totals.append("  ·  cpu ")
        totals.append(cpus.isEmpty ? "-" : Humanize.percent(cpus.reduce(0, +)), .bold)
        totals.append("  ·  mem ")
        totals.append(Humanize.bytes(instances.compactMap(\.memoryBytes).reduce(0, +)), .bold)
        return [title, totals]
    }

    func statusLine(_ state: MonitState) -> StyledLine {
        if let busy = state.busy { return StyledLine("… \(busy)", .colored(.yellow)) }
        guard let status = state.status else { return StyledLine() }
        switch status.kind {
        case .info: return StyledLine(status.text)
        case .success: return StyledLine(status.text, .colored(.green))
        case .failure: return StyledLine(status.text, TextStyle(color: .red, bold: true))
        }
    }

    var keys: StyledLine {
        var line = StyledLine(base: .inverse)
        let keys = [("↑↓ jk", "move"), ("PgUp PgDn Home End", "page"), ("r", "restart"), ("R", "reload"),
                    ("s", "stop"), ("l", "logs"), ("q", "quit")]
        for (i, (key, what)) in keys.enumerated() {
            line.append(i == 0 ? key : "  " + key, .bold)
            line.append(" " + what)
        }
        return line
    }

    static func style(of state: InstanceState) -> TextStyle {
        switch state {
        case .online: return .colored(.green)
        case .launching, .stopping, .waitingRestart: return .colored(.yellow)
        case .stopped: return .dim
        case .errored: return TextStyle(color: .red, bold: true)
        }
    }

    func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
