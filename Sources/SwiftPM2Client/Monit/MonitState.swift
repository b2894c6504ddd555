import SwiftPM2Core

/// Everything a frame of `swiftpm2 monit` shows. A value: the session changes it as events
/// come (a refresh, a key, a resize) and ``MonitRenderer`` turns it into text.
public struct MonitState: Sendable {
    public private(set) var apps: [AppInfo] = []
    public private(set) var rows: [MonitRow] = []
    public private(set) var histories: [InstanceKey: InstanceHistory] = [:]
    /// The selected instance; kept by identity across refreshes.
    public private(set) var selected: InstanceKey?
    /// Row number of the selection (0 when there are no rows).
    public private(set) var selectedRow = 0
    /// First row shown; keeps the selection on screen.
    public private(set) var scrollTop = 0

    /// Log lines of the selected instance, oldest first, and whose they are.
    public var logLines: [LogLine] = []
    public var logsOf: InstanceKey?
    public var showLogs = true

    public var size: TerminalSize {
        didSet { keepSelectionVisible() }
    }
    public var status: MonitStatus?
    /// An action waiting for the daemon's answer ("restarting web").
    public var busy: String?
    public var daemon: DaemonLink = .connecting
    /// A monotonic clock in milliseconds, and when the daemon last answered on it.
    public var nowMs = 0
    public var lastAnswerMs: Int?
    /// Milliseconds between refreshes.
    public var intervalMs: Int
    public var historyCapacity: Int

    public init(size: TerminalSize, intervalMs: Int = 1000, showLogs: Bool = true,
                historyCapacity: Int = InstanceHistory.defaultCapacity) {
        self.size = size
        self.intervalMs = intervalMs
        self.showLogs = showLogs
        self.historyCapacity = historyCapacity
    }

    public var layout: MonitLayout { MonitLayout(size: size, rowCount: rows.count, showLogs: showLogs) }

    public var selectedRowInfo: MonitRow? { rows.indices.contains(selectedRow) ? rows[selectedRow] : nil }

    /// Takes a fresh app list: one more reading per instance, selection kept on the same slot.
    public mutating func update(apps: [AppInfo], atMs: Int) {
        self.apps = apps
        rows = apps.flatMap { app in app.instances.map { MonitRow(app: app, instance: $0) } }
        var kept: [InstanceKey: InstanceHistory] = [:]
        for row in rows {
            var history = histories[row.key] ?? InstanceHistory(capacity: historyCapacity)
            history.record(row.instance)
            kept[row.key] = history
        }
        histories = kept
        daemon = .up
        nowMs = atMs
        lastAnswerMs = atMs
        if let selected, let row = rows.firstIndex(where: { $0.key == selected }) {
            selectedRow = row
        } else {
            selectedRow = min(selectedRow, max(0, rows.count - 1))
        }
        selected = rows.isEmpty ? nil : rows[selectedRow].key
        keepSelectionVisible()
    }

    /// Moves the selection to `row` (clamped) and scrolls to it.
    public mutating func select(row: Int) {
        guard !rows.isEmpty else { return }
        selectedRow = min(max(0, row), rows.count - 1)
        selected = rows[selectedRow].key
        keepSelectionVisible()
    }

    mutating func keepSelectionVisible() {
        let visible = max(1, layout.tableRows)
        if selectedRow < scrollTop { scrollTop = selectedRow }
        if selectedRow >= scrollTop + visible { scrollTop = selectedRow - visible + 1 }
        scrollTop = max(0, min(scrollTop, rows.count - visible))
    }
}
