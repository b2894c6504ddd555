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
        let result = try EcosystemFile.read(file, cwd: currentDirectory()).validate(source: file, env: env)
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
