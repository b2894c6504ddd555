import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `swiftpm2 monit`'s pure parts: key decoding, history, sparklines, layout and frames.
@Suite(.timeLimit(.minutes(1)))
struct MonitRenderTests {
    // MARK: - Fixtures

    func app(_ id: Int, _ name: String, _ instances: [InstanceInfo], mode: ExecMode = .fork) -> AppInfo {
        AppInfo(id: id, name: name, namespace: "default", mode: mode,
                spec: AppSpec(name: name, script: "/bin/\(name)", cwd: "/"), instances: instances)
    }

    func instance(_ index: Int, pid: Int32?, state: InstanceState = .online, restarts: Int = 0, uptimeMs: Int? = nil,
                  cpu: Double? = nil, memory: UInt64? = nil) -> InstanceInfo {
        InstanceInfo(index: index, pid: pid, state: state, restarts: restarts, unstableRestarts: 0, startedAtMs: nil,
                     uptimeMs: uptimeMs, cpuPercent: cpu, memoryBytes: memory, lastExit: nil, message: nil,
                     outLog: "/o", errLog: "/e")
    }

    /// Two apps: `api` with two instances, `worker` errored.
    var sampleApps: [AppInfo] {
        [
            app(0, "api", [instance(0, pid: 1234, uptimeMs: 65_000, cpu: 12.5, memory: 12 * 1024 * 1024),
                           instance(1, pid: 1240, restarts: 2, uptimeMs: 5_000, cpu: 0.5, memory: 10 * 1024 * 1024)]),
            app(1, "worker", [instance(0, pid: nil, state: .errored, restarts: 16)]),
        ]
    }

    func state(_ apps: [AppInfo], size: TerminalSize = TerminalSize(columns: 100, rows: 16), showLogs: Bool = true) -> MonitState {
        var s = MonitState(size: size, showLogs: showLogs)
        s.update(apps: apps, atMs: 0)
        return s
    }

