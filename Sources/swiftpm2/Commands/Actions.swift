import ArgumentParser
import Glibc
import SwiftPM2Client
import SwiftPM2Core

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
        var list = try await api { () async throws(ClientError) in try await Self.perform(client, selector) }
        var failures: [String] = []
        if Self.failsOnErrored {
            // restart: watch the new processes briefly, as `start` does.
            // wait_ready apps may stay launching up to listen_timeout (and a second more).
            let readiness = list.apps.filter(\.spec.waitReady).map { $0.spec.listenTimeoutMs + 1000 }.max() ?? 0
            let watched = try await Settle(client: client, selectors: [selector], window: .milliseconds(300),
                                           readinessLimit: .milliseconds(readiness)).watch(from: list.apps)
            list.apps = watched.apps
            failures = watched.failures
        }
        if json { printJSON(list) } else { print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "") }
        fflush(nil)
        for f in failures { writeStderr(f + "\n") }
        if !failures.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }
}

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

struct Reload: SelectorAction {
    static let configuration = CommandConfiguration(
        abstract: "Rolling reload: replace instances one at a time, each ready before the old one stops (cluster mode; fork mode restarts).")
    static let verb = "reload"
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false
    static func perform(_ c: DaemonClient, _ s: String) async throws(ClientError) -> AppList { try await c.action("reload", s) }
}

struct Delete: SelectorAction {
    static let configuration = CommandConfiguration(abstract: "Stop apps and forget them.", aliases: ["del"])
    static let verb = "delete"
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false
    static func perform(_ c: DaemonClient, _ s: String) async throws(ClientError) -> AppList { try await c.delete(s) }
}
