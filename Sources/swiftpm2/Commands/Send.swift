import ArgumentParser
import FoundationEssentials
import SwiftPM2Client
import SwiftPM2Core

/// A JSON argument (`'{"a":1}'`, `'"text"'`, `42`); a bare word that is not JSON is taken as a string.
func jsonArgument(_ text: String, name: String) throws -> JSONValue {
    if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { return value }
    if text.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:/".contains($0) }) { return .string(text) }
    throw ValidationError("\(name) is not valid JSON: \(text) (quote it for the shell: '{\"key\": \"value\"}')")
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a message to the instances of apps with `ipc: true` (docs/messages.md).")
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Argument(help: "The message: any JSON value.") var message: String
    @Option(help: "Only this instance number.") var instance: Int?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let data = try jsonArgument(message, name: "the message")
        let client = try connect()
        let result = try await api { () async throws(ClientError) in try await client.send(selector, instance: instance, data: data) }
        if json { printJSON(result) } else {
            for e in result.done { print("sent to \(e.app)[\(e.instance)] (pid \(e.pid.map(String.init) ?? "-"))") }
            for e in result.missing { writeStderr("swiftpm2: \(e.app)[\(e.instance)]: not sent: \(e.reason ?? "unknown")\n") }
        }
        if result.done.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }
}

struct Trigger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the instances of apps with `ipc: true` to run an action, and print their replies.",
        discussion: "Exits 1, naming them, when an instance did not answer in time, has no channel or does not offer the action.")
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Argument(help: "The action's name.") var action: String
    @Argument(help: "Data for the action: any JSON value.") var data: String?
    @Option(help: "Only this instance number.") var instance: Int?
    @Option(help: "How long to wait for the replies: 2s, 500ms, or a number of milliseconds.") var timeout = "2s"
    @Flag(help: "Print JSON.") var json = false

    /// `--timeout` in milliseconds.
    var timeoutMs: Int? {
        let t = timeout.filter { $0 != " " }
        if t.hasSuffix("ms") { return Int(t.dropLast(2)) }
        if t.hasSuffix("s") { return Double(t.dropLast()).map { Int($0 * 1000) } }
        return Int(t)
    }

    func validate() throws {
        guard let ms = timeoutMs, (1...600_000).contains(ms) else {
            throw ValidationError("--timeout must be a duration from 1ms to 600s, like 2s or 500ms (got \(timeout))")
        }
    }

    func run() async throws {
        let payload = try data.map { try jsonArgument($0, name: "the data") } ?? .null
        let client = try connect()
        let result = try await api { () async throws(ClientError) in
            try await client.trigger(selector, action: action, data: payload, instance: instance, timeoutMs: timeoutMs ?? 2000)
        }
        if json { printJSON(result) } else {
            for e in result.done { print("\(e.app)[\(e.instance)] (pid \(e.pid.map(String.init) ?? "-")): \(e.data?.description ?? "null")") }
            for e in result.missing { writeStderr("swiftpm2: \(e.app)[\(e.instance)]: \(e.reason ?? "no reply")\n") }
        }
        if !result.missing.isEmpty || result.done.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }
}

struct Signal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a signal to the main process of each running instance (as `pm2 sendSignal`).")
    @Argument(help: "A signal: SIGUSR2, usr2 or 12.") var signal: String
    @Argument(help: "A name, an id, a namespace or `all`.") var selector: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try connect()
        let value: JSONValue = Int64(signal).map { .int($0) } ?? .string(signal)
        let list: AppList = try await api { () async throws(ClientError) in
            try await client.call(.POST, "/v1/apps/\(DaemonClient.escape(selector))/signal",
                                  body: Array(JSONValue.object(["signal": value]).description.utf8))
        }
        if json { printJSON(list) } else { print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "") }
    }
}

struct Flush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Empty the log files of apps (the apps keep writing to them).")
    @Argument(help: "A name, an id, a namespace or `all`.") var selector = "all"

    func run() async throws {
        let client = try connect()
        let result: FlushResult = try await api { () async throws(ClientError) in
            try await client.call(.POST, "/v1/apps/\(DaemonClient.escape(selector))/flush", body: [])
        }
        for file in result.files { print("emptied \(file)") }
    }
}
