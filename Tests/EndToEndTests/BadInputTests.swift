import Foundation
import SwiftPM2Client
import Synchronization
import SwiftPM2Core
import Testing

/// The broken ecosystem files of `Tests/Corpus/` through the real CLI and the real API, with a
/// daemon serving an app: `validate` and `start` exit 2 and print `FILE:LINE:COLUMN: PATH:
/// MESSAGE (HINT)`, the API answers `400 invalid_ecosystem`, and the daemon's apps and pids
/// stay exactly as they were. The parser-level twin is `EcosystemCorpusTests`.
@Suite(.timeLimit(.minutes(1)))
struct BadInputTests {
    /// Files the CLI does not handle as `expected.tsv` says yet (docs/reliability.md, "Bugs
    /// found"); they are checked by ``knownBugsStillMisbehave()`` instead.
    static let knownBugs: [String: String] = [
        "json/out-file-folder-missing.json": "validate accepts an out_file whose folder does not exist; start then leaves an errored app behind (exit 1)",
        "json/nul-byte-at-end.json": "the message quotes the NUL byte as is, and the CLI's stderr stops at it",
        "ecosystem.config.js": "the CLI parses a .js file as YAML before Ecosystem.load can refuse it with the conversion hint",
    ]

    @Test func everyCorpusFileIsRefusedAndChangesNothing() async throws {
        try await withTestDaemon { d in
            let before = try await AppSnapshot(d)
            let cases = CorpusFile.all.filter { Self.knownBugs[$0.file] == nil }
            #expect(cases.count > 50)
            let failures = await parallelMap(cases, limit: 4) { entry -> [String] in
                var problems: [String] = []
                // The alias bomb costs seconds of CPU a run (a million nodes, debug build): the
                // quick run sends it through `start` only; the soak through both.
                let commands = entry.file == "yaml/billion-laughs.yaml" && !Soak.enabled ? ["start"] : ["validate", "start"]
                for command in commands {
                    guard let run = try? d.cli([command, entry.file], cwd: CorpusFile.root) else {
                        problems.append("\(command) \(entry.file): did not run")
                        continue
                    }
                    if run.status != 2 { problems.append("\(command) \(entry.file): exit \(run.status), \(run.stderr)") }
                    if !entry.isReported(in: run.stderr) || !run.stderr.hasPrefix("swiftpm2: ") {
                        problems.append("\(command) \(entry.file): stderr `\(run.stderr)` lacks `\(entry.cliPrefix)…\(entry.message)…\(entry.hint ?? "")`")
                    }
                    if !run.stdout.isEmpty { problems.append("\(command) \(entry.file): printed `\(run.stdout)`") }
                }
                return problems
            }.flatMap { $0 }
            #expect(failures.isEmpty, "\(failures.count) problems:\n\(failures.joined(separator: "\n"))")
            try await before.check(d)
            ReliabilityFigures.record("corpus-cli", ["files": cases.count, "commands": cases.count * 2, "wrong": failures.count])
        }
    }

    /// The JSON files of the corpus posted as they are to `POST /v1/apps` and `POST /v1/apply`:
    /// `400 invalid_ecosystem` (or `bad_request`), and nothing changes.
    @Test func everyCorpusBodyIsRefusedByTheAPI() async throws {
        try await withTestDaemon { d in
            let before = try await AppSnapshot(d)
            var wrong: [String] = []
            let cases = CorpusFile.all.filter { $0.file.hasSuffix(".json") && Self.knownBugs[$0.file] == nil }
            for entry in cases {
                let body = try Array(Data(contentsOf: URL(fileURLWithPath: CorpusFile.root + "/" + entry.file)))
                let folder = (CorpusFile.root + "/" + entry.file).split(separator: "/").dropLast().joined(separator: "/")
                for route in ["/v1/apps", "/v1/apply"] {
                    let (status, answer) = try await d.client.raw(.POST, "\(route)?base=/\(folder)&source=\(entry.file)", body: body)
                    let error = try? JSONDecoder().decode(APIError.self, from: Data(answer))
                    if status != 400 || error?.code != "invalid_ecosystem" || error?.message.contains(entry.message) != true {
                        wrong.append("\(route) \(entry.file): \(status) \(String(decoding: answer, as: UTF8.self))")
                    }
                }
            }
            #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
            try await before.check(d)
            ReliabilityFigures.record("corpus-api", ["bodies": cases.count * 2, "wrong": wrong.count])
        }
    }

