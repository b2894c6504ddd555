import ArgumentParser
import Glibc
import SwiftPM2Client
import SwiftPM2Core

struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the apps of an ecosystem file, or one executable.",
        discussion: """
        swiftpm2 start ecosystem.json [--env production]
        swiftpm2 start ./server --name api -i 4 -- --port 8080
        Waits until the instances are online or have failed, and says why they failed.
        """)

    @Argument(help: "An ecosystem file (.json, .yaml, .yml) or an executable.")
    var target: String

    @Option(name: .long, help: "Use env_<NAME> of the ecosystem file.")
    var env: String?

    @Option(name: .long, help: "App name (for an executable; default: its file name).")
    var name: String?

    @Option(name: [.short, .long], help: "Instances (for an executable): a number, `max`, or -N for all cores but N.")
    var instances: String?

    @Option(name: .long, help: "Namespace (for an executable).")
    var namespace: String?

    @Option(name: .long, help: "Milliseconds to watch new instances for an immediate crash (0: do not wait).")
    var settle = 300

    @Flag(help: "Print JSON.")
    var json = false

    @Argument(parsing: .postTerminator, help: "Arguments for the executable, after `--`.")
    var args: [String] = []

    func run() async throws {
        let cwd = currentDirectory()
        let (document, base, source) = try makeDocument(cwd: cwd)
        // Validate here first: file:line:column and the fix, before anything is touched.
        let loaded: EcosystemLoadResult
        do {
            if let bytes = document.bytes {
                loaded = try Ecosystem.load(bytes, source: source, baseDirectory: base, envName: env, probe: SystemExecutableProbe())
            } else {
                loaded = try Ecosystem.validate(document.value, source: source, baseDirectory: base, envName: env, probe: SystemExecutableProbe())
            }
        } catch {
            throw fail(error.description, .invalidEcosystem)
        }
        let client = try connect()
        let started = try await api { () async throws(ClientError) in
            try await client.start(document: document.value.jsonBytes(), base: base, env: env, source: source)
        }
        for w in started.warnings { writeStderr("warning: \(w)\n") }
        let watched = settle == 0
            ? (apps: started.apps, failures: [])
            : try await Settle(client: client, selectors: loaded.apps.map(\.name), window: .milliseconds(settle),
                               readinessLimit: .milliseconds(readinessLimit(loaded.apps)))
                .watch(from: []) // new apps: every crash counts
        let list = AppList(apps: watched.apps, warnings: started.warnings)
        if json { printJSON(list) } else { print(StatusTable(color: stdoutIsTerminal).render(list.apps), terminator: "") }
        fflush(nil) // the table before the failure lines on stderr
        for f in watched.failures { writeStderr(f + "\n") }
        if !watched.failures.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }

    /// How long `wait_ready` apps may take to get ready or time out (`listen_timeout` and a
    /// second more), in milliseconds.
    private func readinessLimit(_ apps: [AppSpec]) -> Int {
        apps.filter(\.waitReady).map { $0.listenTimeoutMs + 1000 }.max() ?? 0
    }

    /// The ecosystem document to send: the file's, or one built for a lone executable.
    private func makeDocument(cwd: String) throws -> (ParsedDocument, String, String) {
        let path = target.hasPrefix("/") ? target : cwd + "/" + target
        let lower = target.lowercased()
        let isEcosystem = [".json", ".yaml", ".yml", ".js", ".cjs", ".mjs"].contains { lower.hasSuffix($0) }
        if isEcosystem {
            if name != nil || instances != nil || namespace != nil || !args.isEmpty {
                throw ValidationError("--name, -i, --namespace and -- args apply to an executable; set them in \(target) instead")
            }
            let file = try EcosystemFile.read(target, cwd: cwd)
            return (file.document, file.base, target)
        }
        var app: [(key: String, value: EcosystemValue)] = [("script", .string(target))]
        if let name { app.append(("name", .string(name))) }
        if let namespace { app.append(("namespace", .string(namespace))) }
        if let instances {
            app.append(("instances", Int(instances).map(EcosystemValue.int) ?? .string(instances)))
        }
        if !args.isEmpty { app.append(("args", .array(args.map(EcosystemValue.string)))) }
        let value = EcosystemValue.object([("apps", .array([.object(app)]))])
        return (ParsedDocument(value: value, bytes: nil, format: .json), cwd, "command line")
    }
}

struct ParsedDocument {
    var value: EcosystemValue
    var bytes: [UInt8]?
    var format: EcosystemFormat
}

func currentDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "/" }
    return String(cString: buf)
}

func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { break }
        data += buf[..<n]
    }
    return data
}
