import ArgumentParser
import SwiftPM2Client

/// stop, restart and delete share their shape: a selector in, the table out.
protocol SelectorAction: AsyncParsableCommand {
    var selector: String { get }
    var json: Bool { get }
    static var verb: String { get }
    /// Whether an errored instance in the answer makes the command fail (restart: yes).
    static var failsOnErrored: Bool { get }
    static func perform(_ client: DaemonClient, _ selector: String) async throws(ClientError) -> AppList
}

extension SelectorAction {
    static var failsOnErrored: Bool { false }

    func run() async throws {
        let client = try connect()
        let list = try await api { () async throws(ClientError) in try await Self.perform(client, selector) }
        if json { printJSON(list); return }
        print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "")
        guard Self.failsOnErrored else { return }
        let failed = list.apps.flatMap { app in app.instances.filter { $0.state == .errored }.map { (app.name, $0) } }
        for (name, inst) in failed {
            writeStderr("\(name)[\(inst.index)] errored: \(inst.message ?? "unknown reason")\n")
        }
        if !failed.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }
}

import SwiftPM2Core

struct Stop: SelectorAction {
    static let configuration = CommandConfiguration(abstract: "Stop apps: kill_signal to each process group, SIGKILL after kill_timeout.")
    static let verb = "stop"
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false
    static func perform(_ c: DaemonClient, _ s: String) async throws(ClientError) -> AppList { try await c.action("stop", s) }
}

struct Restart: SelectorAction {
    static let configuration = CommandConfiguration(abstract: "Stop, then start again, every instance of the apps.")
    static let verb = "restart"
    static let failsOnErrored = true
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false
    static func perform(_ c: DaemonClient, _ s: String) async throws(ClientError) -> AppList { try await c.action("restart", s) }
}

struct Delete: SelectorAction {
    static let configuration = CommandConfiguration(abstract: "Stop apps and forget them.", aliases: ["del"])
    static let verb = "delete"
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false
    static func perform(_ c: DaemonClient, _ s: String) async throws(ClientError) -> AppList { try await c.delete(s) }
}
