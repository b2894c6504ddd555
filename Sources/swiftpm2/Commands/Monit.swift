import ArgumentParser
import Glibc
import SwiftPM2Client

struct Monit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A live screen of every instance: state, CPU, memory, history sparklines, the selected one's logs.",
        discussion: """
        Keys: ↑/↓ or k/j move, PgUp/PgDn/Home/End, r restart, R reload, s stop (the app of the selected
        instance), l shows or hides the logs, q, Esc or Ctrl-C quits.
        """
    )

    @Option(name: .long, help: "Seconds between refreshes.")
    var interval = 1.0

    @Flag(name: .long, help: "Start with the log pane hidden (l shows it).")
    var noLogs = false

    @Flag(name: .long, help: "Print one frame as plain text and exit (no terminal needed).")
    var once = false

    func validate() throws {
        guard interval >= 0.05, interval <= 3600 else { throw ValidationError("--interval must be between 0.05 and 3600 seconds") }
    }

    func run() async throws {
        let client = try connect()
        let session = MonitSession(client: client, intervalMs: Int((interval * 1000).rounded()), showLogs: !noLogs)
        if once {
            let width = isatty(STDOUT_FILENO) == 1 ? Terminal.size(of: STDOUT_FILENO).columns
                : getenv("COLUMNS").flatMap { Int(String(cString: $0)) } ?? 120
            let frame = try await api { () async throws(ClientError) in try session.once(width: max(MonitLayout.minimumSize.columns, width)) }
            print(frame, terminator: "")
            return
        }
        guard let terminal = Terminal.standard() else {
            throw fail("monit needs a terminal on standard input and output; `swiftpm2 monit --once` prints one frame as text", .failed)
        }
        await session.run(on: terminal)
    }
}
