import Foundation
import Testing
@testable import SwiftPM2Core

/// The broken ecosystem files of `Tests/Corpus/` (listed with their expected first problem in
/// `Tests/Corpus/expected.tsv`), generated hostile documents (5 MB, 10,000 levels deep, alias
/// bombs, every truncation of a valid file) and seeded random mutations: each load ends in a
/// value or an ``EcosystemError`` whose positions lie inside the file — never a crash, a hang
/// or an unbounded allocation. The end-to-end twin is `BadInputTests`.
@Suite(.timeLimit(.minutes(1)))
struct EcosystemCorpusTests {
    @Test(arguments: CorpusCase.all)
    func corpusFileFailsWithItsError(_ entry: CorpusCase) throws {
        let bytes = try CorpusCase.bytes(entry.file)
        try CorpusCase.knownIssue(entry.file, in: CorpusCase.knownBugs) {
            let error = try #require(failure(bytes, source: entry.file, base: entry.folder), "\(entry.file) loaded without an error")
            let first = try #require(error.issues.first)
            #expect(entry.matches(first), "\(entry.file): got at \(first.line.map(String.init) ?? "-"):\(first.column.map(String.init) ?? "-") path `\(first.path)` message `\(first.message)` hint `\(first.hint ?? "-")`")
            for issue in error.issues {
                #expect(issue.source == entry.file)
                #expect(!issue.message.isEmpty)
                #expect(!issue.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                        "one printable line per issue: \(issue.description.debugDescription)")
                if let line = issue.line { #expect(line >= 1 && line <= lineCount(bytes) + 1, "\(issue)") }
            }
        }
    }

    @Test func everyCorpusFileHasAnExpectation() throws {
        let listed = Set(CorpusCase.all.map(\.file))
        let files = try CorpusCase.files()
        #expect(!files.isEmpty)
        #expect(Set(files).subtracting(listed).sorted() == [], "corpus files without a line in expected.tsv")
        #expect(listed.subtracting(files).sorted() == [], "expected.tsv lines without a file")
    }

    /// 5 MB documents (one huge string; 5 MB of blank lines before a truncation, in JSON and
    /// in YAML) and many apps with the error in the last one: each answers quickly and points
    /// at the right place. The soak (`SWIFTPM2_SOAK=1`) adds 40,000 apps and a 5 MB array of
    /// 2.6 million values.
    @Test func hugeDocuments() throws {
        let started = ContinuousClock.now
        let fiveMB = 5 << 20
        let oneString = Array(#"{"apps":[{"name":"web","script":"/bin/sh","env":{"BIG":"\#(String(repeating: "x", count: fiveMB))"}}]}"#.utf8)
        let loaded = try Ecosystem.load(oneString, source: "big.json", baseDirectory: "/", envName: nil, probe: SystemExecutableProbe())
        #expect(loaded.apps.first?.env["BIG"]?.utf8.count == fiveMB)

        let blank = String(repeating: "\n", count: fiveMB)
        let json = try #require(failure(Array(("{\"apps\": [" + blank + "{\"script\": ").utf8), source: "blank.json")?.issues.first)
        #expect(json.line == fiveMB + 1 && json.message.contains("unexpected end of file"), "\(json)")
        let yaml = try #require(failure(Array(("apps:\n" + blank + "  - script: [\n").utf8), source: "blank.yaml")?.issues.first)
        #expect(yaml.line == fiveMB + 3, "\(yaml)")

        let soak = ProcessInfo.processInfo.environment["SWIFTPM2_SOAK"] == "1"
        let count = soak ? 40_000 : 2_000
        var many = "{\"apps\": [\n"
        for i in 0..<count { many += "  {\"name\": \"app\(i)\", \"script\": \"/bin/sh\", \"instances\": \(i == count - 1 ? "\"lots\"" : "1")},\n" }
        many.removeLast(2)
        many += "\n]}\n"
        let issue = try #require(failure(Array(many.utf8), source: "many.json")?.issues.first)
        #expect(issue.line == count + 1)
        #expect(issue.path == "apps[\(count - 1)].instances", "\(issue)")
        if soak {
            let open = Array(("[\n" + String(repeating: "1,\n", count: 5 << 19)).utf8)
            let truncated = try #require(failure(open, source: "open.json")?.issues.first)
            #expect(truncated.line == (5 << 19) + 2 && truncated.message.contains("unexpected end of file"), "\(truncated)")
        }
        #expect(ContinuousClock.now - started < .seconds(soak ? 120 : 20))
    }

    /// Positions on one long line cost the same as on many lines. Minified JSON is common (the
    /// CLI itself sends the daemon one-line JSON); 6,000 values on one line must not take
    /// seconds. Known bug: `JSONReader.here` counts the column from the line's start for
    /// every value, so one-line documents parse in quadratic time.
    @Test func oneLineDocumentsParseInLinearTime() throws {
        let oneLine = Array(("[" + String(repeating: "1,", count: 6_000) + "1").utf8)
        let started = ContinuousClock.now
        let issue = try #require(failure(oneLine, source: "line.json")?.issues.first)
        let elapsed = ContinuousClock.now - started
        #expect(issue.column == 12_003, "\(issue)")
        #expect(elapsed < .milliseconds(500), "6,000 values on one line took \(elapsed)")
    }

    /// 10,000 levels of nesting: refused with the depth limit at the first level too deep, in
    /// JSON (200) and YAML (1,000, block and flow), without exhausting the stack.
    @Test func tenThousandLevelsDeep() throws {
        let depth = 10_000
        let json = Array(("{\"apps\": " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}").utf8)
        let j = try #require(failure(json, source: "deep.json")?.issues.first)
        #expect(j.message.contains("nesting deeper than"), "\(j)")
        #expect(j.line == 1 && j.column != nil)

        let objects = Array((String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)).utf8)
        #expect(failure(objects, source: "deep2.json")?.issues.first?.message.contains("nesting deeper than") == true)

        let flow = Array(("apps: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n").utf8)
        let f = try #require(failure(flow, source: "deep.yaml")?.issues.first)
        #expect(f.message.contains("nesting deeper than"), "\(f)")

        var block = ""
        for level in 0..<depth { block += String(repeating: " ", count: level) + "k:\n" }
        let b = try #require(failure(Array(block.utf8), source: "deep-block.yaml")?.issues.first)
        #expect(b.message.contains("nesting deeper than"), "\(b)")
        #expect(b.line == YAMLComposer.maxDepth + 1, "\(b)")
    }

    /// Every prefix of a valid file (every way a file can be cut off) loads or fails with a
    /// position inside the file: never a crash.
    @Test(arguments: [Seeds.json, Seeds.yaml])
    func everyTruncationIsHandled(_ seed: Seeds.Document) {
        let bytes = Array(seed.text.utf8)
        var failed = 0
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[..<cut])
            if let error = failure(prefix, source: seed.name) {
                failed += 1
                for issue in error.issues {
                    if let line = issue.line { #expect(line <= lineCount(prefix) + 1, "cut at \(cut): \(issue)") }
                }
            }
        }
        #expect(failed > bytes.count / 2, "most truncations of \(seed.name) are invalid")
    }