    func plain(_ s: MonitState) -> [String] {
        MonitRenderer(ansi: false).render(s).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    // MARK: - Keys

    @Test func keysAndEscapeSequences() {
        var input = MonitInput()
        #expect(input.feed(Array("jkgGrRslq".utf8)) == [.down, .up, .home, .end, .restart, .reload, .stop, .toggleLogs, .quit])
        #expect(input.feed([0x03, 0x0C, 0x1A]) == [.quit, .redraw, .suspend])
        let sequences: [(String, MonitAction)] = [
            ("\u{1B}[A", .up), ("\u{1B}[B", .down), ("\u{1B}OA", .up), ("\u{1B}OB", .down),
            ("\u{1B}[5~", .pageUp), ("\u{1B}[6~", .pageDown), ("\u{1B}[H", .home), ("\u{1B}[F", .end),
            ("\u{1B}[1~", .home), ("\u{1B}[4~", .end), ("\u{1B}[7~", .home), ("\u{1B}[8~", .end),
            ("\u{1B}OH", .home), ("\u{1B}OF", .end), ("\u{1B}[1;5B", .down), ("\u{1B}[5;2~", .pageUp),
        ]
        for (bytes, action) in sequences {
            #expect(input.feed(Array(bytes.utf8)) == [action], "\(bytes.debugDescription)")
            #expect(!input.hasPending)
        }
    }

    @Test func sequencesSplitAcrossReadsWaitForTheirEnd() {
        var input = MonitInput()
        #expect(input.feed([0x1B]).isEmpty)
        #expect(input.hasPending)
        #expect(input.feed(Array("[".utf8)).isEmpty)
        #expect(input.feed(Array("6".utf8)).isEmpty)
        #expect(input.feed(Array("~j".utf8)) == [.pageDown, .down])
        #expect(!input.hasPending)
        // Two arrows and a key in one read, the last arrow cut in the middle.
        #expect(input.feed(Array("\u{1B}[Bx\u{1B}[".utf8)) == [.down])
        #expect(input.feed(Array("A".utf8)) == [.up])
    }

    @Test func loneEscapeIsTheEscKeyOnlyAfterAQuietTime() {
        var input = MonitInput()
        #expect(input.feed([0x1B]).isEmpty)
        #expect(input.flush() == [.quit])
        #expect(!input.hasPending)
        // An unfinished sequence that times out is dropped, not read as Esc.
        #expect(input.feed(Array("\u{1B}[1".utf8)).isEmpty)
        #expect(input.flush().isEmpty)
        // Esc twice: the first one is the key.
        #expect(input.feed([0x1B, 0x1B, UInt8(ascii: "["), UInt8(ascii: "A")]) == [.quit, .up])
    }

    @Test func unknownBytesMeanNothing() {
        var input = MonitInput()
        #expect(input.feed(Array("é x\u{1B}[200~\u{1B}x\u{1B}[15~".utf8)).isEmpty)
        #expect(!input.hasPending)
        #expect(input.feed(Array("k".utf8)) == [.up])
    }

    // MARK: - History

    @Test func ringKeepsTheNewestValuesInOrder() {
        var ring = SampleRing<Int>(capacity: 3)
        #expect(ring.suffix(5).isEmpty && ring.last == nil)
        for i in 1...5 { ring.append(i) }
        #expect(ring.count == 3)
        #expect(ring.elements == [3, 4, 5])
        #expect(ring.suffix(2) == [4, 5])
        #expect(ring.last == 5)
    }

    @Test func aNewPidContinuesTheSlotsHistoryAndIsMarked() {
        var s = state([app(0, "api", [instance(0, pid: 10, memory: 100)])])
        s.update(apps: [app(0, "api", [instance(0, pid: nil, state: .waitingRestart, restarts: 1)])], atMs: 1000)
        s.update(apps: [app(0, "api", [instance(0, pid: 11, restarts: 1, memory: 200)])], atMs: 2000)
        s.update(apps: [app(0, "api", [instance(0, pid: 11, restarts: 1, memory: 300)])], atMs: 3000)
        let history = s.histories[InstanceKey(appId: 0, index: 0)]
        #expect(history?.samples.elements.map(\.memoryBytes) == [100, nil, 200, 300])
        #expect(history?.samples.elements.map(\.newProcess) == [false, false, true, false])
        #expect(history?.newProcesses == 1)
        #expect(history?.lastPid == 11)
        // Slots that are gone are forgotten; a history never grows past its capacity.
        var small = MonitState(size: TerminalSize(columns: 80, rows: 24), historyCapacity: 4)
        for t in 0..<10 { small.update(apps: [app(0, "api", [instance(0, pid: 10, memory: UInt64(t))])], atMs: t) }
        #expect(small.histories[InstanceKey(appId: 0, index: 0)]?.samples.count == 4)
        small.update(apps: [], atMs: 11)
        #expect(small.histories.isEmpty)
    }

    // MARK: - Sparklines

    @Test func sparklineScalesToTheCeilingNewestOnTheRight() {
        #expect(Sparkline.line([0, 25, 50, 75, 100], width: 5, ceiling: 100).plainText == "▁▃▅▆█")
        #expect(Sparkline.line([0, 200], width: 2, ceiling: 100).plainText == "▁█")
        // Shorter history: blank on the left; gaps (no process) blank too; older values cut.
        #expect(Sparkline.line([10, nil, 10], width: 6, ceiling: 10).plainText == "   █ █")
        #expect(Sparkline.line([100, 0, 0], width: 2, ceiling: 100).plainText == "▁▁")
        #expect(Sparkline.line([5], width: 0, ceiling: 10).plainText == "")
    }

    @Test func restartsAreMarkedInTheSparkline() {
        let line = Sparkline.line([1, 2, 3], width: 4, ceiling: 3, marked: [1], markStyle: .colored(.yellow))
        let rendered = line.rendered(width: 4, ansi: true)
        #expect(rendered == " ▃\u{1B}[33m▆\u{1B}[0m█")
    }

    // MARK: - Frames

    @Test func frameShowsEveryInstanceWithTotalsDetailLogsAndKeys() {
        var s = state(sampleApps)
        s.logsOf = InstanceKey(appId: 0, index: 0)
        s.logLines = [
            LogLine(app: "api", instance: 0, stream: "out", line: "listening on :3000"),
            LogLine(app: "api", instance: 1, stream: "out", line: "not this instance"),
            LogLine(app: "api", instance: 0, stream: "err", line: "warning: \u{1B}[31mslow\u{1B}[0m\trequest"),
        ]
        let expected = """
        swiftpm2 monit  daemon up
        2 apps, 3 instances: 2 online, 1 errored  ·  cpu 13.0%  ·  mem 22.0mb
          id name   # status   pid uptime  ↺    cpu last 22s                    mem last 22s
        ▶  0 api    0 online  1234     1m  0  12.5%                      █   12.0mb                      █
           0 api    1 online  1240     5s  2   0.5%                      ▁   10.0mb                      █
           1 worker 0 errored    -      - 16      -                               -
        api[0] · online · pid 1234 · up 1m · 0 restarts
        ── logs of api[0] (newest last; l hides) ───────────────────────────────────────────────────────────
        out │ listening on :3000
        err │ warning: slow request





        ↑↓ jk move  PgUp PgDn Home End page  r restart  R reload  s stop  l logs  q quit
        """
        let lines = plain(s)
        #expect(lines.joined(separator: "\n") == expected)
        #expect(lines.count == 16)
    }

    @Test func everyLineFitsTheWidthAndTheFrameFillsTheHeight() {
        for columns in [40, 41, 57, 80, 99, 120, 200] {
            for rows in [8, 9, 13, 40] {
                var s = state(sampleApps, size: TerminalSize(columns: columns, rows: rows))
                s.status = MonitStatus(String(repeating: "long status ", count: 30), .failure)
                let lines = plain(s)
                #expect(lines.count == rows, "\(columns)x\(rows)")
                for line in lines { #expect(TerminalText.width(line) <= columns, "\(columns)x\(rows): \(line)") }
                // The ANSI frame: cursor home, no clear, one line per row, each cleared to its end.
                let frame = MonitRenderer(ansi: true).render(s)
                #expect(frame.hasPrefix("\u{1B}[H") && !frame.contains("\u{1B}[2J"))
                #expect(frame.split(separator: "\r\n", omittingEmptySubsequences: false).count == rows)
                #expect(stripANSI(frame).split(separator: "\r\n", omittingEmptySubsequences: false).map { trimmed(String($0)) } == lines)
            }
        }
    }

    @Test func narrowTerminalsDropTheSparklinesAndTinyOnesSaySo() {
        let narrow = plain(state(sampleApps, size: TerminalSize(columns: 60, rows: 12)))
        #expect(narrow[2] == "  id name   # status   pid uptime  ↺    cpu      mem")
        #expect(!narrow.joined().contains("last "))
        let tiny = plain(state(sampleApps, size: TerminalSize(columns: 30, rows: 6)))
        #expect(tiny == ["terminal too small (30x6)", "need 40x8; q quits"])
        #expect(tiny.allSatisfy { TerminalText.width($0) <= 30 })
    }

    @Test func cpuIsADashUntilTheDaemonReportsIt() {
        let lines = plain(state([app(0, "sleep", [instance(0, pid: 9, memory: 4096)])], size: TerminalSize(columns: 100, rows: 10)))
        #expect(lines[1] == "1 app, 1 instance: 1 online, 0 errored  ·  cpu -  ·  mem 4.0kb")
        #expect(lines[3].hasPrefix("▶  0 sleep 0 online   9      - 0      -   "))
    }

    @Test func noAppsSaysHowToStartOne() {
        let lines = plain(state([]))
        #expect(lines[1] == "0 apps, 0 instances: 0 online, 0 errored  ·  cpu -  ·  mem 0b")
        #expect(lines[3].contains("no apps: start one with `swiftpm2 start"))
    }

    @Test func headerTellsWhenTheDaemonIsGone() {
        var s = state(sampleApps, size: TerminalSize(columns: 200, rows: 16))
        s.refreshFailed(.daemonUnavailable("cannot connect to the daemon at /h/daemon.sock: No such file or directory"), atMs: 12_000)
        let header = plain(s)[0]
        #expect(header == "swiftpm2 monit  daemon unreachable, retrying every 1s (figures from 12s ago): cannot connect to the daemon at /h/daemon.sock: No such file or directory")
        // The last figures stay on screen.
        #expect(plain(s)[3].contains("1234"))
        var fresh = MonitState(size: TerminalSize(columns: 80, rows: 10))
        #expect(plain(fresh)[0] == "swiftpm2 monit  connecting to the daemon…")
        fresh.refreshFailed(.daemonUnavailable("gone"), atMs: 5)
        #expect(plain(fresh)[0] == "swiftpm2 monit  daemon unreachable, retrying every 1s: gone")
    }

    // MARK: - Selection and actions

    @Test func selectionMovesClampsAndFollowsItsSlotAcrossRefreshes() {
        var s = state(sampleApps)
        #expect(s.selected == InstanceKey(appId: 0, index: 0))
        #expect(s.handle(.up) == .none)
        #expect(s.selectedRow == 0)
        #expect(s.handle(.down) == .refreshLogs)
        #expect(s.handle(.end) == .refreshLogs)
        #expect(s.selected == InstanceKey(appId: 1, index: 0))
        #expect(s.handle(.down) == .none)
        #expect(s.handle(.home) == .refreshLogs && s.selectedRow == 0)
        _ = s.handle(.pageDown)
        #expect(s.selectedRow == 2)
        _ = s.handle(.pageUp)
        #expect(s.selectedRow == 0)
        // The selected slot keeps the selection when rows before it go away...
        _ = s.handle(.down)
        s.update(apps: [sampleApps[0]], atMs: 1000)
        s.update(apps: [app(0, "api", [sampleApps[0].instances[1]])], atMs: 2000)
        #expect(s.selected == InstanceKey(appId: 0, index: 1) && s.selectedRow == 0)
        // ...and the nearest row takes it when the slot goes.
        s.update(apps: sampleApps, atMs: 3000)
        _ = s.handle(.end)
        s.update(apps: [sampleApps[0]], atMs: 4000)
        #expect(s.selected == InstanceKey(appId: 0, index: 1))
        #expect(plain(s)[4].hasPrefix("▶  0 api  1 online 1240"))
    }

    @Test func aLongListScrollsToKeepTheSelectionOnScreen() {
        let many = (0..<30).map { app($0, "app\($0)", [instance(0, pid: Int32(100 + $0), memory: 1024)]) }
        var s = state(many, size: TerminalSize(columns: 80, rows: 14))
        let visible = s.layout.tableRows
        #expect(visible == 5 && s.layout.logPaneLines == 3)
        for _ in 0..<10 { _ = s.handle(.down) }
        let lines = plain(s)
        let shown = lines[3..<(3 + visible)]
        #expect(shown.last?.hasPrefix("▶ 10 app10") == true, "\(shown)")
        #expect(lines[3 + visible].hasSuffix("row 11/30"))
        _ = s.handle(.pageUp)
        #expect(s.selectedRow == 5 && s.scrollTop == 5)
        // Hiding the logs gives the table their room.
        #expect(s.handle(.toggleLogs) == .none)
        #expect(s.layout.tableRows == 8 && s.layout.logPaneLines == 0)
        #expect(s.handle(.toggleLogs) == .refreshLogs)
    }

    @Test func actionsNameTheSelectedAppAndReportTheirOutcome() {
        var s = state(sampleApps)
        _ = s.handle(.end)
        #expect(s.handle(.restart) == .appAction(verb: .restart, appId: 1, appName: "worker"))
        #expect(s.busy == "restarting worker")
        #expect(plain(s)[14] == "… restarting worker")
        // One action at a time.
        #expect(s.handle(.stop) == .none)
        #expect(s.status == MonitStatus("still restarting worker; stop not sent", .failure))
        s.finish(.restart, appName: "worker", result: .success([app(1, "worker", [instance(0, pid: 50)])]))
        #expect(s.busy == nil)
        #expect(plain(s)[14] == "restarted worker: 1/1 running")
        _ = s.handle(.home)
        #expect(s.handle(.reload) == .appAction(verb: .reload, appId: 0, appName: "api"))
        s.finish(.reload, appName: "api", result: .failure(.api(APIError(.spawnFailed, "api[0]: no READY=1"), status: 422)))
        #expect(plain(s)[14] == "reload api failed: api[0]: no READY=1")
        #expect(s.handle(.quit) == .quit)
        var empty = state([])
        #expect(empty.handle(.stop) == .none)
        #expect(empty.status?.text == "nothing selected")
    }

    @Test func logPaneKeepsTheEndsOfBothStreams() {
        var s = state([app(0, "api", [instance(0, pid: 1)])], size: TerminalSize(columns: 60, rows: 12))
        #expect(s.layout.logLines == 4)
        s.logsOf = InstanceKey(appId: 0, index: 0)
        s.logLines = (1...5).map { LogLine(app: "api", instance: 0, stream: "out", line: "out \($0)") }
            + (1...5).map { LogLine(app: "api", instance: 0, stream: "err", line: "err \($0)") }
        let lines = plain(s)
        #expect(Array(lines[6...9]) == ["out │ out 4", "out │ out 5", "err │ err 4", "err │ err 5"])
        // Only stdout: all of the room.
        s.logLines = s.logLines.filter { $0.stream == "out" }
        #expect(Array(plain(s)[6...9]) == ["out │ out 2", "out │ out 3", "out │ out 4", "out │ out 5"])
        // Another instance selected: its logs are on their way.
        s.logsOf = InstanceKey(appId: 9, index: 0)
        #expect(plain(s)[6] == "  loading…")
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        #expect(TerminalText.printable("a\u{1B}[1;31mred\u{1B}[0m\tb\u{07}c\r") == "ared b?c?")
        #expect(TerminalText.width("名前") == 4)
        #expect(StyledLine("名前x").truncated(to: 3).plainText == "名 ")
        let s = state([app(0, "evil\u{1B}[2J", [instance(0, pid: 1)])])
        #expect(!MonitRenderer(ansi: true).render(s).contains("\u{1B}[2J"))
    }

    // MARK: - Helpers

    func stripANSI(_ s: String) -> String {
        var out = ""
        var inEscape = false
        for c in s.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(c.value) && c != "[" && c != "?" { inEscape = false }
                continue
            }
            if c == "\u{1B}" { inEscape = true; continue }
            out.unicodeScalars.append(c)
        }
        return out
    }

    func trimmed(_ s: String) -> String {
        var s = Substring(s)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
