import ArgumentParser
import Glibc
import SwiftPM2Client
import SwiftPM2Core

struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the last log lines of apps, and follow new ones.")

    @Argument(help: "A name, an id, a namespace or `all`.")
    var selector = "all"

    @Option(name: .long, help: "How many lines of each log file to print first.")
    var lines = 15

    @Flag(name: [.short, .long], help: "Keep printing new lines until interrupted.")
    var follow = false

    @Flag(help: "Only standard error.")
    var err = false

    @Flag(help: "Only standard output.")
    var out = false

    @Flag(help: "Print the lines alone, without the `app[instance] |` prefix.")
    var raw = false

    @Flag(help: "Instead of the log files: messages and replies from instances with `ipc: true`, as they come.")
    var messages = false

    func validate() throws {
        if lines < 0 { throw ValidationError("--lines must be 0 or more") }
        if err && out { throw ValidationError("--err and --out together mean everything: give neither") }
    }

    func run() async throws {
        let client = try connect()
        if messages {
            let wanted = try await api { () async throws(ClientError) in try await client.apps(selector == "all" ? nil : selector) }
            let ids = Set(wanted.apps.map(\.id))
            let raw = self.raw
            try await api { () async throws(ClientError) in
                try await client.events { event in
                    guard event.kind == "message" || event.kind == "reply", ids.contains(event.appId) else { return }
                    let who = event.instance.map { "\(event.app)[\($0)]" } ?? event.app
                    let text = (raw ? event.message : "\(who) \(event.kind) | \(event.message)") + "\n"
                    _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
                }
            }
            return
        }
        let onlyStream = err ? "err" : out ? "out" : nil
        let raw = self.raw
        let color = stdoutIsTerminal
        try await api { () async throws(ClientError) in
            try await client.logs(selector, lines: lines, follow: follow) { line in
                if let onlyStream, line.stream != onlyStream { return }
                printLogLine(line, raw: raw, color: color)
            }
        }
    }
}

/// `api[0] | text`, with stderr lines in red on a terminal.
func printLogLine(_ line: LogLine, raw: Bool, color: Bool) {
    var text: String
    if raw {
        text = line.line
    } else {
        let who = line.instance.map { "\(line.app)[\($0)]" } ?? line.app
        let prefix = line.stream == "err" && color ? "\u{1B}[31m\(who) |\u{1B}[0m" : "\(who) |"
        text = "\(prefix) \(line.line)"
    }
    text += "\n"
    _ = text.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
}