    /// Seeded random byte mutations of valid files (flip, insert, delete, duplicate, splice in a
    /// token): never a crash, positions inside the file. Runs `SWIFTPM2_MUTATIONS` rounds
    /// (default 1,500 a seed; the soak runs more).
    @Test(arguments: [Seeds.json, Seeds.yaml])
    func randomMutationsNeverCrash(_ seed: Seeds.Document) {
        var rng = SplitMix64(seed: 0x5EED_CAFE)
        let rounds = Int(ProcessInfo.processInfo.environment["SWIFTPM2_MUTATIONS"] ?? "") ?? 1_500
        let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\n", "- ", "&a ", "*a", "<<: ", "!!str ", "%", "\u{0}", "\u{FEFF}", "é", "1e999", "-", "null", "\t"].map { Array($0.utf8) }
        let base = Array(seed.text.utf8)
        var errors = 0
        for _ in 0..<rounds {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
                case 2 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(rng.next() % 8)))
                case 3 where !bytes.isEmpty: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int(rng.next() % 32))], at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
            }
            if let error = failure(bytes, source: seed.name) {
                errors += 1
                for issue in error.issues {
                    if let line = issue.line { #expect(line >= 1 && line <= lineCount(bytes) + 1, "\(issue)") }
                    #expect(!issue.description.contains("\n"))
                }
            }
        }
        #expect(errors > 0)
    }

    // MARK: - Helpers

    private func failure(_ bytes: [UInt8], source: String, base: String = CorpusCase.root) -> EcosystemError? {
        do {
            _ = try Ecosystem.load(bytes, source: source, baseDirectory: base, envName: nil, probe: SystemExecutableProbe())
            return nil
        } catch {
            return error
        }
    }

    private func lineCount(_ bytes: [UInt8]) -> Int {
        bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    }
}

