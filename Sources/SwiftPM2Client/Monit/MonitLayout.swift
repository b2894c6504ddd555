/// How a frame's lines are shared out for a terminal size. Pure.
///
/// From the top: 2 header lines, the table's title line and its rows, the selected instance's
/// detail line, the log pane (a title line and log lines) when shown, a status line, the keys.
public struct MonitLayout: Sendable, Equatable {
    public static let minimumSize = TerminalSize(columns: 40, rows: 8)
    /// Header (2), table title, detail line, status line, keys.
    static let fixedLines = 6

    public var tooSmall: Bool
    /// Table rows shown (at least 1, for "no apps").
    public var tableRows: Int
    /// Lines of the log pane including its title; 0 when hidden.
    public var logPaneLines: Int

    public init(size: TerminalSize, rowCount: Int, showLogs: Bool) {
        tooSmall = size.columns < Self.minimumSize.columns || size.rows < Self.minimumSize.rows
        let room = max(1, size.rows - Self.fixedLines)
        if showLogs && room >= 4 {
            // The table takes what it needs, but leaves the logs at least a third (3 lines or more).
            let logMinimum = max(3, room / 3)
            tableRows = max(1, min(rowCount, room - logMinimum))
            logPaneLines = room - tableRows
        } else {
            tableRows = room
            logPaneLines = 0
        }
    }

    /// Log lines in the pane (its title excluded).
    public var logLines: Int { max(0, logPaneLines - 1) }
}
