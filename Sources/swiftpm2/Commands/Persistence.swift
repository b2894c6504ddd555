import ArgumentParser
import SwiftPM2Client
import SwiftPM2Core

struct Save: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the apps to $SWIFTPM2_HOME/dump.json, for `resurrect` (the previous dump is kept as dump.json.bak).",
        aliases: ["dump"])
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try connect()
        let result = try await api { () async throws(ClientError) in try await client.save() }
        if json { printJSON(result); return }
        let names = result.apps.isEmpty ? "no apps" : result.apps.joined(separator: ", ")
        print("saved \(names) to \(result.path)" + (result.backup.map { " (previous dump kept as \($0))" } ?? ""))
    }
}

struct Resurrect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the apps saved by `save` that do not run now (running it twice never doubles an app).")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await client.resurrect() }
        if json { printJSON(list); return }
        for warning in list.warnings { writeStderr("swiftpm2: \(warning)\n") }
        if list.apps.isEmpty {
            print("nothing to start: every saved app already runs")
        } else {
            print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "")
        }
    }
}
