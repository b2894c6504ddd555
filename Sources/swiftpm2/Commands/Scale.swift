import ArgumentParser
import SwiftPM2Client
import SwiftPM2Core

struct Scale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change the number of instances live: N, +N or -N.",
        discussion: "New instances start at once; surplus ones (highest numbers first) stop gracefully while the rest keep serving.")

    @Argument(help: "A name, an id, a namespace or `all`.")
    var selector: String

    /// Taken as unrecognized arguments so that `-1` is read as a number, not an option.
    @Argument(parsing: .allUnrecognized, help: "The new count (4), or a change (+2, -1).")
    var change: [String] = []

    var instances: String { change.first ?? "" }

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard change.count == 1, ScaleTarget(instances) != nil else {
            throw ValidationError("instances must be a number, +N or -N, not `\(change.joined(separator: " "))`")
        }
    }

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await client.scale(selector, to: instances) }
        if json { printJSON(list); return }
        print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "")
    }
}
