import SwiftPM2Core

/// The selected instance's detail line and its log pane.
extension MonitRenderer {
    func detail(_ state: MonitState, layout: MonitLayout) -> StyledLine {
        guard let row = state.selectedRowInfo else { return StyledLine() }
        let inst = row.instance
        var line = StyledLine(row.label, .bold)
        func add(_ text: String, _ style: TextStyle = .plain) {
            line.append(" · ", .dim)
            line.append(text, style)
        }
        add(inst.state.rawValue, Self.style(of: inst.state))
        if let pid = inst.pid { add("pid \(pid)") }
        if let up = inst.uptimeMs { add("up \(Humanize.duration(ms: up))") }
        let seen = state.histories[row.key]?.newProcesses ?? 0
        add("\(inst.restarts) restart\(inst.restarts == 1 ? "" : "s")" + (seen > 0 ? " (\(seen) seen here)" : ""),
            inst.restarts > 0 ? .colored(.yellow) : .plain)
        if let status = inst.status { add(status, .colored(.cyan)) }
        if let message = inst.message { add(message, .colored(.yellow)) }
        if let exit = inst.lastExit { add("last exit: \(exit.reason)", .dim) }
        if state.rows.count > layout.tableRows { add("row \(state.selectedRow + 1)/\(state.rows.count)", .dim) }
        return line
    }

    func logPane(_ state: MonitState, lines count: Int) -> [StyledLine] {
        guard let row = state.selectedRowInfo else {
            return [Self.rule("logs", width: state.size.columns)] + Array(repeating: StyledLine(), count: count)
        }
        var out = [Self.rule("logs of \(row.label) (newest last; l hides)", width: state.size.columns)]
        if state.logsOf != row.key {
            out.append(StyledLine("  loading…", .dim))
        } else {
            let shown = Self.logTail(state.logLines.filter { $0.instance == nil || $0.instance == row.instance.index }, lines: count)
            if shown.isEmpty { out.append(StyledLine("  (nothing logged yet)", .dim)) }
            for log in shown {
                var line = StyledLine(log.stream == "err" ? "err │ " : "out │ ", log.stream == "err" ? .colored(.red) : .dim)
                line.append(log.line)
                out.append(line)
            }
        }
        while out.count < count + 1 { out.append(StyledLine()) }
        return Array(out.prefix(count + 1))
    }

    /// The last lines of stdout and of stderr that fit in `lines`: each gets half when both
    /// have more, and the room the other does not use.
    static func logTail(_ logs: [LogLine], lines: Int) -> [LogLine] {
        let out = logs.filter { $0.stream != "err" }
        let err = logs.filter { $0.stream == "err" }
        var errShare = min(err.count, lines / 2)
        let outShare = min(out.count, lines - errShare)
        errShare = min(err.count, lines - outShare)
        return out.suffix(outShare) + err.suffix(errShare)
    }

    /// `── title ───────` across the width.
    static func rule(_ title: String, width: Int) -> StyledLine {
        var line = StyledLine("── ", .dim)
        line.append(title, .bold)
        line.append(" " + String(repeating: "─", count: max(0, width - TerminalText.width(title) - 4)), .dim)
        return line
    }
}
