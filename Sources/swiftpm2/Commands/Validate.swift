import ArgumentParser
import SwiftPM2Core

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an ecosystem file without starting anything (for CI).",
        discussion: "Exits 0 when the file is valid, 2 with every problem listed when it is not.")

    @Argument(help: "An ecosystem file (.json, .yaml, .yml).")
    var file: String

    @Option(name: .long, help: "Check with env_<NAME> selected.")
    var env: String?

    @Flag(help: "Print the resolved apps as JSON.")
    var json = false

    func run() async throws {
        let path = file.hasPrefix("/") ? file : currentDirectory() + "/" + file
        guard let bytes = readFile(path) else {
            throw fail("cannot read \(file): no such file or not readable", .invalidEcosystem)
        }
        let dir = String(path[..<path.lastIndex(of: "/")!])
        let result: EcosystemLoadResult
        do {
            result = try Ecosystem.load(bytes, source: file, baseDirectory: dir.isEmpty ? "/" : dir, envName: env, probe: SystemExecutableProbe())
        } catch {
            throw fail("\(error.issues.count) problem\(error.issues.count == 1 ? "" : "s") in \(file):\n\(error.description)", .invalidEcosystem)
        }
        for w in result.warnings { writeStderr("warning: \(w)\n") }
        if json { printJSON(result.apps); return }
        let summary = result.apps.map { app in
            let count: String
            switch app.instances {
            case .count(let n): count = String(n)
            case .max: count = "max"
            case .allBut(let n): count = "cores-\(n)"
            }
            return "\(app.name) ×\(count) \(app.execMode.rawValue)"
        }.joined(separator: ", ")
        print("\(file): valid, \(result.apps.count) app\(result.apps.count == 1 ? "" : "s") (\(summary))")
    }
}
