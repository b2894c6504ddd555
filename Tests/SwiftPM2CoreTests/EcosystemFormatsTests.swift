import Testing
@testable import SwiftPM2Core

/// PM2's value spellings: durations, memory sizes, signals, shell-split arguments.
@Suite struct EcosystemFormatsTests {
    private func problem<T>(_ body: () throws(ValueProblem) -> T) -> String? {
        do throws(ValueProblem) {
            _ = try body()
            return nil
        } catch {
            return error.message
        }
    }

    static let durationCases: [(EcosystemValue, Int)] = [
        (.int(1500), 1500), (.double(2.6), 3), (.string("500ms"), 500), (.string("1s"), 1000),
        (.string("1.5s"), 1500), (.string("2m"), 120_000), (.string("1h"), 3_600_000), (.string("1000"), 1000),
        (.string(" 10s "), 10_000), (.string("0"), 0), (.int(0), 0),
    ]

    @Test(arguments: durationCases)
    func durations(value: EcosystemValue, ms: Int) throws {
        #expect(try ValueFormats.duration(value) == ms)
    }

    @Test func badDurations() {
        let what = ValueFormats.durationWhat
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.string("ten")) } == "expected \(what), got \"ten\"")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.string("5x")) } == "expected \(what), got \"5x\"")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.string("-1s")) } != nil)
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.int(-5)) } == "expected a duration ≥ 0, got -5")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.bool(true)) } == "expected \(what), got true")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.duration(.double(.infinity)) } != nil)
    }

    static let memoryCases: [(EcosystemValue, UInt64)] = [
        (.int(1024), 1024), (.string("512K"), 512 * 1024), (.string("200M"), 200 * 1024 * 1024),
        (.string("200MB"), 200 * 1024 * 1024), (.string("1G"), 1 << 30), (.string("1.5G"), 3 << 29),
        (.string("300"), 300), (.string("64m"), 64 << 20),
    ]

    @Test(arguments: memoryCases)
    func memory(value: EcosystemValue, bytes: UInt64) throws {
        #expect(try ValueFormats.memory(value) == bytes)
    }

    @Test func badMemory() {
        #expect(problem { () throws(ValueProblem) in try ValueFormats.memory(.string("lots")) } == "expected \(ValueFormats.memoryWhat), got \"lots\"")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.memory(.string("12X")) } != nil)
        #expect(problem { () throws(ValueProblem) in try ValueFormats.memory(.int(0)) } == "expected a memory size > 0, got 0")
        #expect(problem { () throws(ValueProblem) in try ValueFormats.memory(.array([])) } != nil)
    }

    @Test func memoryAndDurationErrorsInAFile() throws {
        let probe = EcosystemFakeProbe(executables: ["/srv/app/s"])
        do {
            _ = try Ecosystem.load(Array("script: s\nmax_memory_restart: 1Q\nrestart_delay: soon\n".utf8), source: "e.yaml",
                                   baseDirectory: "/srv/app", envName: nil, probe: probe)
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.path) == ["max_memory_restart", "restart_delay"])
            #expect(error.issues.map { $0.line ?? 0 } == [2, 3])
            #expect(error.issues.map { $0.column ?? 0 } == [21, 16])
        }
    }

    @Test func signals() throws {
        #expect(try SignalNames.number(.string("SIGTERM")) == 15)
        #expect(try SignalNames.number(.string("TERM")) == 15)
        #expect(try SignalNames.number(.string("sigint")) == 2)
        #expect(try SignalNames.number(.string("SIGKILL")) == 9)
        #expect(try SignalNames.number(.string("HUP")) == 1)
        #expect(try SignalNames.number(.string("SIGQUIT")) == 3)
        #expect(try SignalNames.number(.string("usr1")) == 10)
        #expect(try SignalNames.number(.string("SIGUSR2")) == 12)
        #expect(try SignalNames.number(.int(10)) == 10)
        #expect(try SignalNames.number(.string("9")) == 9)
        #expect(problem { () throws(ValueProblem) in try SignalNames.number(.int(65)) } != nil)
        #expect(problem { () throws(ValueProblem) in try SignalNames.number(.int(0)) } != nil)
        #expect(problem { () throws(ValueProblem) in try SignalNames.number(.string("SIGNOPE")) } != nil)
    }

    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        ("--name 'hello world' x", ["--name", "hello world", "x"]),
        (#"-m "say \"hi\" \\ \$HOME" $HOME"#, ["-m", #"say "hi" \ $HOME"#, "$HOME"]),
        (#"a\ b 'it'\''s' "" ''"#, ["a b", "it's", "", ""]),
        ("x\"y z\"w", ["xy zw"]),
        ("  ", []),
        ("one\ttwo\nthree", ["one", "two", "three"]),
        (#"'\n' "\n""#, [#"\n"#, #"\n"#]),
    ])
    func shellSplitting(text: String, words: [String]) throws {
        #expect(try ShellWords.split(text) == words)
    }

    @Test func shellSplittingErrors() {
        #expect(problem { () throws(ValueProblem) in try ShellWords.split("a 'b c") } == "unterminated single quote (opened at character 3)")
        #expect(problem { () throws(ValueProblem) in try ShellWords.split("a \"b") } == "unterminated double quote (opened at character 3)")
        #expect(problem { () throws(ValueProblem) in try ShellWords.split("a \\") } == "ends with a lone backslash")
    }

    @Test func argsInAFile() throws {
        let probe = EcosystemFakeProbe(executables: ["/srv/app/s"])
        let spec = try Ecosystem.load(Array(#"{"script": "s", "args": ["--port", 3000, true], "interpreter_args": "-X 'a b'"}"#.utf8),
                                      source: "e.json", baseDirectory: "/srv/app", envName: nil, probe: probe).apps[0]
        #expect(spec.args == ["--port", "3000", "true"])
        #expect(spec.interpreterArgs == ["-X", "a b"])
        do {
            _ = try Ecosystem.load(Array(#"{"script": "s", "args": "--name 'x"}"#.utf8), source: "e.json", baseDirectory: "/srv/app", envName: nil, probe: probe)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "e.json:1:25: args: unterminated single quote (opened at character 8) (close it with ')")
        }
    }

    @Test func listenAddresses() throws {
        #expect(try ListenAddress.normalize("tcp://0.0.0.0:80", baseDirectory: "/b") == "tcp://0.0.0.0:80")
        #expect(try ListenAddress.normalize("tcp://[::1]:8080", baseDirectory: "/b") == "tcp://[::1]:8080")
        #expect(try ListenAddress.normalize("unix:/run/a.sock", baseDirectory: "/b") == "unix:/run/a.sock")
        #expect(try ListenAddress.normalize("unix:a.sock", baseDirectory: "/b") == "unix:/b/a.sock")
        #expect(try ListenAddress.normalize("unix:@abstract", baseDirectory: "/b") == "unix:@abstract")
        for bad in ["tcp://:80", "tcp://h:0", "tcp://::1:80", "tcp://h:99999", "http://h:1", "unix:", "unix:/" + String(repeating: "x", count: 120)] {
            #expect(problem { () throws(ValueProblem) in try ListenAddress.normalize(bad, baseDirectory: "/b") } != nil, "\(bad)")
        }
    }
}