/// One line of `Tests/Corpus/expected.tsv`: a corpus file and what its first problem must say.
struct CorpusCase: Sendable, CustomTestStringConvertible {
    /// Path under `Tests/Corpus/`, which is also the source name the file is loaded under.
    var file: String
    /// `LINE:COLUMN`, `LINE`, or nil when the issue has no position.
    var location: String?
    /// The JSON path of the issue (`apps[0].instances`), or nil when it has none.
    var path: String?
    /// A fragment the message must contain.
    var message: String
    /// A fragment the hint must contain, or nil when no hint is expected.
    var hint: String?

    var testDescription: String { file }

    /// The file's folder, which its relative paths resolve against.
    var folder: String {
        let path = CorpusCase.root + "/" + file
        return String(path[..<path.lastIndex(of: "/")!])
    }

    /// Files whose expectation `Ecosystem.load` does not meet yet (docs/reliability.md, "Bugs
    /// found"): their checks record a known issue, and fail once the bug is fixed.
    static let knownBugs: [String: String] = [
        "json/out-file-folder-missing.json": "out_file's folder is not checked when the file is loaded (docs/ecosystem.md#paths says it must exist)",
        "json/nul-byte-at-end.json": "the message quotes the NUL byte as is, and the CLI's stderr stops at it",
    ]

    /// Runs `body`; for a file listed in `bugs`, as a known issue.
    static func knownIssue(_ file: String, in bugs: [String: String], _ body: () throws -> Void) rethrows {
        if let bug = bugs[file] {
            withKnownIssue(Comment(rawValue: bug)) { try body() }
        } else {
            try body()
        }
    }

    /// `Tests/Corpus/` of this checkout.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Corpus").path

    static let all: [CorpusCase] = {
        guard let text = try? String(contentsOfFile: root + "/expected.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> CorpusCase? in
            guard !line.hasPrefix("#") else { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0 == "-" ? nil : String($0) }
            guard f.count == 5, let file = f[0], let message = f[3] else { return nil }
            return CorpusCase(file: file, location: f[1], path: f[2], message: message, hint: f[4])
        }
    }()

    static func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + file)))
    }

    /// Every ecosystem file under the corpus (the `.tsv` and `.md` files excluded).
    static func files() throws -> [String] {
        let found = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return found.filter { name in
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &isDir)
            return !isDir.boolValue && !name.hasSuffix(".tsv") && !name.hasSuffix(".md")
        }.sorted()
    }

    /// The first issue says what this case expects: location, path, message, hint.
    func matches(_ issue: EcosystemIssue) -> Bool {
        let at = issue.line.map { line in issue.column.map { "\(line):\($0)" } ?? "\(line)" }
        return at == location && (issue.path.isEmpty ? nil : issue.path) == path
            && issue.message.contains(message) && (hint.map { issue.hint?.contains($0) == true } ?? (issue.hint == nil))
    }

    /// How the CLI prints it: `FILE:LINE:COLUMN: PATH: ` up to the message.
    func cliPrefix(displayedAs name: String) -> String {
        name + (location.map { ":" + $0 } ?? "") + ": " + (path.map { $0 + ": " } ?? "")
    }
}

/// Valid documents that the truncation and mutation tests start from.
enum Seeds {
    struct Document: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var testDescription: String { name }
    }

    static let json = Document(name: "seed.json", text: """
        {
          "apps": [
            { "name": "web", "script": "/bin/sh", "args": ["-c", "sleep 1000"], "instances": 2,
              "env": { "PORT": 8080, "DEBUG": true, "TOKEN": "s3cr\\u00e9t" }, "env_production": { "PORT": "80" },
              "min_uptime": "5s", "max_restarts": 3, "kill_signal": "SIGTERM", "kill_timeout": 1500,
              "log_date_format": "YYYY-MM-DD HH:mm:ss", "stop_exit_codes": [0, 2] },
            { "name": "worker", "script": "/bin/sh", "args": "-c 'sleep 1000'", "exec_mode": "fork",
              "exp_backoff_restart_delay": 100, "merge_logs": true, "namespace": "jobs" }
          ],
          "deploy": {}
        }
        """)

    static let yaml = Document(name: "seed.yaml", text: """
        # two apps sharing settings through an anchor
        apps:
          - &base
            name: web
            script: /bin/sh
            args: [-c, "sleep 1000"]
            instances: 2
            env:
              PORT: 8080
              TOKEN: 's3cr''et'
            min_uptime: 5s
            kill_signal: SIGTERM
          - <<: *base
            name: worker
            instances: "1"
            args: >-
              -c
              'sleep 1000'
            namespace: jobs
        """)
}

/// A small seeded generator (SplitMix64), so that every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
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
