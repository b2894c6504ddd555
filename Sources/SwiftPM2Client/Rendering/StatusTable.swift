import SwiftPM2Core

/// The table of `swiftpm2 list`: one row per instance. Pure: apps in, text out.
public struct StatusTable: Sendable {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    static let headers = ["id", "name", "inst", "namespace", "mode", "pid", "uptime", "↺", "status", "cpu", "mem"]

    public func render(_ apps: [AppInfo]) -> String {
        if apps.isEmpty { return "No apps. Start one with `swiftpm2 start ecosystem.json` or `swiftpm2 start ./server`.\n" }
        var rows: [[Cell]] = []
        for app in apps {
            for inst in app.instances {
                rows.append([
                    Cell(String(app.id)), Cell(app.name, style: .bold), Cell(String(inst.index)), Cell(app.namespace),
                    Cell(app.mode.rawValue), Cell(inst.pid.map(String.init) ?? "-"),
                    Cell(inst.uptimeMs.map(Humanize.duration(ms:)) ?? "-"),
                    Cell(String(inst.restarts), style: inst.restarts > 0 ? .yellow : .plain),
                    Cell(inst.state.rawValue, style: Self.style(of: inst.state)),
                    Cell(inst.cpuPercent.map(Humanize.percent) ?? "-"),
                    Cell(inst.memoryBytes.map(Humanize.bytes) ?? "-"),
                ])
            }
        }
        // The last exit, when some instance has one: why it restarted or stopped.
        let exits = apps.flatMap(\.instances).map(\.lastExit)
        if exits.contains(where: { $0 != nil }) {
            for (i, exit) in exits.enumerated() {
                rows[i].append(Cell(exit?.short ?? "-", style: exit?.signal != nil || (exit?.code ?? 0) != 0 ? .yellow : .plain))
            }
            return grid(header: (Self.headers + ["last exit"]).map { Cell($0, style: .bold) }, rows: rows)
        }
        return grid(header: Self.headers.map { Cell($0, style: .bold) }, rows: rows)
    }

    static func style(of state: InstanceState) -> Cell.Style {
        switch state {
        case .online: return .green
        case .launching, .stopping, .waitingRestart: return .yellow
        case .stopped: return .dim
        case .errored: return .red
        }
    }

    /// Box-drawn grid; widths count characters, so colour codes never skew the columns.
    func grid(header: [Cell], rows: [[Cell]]) -> String {
        var widths = header.map(\.text.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.text.count) } }
        func line(_ l: String, _ m: String, _ r: String) -> String {
            l + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: m) + r + "\n"
        }
        func row(_ cells: [Cell]) -> String {
            "│" + cells.enumerated().map { i, c in
                " " + c.rendered(color: color) + String(repeating: " ", count: widths[i] - c.text.count) + " "
            }.joined(separator: "│") + "│\n"
        }
        return line("┌", "┬", "┐") + row(header) + line("├", "┼", "┤") + rows.map(row).joined() + line("└", "┴", "┘")
    }
}

/// A table cell and how to colour it on a terminal.
struct Cell: Sendable {
    enum Style: Sendable { case plain, bold, dim, green, yellow, red }
    var text: String
    var style: Style = .plain

    init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }

    func rendered(color: Bool) -> String {
        guard color else { return text }
        let code: String
        switch style {
        case .plain: return text
        case .bold: code = "1"
        case .dim: code = "2"
        case .green: code = "32"
        case .yellow: code = "33"
        case .red: code = "31"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
