import SwiftPM2Core

/// The instance table: title line and `layout.tableRows` lines, sparklines sized to the width.
extension MonitRenderer {
    /// One column: its title, width, and whether it is right-aligned.
    struct Column {
        var title: String
        var width: Int
        var right = false
    }

    /// The widest sparkline drawn: a minute or more of history at the default interval.
    static let maxSparkWidth = 60
    /// Narrower than this, sparklines are left out.
    static let minSparkWidth = 5

    func table(_ state: MonitState, layout: MonitLayout) -> [StyledLine] {
        let rows = state.rows
        let columns = Self.columns(rows: rows)
        let fixed = columns.reduce(2) { $0 + $1.width + 1 }
        let spark = Self.sparkWidth(columns: state.size.columns, fixed: fixed)
        let history = spark > 0 ? "last " + Humanize.duration(ms: spark * state.intervalMs) : ""

        var title = StyledLine("  ", .bold)
        for (i, column) in columns.enumerated() {
            title.append(Self.align(column.title, column, last: i == columns.count - 1 && spark == 0) + " ", .bold)
            if spark > 0 && (column.title == "cpu" || column.title == "mem") {
                title.append(Self.align(history, Column(title: "", width: spark)) + " ", .dim)
            }
        }
        var out = [title]
        if rows.isEmpty {
            out.append(StyledLine("  no apps: start one with `swiftpm2 start ecosystem.json` or `swiftpm2 start ./server`", .dim))
        }
        for (number, row) in rows.enumerated().dropFirst(state.scrollTop).prefix(layout.tableRows) {
            out.append(line(row, columns: columns, spark: spark, history: state.histories[row.key],
                            selected: number == state.selectedRow))
        }
        while out.count < layout.tableRows + 1 { out.append(StyledLine()) }
        return out
    }

    static func columns(rows: [MonitRow]) -> [Column] {
        func widest(_ title: String, _ values: [String], cap: Int = .max) -> Int {
            min(cap, values.reduce(title.count) { max($0, TerminalText.width($1)) })
        }
        return [
            Column(title: "id", width: widest("id", rows.map { String($0.app.id) }), right: true),
            Column(title: "name", width: widest("name", rows.map(\.app.name), cap: 24)),
            Column(title: "#", width: widest("#", rows.map { String($0.instance.index) }), right: true),
            Column(title: "status", width: widest("status", rows.map(\.instance.state.rawValue))),
            Column(title: "pid", width: widest("pid", rows.map { $0.instance.pid.map(String.init) ?? "-" }), right: true),
            Column(title: "uptime", width: 6, right: true),
            Column(title: "↺", width: widest("↺", rows.map { String($0.instance.restarts) }), right: true),
            Column(title: "cpu", width: 6, right: true),
            Column(title: "mem", width: 8, right: true),
        ]
    }

    /// Width of each of the two sparklines: what is left of the line, shared, within limits.
    static func sparkWidth(columns: Int, fixed: Int) -> Int {
        let each = (columns - fixed) / 2 - 1
        return each < minSparkWidth ? 0 : min(maxSparkWidth, each)
    }

    func line(_ row: MonitRow, columns: [Column], spark: Int, history: InstanceHistory?, selected: Bool) -> StyledLine {
        let inst = row.instance
        let samples = history?.samples.suffix(spark) ?? []
        let recentlyNew = history?.samples.suffix(3).contains(where: \.newProcess) ?? false
        let values: [(String, TextStyle)] = [
            (String(row.app.id), .plain),
            (row.app.name, .bold),
            (String(inst.index), .plain),
            (inst.state.rawValue, Self.style(of: inst.state)),
            (inst.pid.map(String.init) ?? "-", recentlyNew ? TextStyle(color: .yellow, bold: true) : .plain),
            (inst.uptimeMs.map(Humanize.duration(ms:)) ?? "-", .plain),
            (String(inst.restarts), inst.restarts > 0 ? .colored(.yellow) : .plain),
            (inst.cpuPercent.map(Humanize.percent) ?? "-", .plain),
            (inst.memoryBytes.map(Humanize.bytes) ?? "-", .plain),
        ]
        var line = StyledLine(selected ? "▶ " : "  ", .bold, base: selected ? .inverse : nil)
        let marked = Set(samples.indices.filter { samples[$0].newProcess })
        for (i, (column, (text, style))) in zip(columns, values).enumerated() {
            line.append(Self.align(text, column, last: i == columns.count - 1 && spark == 0) + " ", style)
            guard spark > 0 else { continue }
            if column.title == "cpu" {
                let cpu = samples.map(\.cpuPercent)
                let ceiling = max(10, cpu.compactMap { $0 }.max() ?? 0)
                line.append(Sparkline.line(cpu, width: spark, ceiling: ceiling, marked: marked, style: .colored(.cyan)))
                line.append(" ")
            } else if column.title == "mem" {
                let mem = samples.map { $0.memoryBytes.map(Double.init) }
                let (floor, ceiling) = Self.memoryScale(mem.compactMap { $0 })
                line.append(Sparkline.line(mem, width: spark, floor: floor, ceiling: ceiling, marked: marked, style: .colored(.magenta)))
            }
        }
        return line
    }

    /// Memory is zoomed in on its recent range (at least 5% of the peak), so that growth shows:
    /// the peak is a full block, and the low point half-way down when it moved.
    static func memoryScale(_ values: [Double]) -> (floor: Double, ceiling: Double) {
        guard let low = values.min(), let high = values.max() else { return (0, 0) }
        return (max(0, low - max(high - low, high / 20)), high)
    }

    /// `text` cut (with `…`) or padded to the column's width.
    static func align(_ text: String, _ column: Column, last: Bool = false) -> String {
        var text = text
        if TerminalText.width(text) > column.width {
            text = StyledLine(text).truncated(to: column.width - 1).plainText + "…"
        }
        let pad = String(repeating: " ", count: max(0, column.width - TerminalText.width(text)))
        if column.right { return pad + text }
        return last ? text : text + pad
    }
}
