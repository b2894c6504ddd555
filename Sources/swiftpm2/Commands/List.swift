import ArgumentParser
import SwiftPM2Client

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show every app and instance as a table.", aliases: ["ls", "status"])

    @Option(name: .long, help: "Only these apps: a name, an id, a namespace or `all`.")
    var only: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await client.apps(only) }
        if json { printJSON(list); return }
        print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "")
    }
}

struct JList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jlist", abstract: "Print every app and instance as JSON.")

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await client.apps() }
        printJSON(list.apps)
    }
}

struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show everything about an app: settings, instances, last exits, log files.")

    @Argument(help: "A name, an id, a namespace or `all`.")
    var selector: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await client.apps(selector) }
        if json { printJSON(list.apps); return }
        print(list.apps.map(AppDescription.render).joined(separator: "\n"), terminator: "")
    }
}
