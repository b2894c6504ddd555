import ArgumentParser
import SwiftPM2Client
import SwiftPM2Core

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Converge the running apps to an ecosystem file, idempotently.",
        discussion: """
        New apps start, changed apps reload (cluster mode) or restart (fork mode), a changed instance
        count scales, unchanged apps are left alone. With --prune, apps not in the file are deleted.
        Running it twice in a row changes nothing the second time.
        """)

    @Argument(help: "An ecosystem file (.json, .yaml, .yml).")
    var file: String

    @Option(name: .long, help: "Use env_<NAME> of the ecosystem file.")
    var env: String?

    @Flag(help: "Delete running apps that are not in the file.")
    var prune = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let ecosystem = try EcosystemFile.read(file, cwd: currentDirectory())
        _ = try ecosystem.validate(source: file, env: env)
        let client = try connect()
        let result = try await api { () async throws(ClientError) in
            try await client.apply(document: ecosystem.document.value.jsonBytes(), base: ecosystem.base, env: env,
                                   source: file, prune: prune)
        }
        if json { printJSON(result); return }
        for w in result.warnings { writeStderr("warning: \(w)\n") }
        let lines: [(String, [String])] = [("started", result.started), ("reloaded", result.reloaded),
                                           ("restarted", result.restarted), ("scaled", result.scaled),
                                           ("deleted", result.deleted), ("unchanged", result.unchanged)]
        for (verb, names) in lines where !names.isEmpty {
            print("\(verb): \(names.joined(separator: ", "))")
        }
        if result.changedNothing { print("nothing to do: the running apps match \(file)") }
        print(StatusTable(color: stdoutIsTerminal).render(result.apps), terminator: "")
    }
}
