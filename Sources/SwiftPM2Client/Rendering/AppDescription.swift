import SwiftPM2Core

/// The text of `swiftpm2 describe`: everything known about one app. Pure.
public enum AppDescription {
    public static func render(_ app: AppInfo) -> String {
        let s = app.spec
        var out = "\(app.name) (id \(app.id), namespace \(app.namespace), \(app.mode.rawValue) mode)\n"
        var fields: [(String, String)] = [
            ("script", s.script),
            ("args", s.args.isEmpty ? "-" : s.args.map(quote).joined(separator: " ")),
        ]
        if let i = s.interpreter { fields.append(("interpreter", ([i] + s.interpreterArgs).joined(separator: " "))) }
        fields += [
            ("cwd", s.cwd),
            ("instances", String(app.instances.count)),
            ("autorestart", String(s.autorestart)),
            ("max_restarts", String(s.maxRestarts)),
            ("min_uptime", "\(s.minUptimeMs)ms"),
            ("restart_delay", s.expBackoffRestartDelayMs.map { "exponential from \($0)ms" } ?? "\(s.restartDelayMs)ms"),
            ("crash_window", "\(s.crashWindowMs)ms"),
            ("kill_signal", String(s.killSignal)),
            ("kill_timeout", "\(s.killTimeoutMs)ms"),
            ("env", s.env.keys.sorted().joined(separator: ", ").ifEmpty("-")),
        ]
        if let limit = s.maxMemoryRestart {
            fields.append(("max_memory", "\(Humanize.bytes(limit)) (recycled after \(s.maxMemorySamples ?? 1) sample(s) over it)"))
        }
        if let cron = s.cronRestart { fields.append(("cron_restart", cron)) }
        if !s.watch.isEmpty {
            fields.append(("watch", s.watch.joined(separator: ", ") + (s.ignoreWatch.isEmpty ? "" : " (ignoring \(s.ignoreWatch.joined(separator: ", ")))")))
        }
        if s.execMode == .cluster && !s.listen.isEmpty {
            fields.append(("listen", s.listen.joined(separator: ", ") + " (balance \(s.balance.rawValue))"))
        }
        if s.logType == .journal { fields.append(("logs", "journal (journalctl SWIFTPM2_APP=\(s.name))")) }
        let width = fields.map(\.0.count).max() ?? 0
        for (k, v) in fields { out += "  \(k.padding(width)) \(v)\n" }
        for inst in app.instances {
            out += "\n  instance \(inst.index): \(inst.state.rawValue)"
            if let pid = inst.pid { out += ", pid \(pid)" }
            if let up = inst.uptimeMs { out += ", up \(Humanize.duration(ms: up))" }
            out += ", \(inst.restarts) restart\(inst.restarts == 1 ? "" : "s")"
            if inst.unstableRestarts > 0 { out += " (\(inst.unstableRestarts) unstable in a row)" }
            out += "\n"
            if let status = inst.status { out += "    status     \(status)\n" }
            if let cpu = inst.cpuPercent { out += "    cpu        \(Humanize.percent(cpu))\n" }
            if let mem = inst.memoryBytes {
                var line = "    memory     \(Humanize.bytes(mem)) rss"
                if let pss = inst.pssBytes { line += ", \(Humanize.bytes(pss)) pss" }
                if let n = inst.processes, n > 1 { line += " (\(n) processes)" }
                out += line + "\n"
            }
            if let exit = inst.lastExit { out += "    last exit  \(exit.reason)\n" }
            if let ipc = inst.ipc {
                out += "    ipc        actions: \(ipc.actions.isEmpty ? "none declared" : ipc.actions.joined(separator: ", "))"
                    + "; \(ipc.received) in, \(ipc.sent) out, \(ipc.dropped) dropped, \(ipc.malformed) malformed\n"
                if let pong = ipc.lastPong { out += "    last pong  \(pong)" + (ipc.missedPings > 0 ? " (\(ipc.missedPings) ping(s) unanswered since)" : "") + "\n" }
            }
            if let message = inst.message { out += "    note       \(message)\n" }
            out += "    out log    \(inst.outLog)\n    err log    \(inst.errLog)\n"
        }
        return out
    }

    static func quote(_ arg: String) -> String {
        arg.contains(where: { $0 == " " || $0 == "\"" || $0 == "'" }) ? "'\(arg.replacingAll("'", with: "'\\''"))'" : arg
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
    func replacingAll(_ a: Character, with b: String) -> String {
        var out = ""
        for c in self { if c == a { out += b } else { out.append(c) } }
        return out
    }
}