    /// Generated files too big or too deep to keep in the corpus, through the CLI: 10,000
    /// levels in JSON and YAML, 5 MB cut off, and a valid 5 MB file (over the API's 1 MiB body
    /// limit, so `start` must fail clearly without starting anything).
    @Test func hugeAndDeepFilesThroughTheCLI() async throws {
        try await withTestDaemon { d in
            let before = try await AppSnapshot(d)
            let deepJSON = try d.write("deep.json", "{\"apps\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}")
            let deepYAML = try d.write("deep.yaml", "apps: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
            let cut = try d.write("cut.json", "{\"apps\": [" + String(repeating: "\n", count: 5 << 20) + "{\"script\": ")
            for (file, fragment) in [(deepJSON, "nesting deeper than 200 levels"), (deepYAML, "nesting deeper than 1000 levels"),
                                     (cut, ":\((5 << 20) + 1):12: unexpected end of file")] {
                for command in ["validate", "start"] {
                    let run = try d.cli([command, file])
                    #expect(run.status == 2, "\(command) \(file): \(run.status)")
                    #expect(run.stderr.contains(fragment), "\(command) \(file): \(run.stderr.prefix(300))")
                }
            }
            let big = try d.write("big.json", #"{"apps":[{"name":"big","script":"/bin/sleep","args":["100000"],"env":{"BIG":""#
                                  + String(repeating: "x", count: 5 << 20) + #""}}]}"#)
            #expect(try d.cli(["validate", big]).status == 0)
            let start = try d.cli(["start", big])
            #expect(start.status != 0)
            #expect(start.stderr.contains("1048576 bytes"), "\(start.stderr.prefix(300))")
            try await before.check(d)
            ReliabilityFigures.record("huge-deep-cli", ["bigStartError": start.stderr.trimmingCharacters(in: .whitespacesAndNewlines)])
        }
    }

    /// What the known bugs do today; each check is a known issue, so that a fix makes this
    /// test fail and the entry is moved back to the corpus test.
    @Test func knownBugsStillMisbehave() async throws {
        try await withTestDaemon { d in
            let before = try await AppSnapshot(d)
            for (file, bug) in Self.knownBugs.sorted(by: { $0.key < $1.key }) {
                let entry = try #require(CorpusFile.all.first { $0.file == file })
                for command in ["validate", "start"] {
                    let run = try d.cli([command, entry.file], cwd: CorpusFile.root)
                    withKnownIssue(Comment(rawValue: bug)) {
                        #expect(run.status == 2 && entry.isReported(in: run.stderr), "\(command) \(file): \(run.status) \(run.stderr.debugDescription)")
                    }
                }
            }
            // The errored app that `start` of the out_file case leaves behind is the change.
            let apps = try await d.client.apps().apps
            withKnownIssue("start of json/out-file-folder-missing.json adds an errored app") {
                #expect(apps.map(\.name) == before.names)
            }
            _ = try d.cli(["delete", "web"])
            try await before.check(d)
        }
    }
}

/// One line of `Tests/Corpus/expected.tsv` (the same file `EcosystemCorpusTests` reads).
struct CorpusFile: Sendable {
    var file: String
    var location: String?
    var path: String?
    var message: String
    var hint: String?

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Corpus").path

    static let all: [CorpusFile] = {
        guard let text = try? String(contentsOfFile: root + "/expected.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> CorpusFile? in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0 == "-" ? nil : String($0) }
            guard f.count == 5, let file = f[0], let message = f[3] else { return nil }
            return CorpusFile(file: file, location: f[1], path: f[2], message: message, hint: f[4])
        }
    }()

    /// `FILE:LINE:COLUMN: PATH: ` as the CLI prints it, the file named as on the command line.
    var cliPrefix: String {
        file + (location.map { ":" + $0 } ?? "") + ": " + (path.map { $0 + ": " } ?? "")
    }

    /// A line of `stderr` starts (after `swiftpm2: `) with ``cliPrefix`` and holds the message
    /// and `(hint)`, and stderr ends with a newline (nothing cut off).
    func isReported(in stderr: String) -> Bool {
        stderr.hasSuffix("\n") && stderr.split(separator: "\n").contains { line in
            let text = line.hasPrefix("swiftpm2: ") ? line.dropFirst(10) : line[...]
            return text.hasPrefix(cliPrefix) && text.contains(message) && (hint.map { text.contains("(" + $0) } ?? true)
        }
    }
}

/// The daemon's apps and pids before bad input, compared after it.
struct AppSnapshot {
    let daemonPID: pid_t
    let names: [String]
    let pids: [[pid_t?]]

    init(_ d: TestDaemon) async throws {
        #expect(try d.cli(["start", "/bin/sleep", "--name", "keep", "-i", "2", "--", "100000"]).status == 0)
        daemonPID = try #require(d.daemonPID)
        let apps = try await d.client.apps().apps
        names = apps.map(\.name)
        pids = apps.map { $0.instances.map(\.pid) }
    }

    func check(_ d: TestDaemon) async throws {
        #expect(d.daemonPID == daemonPID && processExists(daemonPID))
        #expect(try await d.client.ping().pid == daemonPID)
        let apps = try await d.client.apps().apps
        #expect(apps.map(\.name) == names)
        #expect(apps.map { $0.instances.map(\.pid) } == pids)
        #expect(apps.allSatisfy { $0.instances.allSatisfy { $0.state == .online && $0.restarts == 0 } })
    }
}

/// `transform` over `items` on at most `limit` threads at once (blocking work, such as CLI
/// runs, kept off the cooperative pool); results in the order of `items`.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ transform: @escaping @Sendable (T) -> R) async -> [R] {
    await withCheckedContinuation { (done: CheckedContinuation<[R], Never>) in
        Thread {
            let results = Mutex<[R?]>(Array(repeating: nil, count: items.count))
            let queue = DispatchQueue(label: "parallelMap", attributes: .concurrent)
            let slots = DispatchSemaphore(value: limit)
            let group = DispatchGroup()
            for (i, item) in items.enumerated() {
                slots.wait()
                queue.async(group: group) {
                    let r = transform(item)
                    results.withLock { $0[i] = r }
                    slots.signal()
                }
            }
            group.wait()
            done.resume(returning: results.withLock { $0.map { $0! } })
        }.start()
    }
}

/// An app started before the abuse, checked after it: same daemon, same pid, still online.
struct KeptApp {
    let daemonPID: pid_t
    let pid: pid_t

    init(_ d: TestDaemon) async throws {
        #expect(try d.cli(["start", "/bin/sleep", "--name", "keep", "--", "100000"]).status == 0)
        daemonPID = try #require(d.daemonPID)
        pid = try #require(try await d.client.apps("keep").apps[0].instances[0].pid)
    }

    func check(_ d: TestDaemon) async throws {
        #expect(d.daemonPID == daemonPID && processExists(daemonPID), "the daemon is not the one that started")
        #expect(try await d.client.ping().pid == daemonPID)
        let apps = try await d.client.apps().apps
        let keep = try #require(apps.first { $0.name == "keep" })
        #expect(keep.instances[0].pid == pid && keep.instances[0].state == .online)
        #expect(keep.instances[0].restarts == 0)
    }
}

/// A small seeded generator (SplitMix64), so that every run sends the same bytes.
struct SplitMixRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
