import Testing
@testable import SwiftPM2Core

/// Parsing JSON and YAML: values, positions of syntax errors, UTF-8, duplicate keys.
@Suite struct EcosystemParseTests {
    private func json(_ text: String) throws(EcosystemError) -> EcosystemValue {
        try Ecosystem.parse(Array(text.utf8), format: .json, source: "eco.json")
    }

    private func yaml(_ text: String) throws(EcosystemError) -> EcosystemValue {
        try Ecosystem.parse(Array(text.utf8), format: .yaml, source: "eco.yaml")
    }

    /// The single issue of a parse that must fail.
    private func failure(_ text: String, _ format: EcosystemFormat) -> EcosystemIssue? {
        do {
            _ = try Ecosystem.parse(Array(text.utf8), format: format, source: "f")
            return nil
        } catch {
            #expect(error.issues.count == 1)
            return error.issues.first
        }
    }

    @Test func jsonValuesKeepTypesAndKeyOrder() throws {
        let value = try json(#"{"b": 1, "a": [true, null, 1.5, "x\/y\u00e9\ud83d\ude00", -0, 99999999999999999999]}"#)
        #expect(value == .object([
            (key: "b", value: .int(1)),
            (key: "a", value: .array([.bool(true), .null, .double(1.5), .string("x/yé😀"), .int(0), .double(1e20)])),
        ]))
        #expect(value != .object([(key: "a", value: .null), (key: "b", value: .int(1))]))
    }

    @Test func jsonAcceptsTabsAndBOM() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\t\"a\":\t1}".utf8)
        #expect(try Ecosystem.parse(bytes, format: .json, source: "x") == .object([(key: "a", value: .int(1))]))
        let yamlBytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8)
        #expect(try Ecosystem.parse(yamlBytes, format: .yaml, source: "x") == .object([(key: "a", value: .int(1))]))
    }

    @Test func yamlScalarsFollowTheCoreSchema() throws {
        let value = try yaml("""
            a: 123
            b: "123"
            c: '4'
            d: true
            e: yes
            f: null
            g: ~
            h: 1.5
            i: 0x1F
            j: !!str 7
            k: [1, two]
            l:
            """)
        #expect(value == .object([
            (key: "a", value: .int(123)), (key: "b", value: .string("123")), (key: "c", value: .string("4")),
            (key: "d", value: .bool(true)), (key: "e", value: .string("yes")), (key: "f", value: .null),
            (key: "g", value: .null), (key: "h", value: .double(1.5)), (key: "i", value: .int(31)),
            (key: "j", value: .string("7")), (key: "k", value: .array([.int(1), .string("two")])), (key: "l", value: .null),
        ]))
    }

    @Test func yamlMergeKeysAndAliases() throws {
        let value = try yaml("""
            base: &base {autorestart: false, max_restarts: 3}
            app:
              <<: *base
              max_restarts: 5
            """)
        #expect(value["app"] == .object([(key: "max_restarts", value: .int(5)), (key: "autorestart", value: .bool(false))]))
    }

    @Test func emptyYAMLIsNull() throws {
        #expect(try yaml("") == .null)
        #expect(try yaml("# only a comment\n") == .null)
    }

    @Test func truncatedJSONPointsAtTheEnd() {
        let issue = failure("{\n  \"apps\": [\n    {\"script\": \"a\"}\n", .json)
        #expect(issue?.line == 4)
        #expect(issue?.column == 1)
        #expect(issue?.message.contains("unexpected end of file") == true)
        #expect(issue?.message.contains("array opened at 2:11") == true)
    }

    @Test func trailingCommaPointsAtTheComma() {
        let issue = failure("{\n  \"a\": 1,\n  \"b\": 2,\n}", .json)
        #expect(issue?.line == 3)
        #expect(issue?.column == 9)
        #expect(issue?.message == "trailing comma before `}`")
        let inArray = failure("[1, 2,]", .json)
        #expect(inArray.map { [$0.line, $0.column] } == [1, 6])
    }

    @Test func missingColonPointsAtTheValue() {
        let issue = failure("{\n  \"name\" \"api\"\n}", .json)
        #expect(issue?.line == 2)
        #expect(issue?.column == 10)
        #expect(issue?.message == "expected `:` after the key \"name\", got a string")
    }

    @Test func otherJSONMistakes() {
        #expect(failure("{\"a\": 1 \"b\": 2}", .json)?.column == 9)  // missing comma
        #expect(failure("{a: 1}", .json)?.message == "expected a key, got `a`")
        #expect(failure("{\"a\": 'x'}", .json)?.message == "strings must use double quotes in JSON")
        #expect(failure("// c\n{}", .json)?.message == "comments are not allowed in JSON")
        #expect(failure("{\"a\": 01}", .json)?.message.contains("leading zeros") == true)
        #expect(failure("{\"a\": \"x\ty\"}", .json)?.message.contains("control character") == true)
        #expect(failure("{\"a\": \"\\x\"}", .json)?.message.contains("invalid escape") == true)
        #expect(failure("{} {}", .json)?.column == 4)
        #expect(failure("", .json)?.message == "the document is empty")
        #expect(failure("{\"é\": tru}", .json).map { [$0.line, $0.column] } == [1, 7])  // columns count characters
        #expect(failure(String(repeating: "[", count: 500), .json)?.message.contains("nesting") == true)
    }

    @Test func duplicateJSONKeysNameBothPlaces() {
        let issue = failure("{\n  \"name\": \"a\",\n  \"name\": \"b\"\n}", .json)
        #expect(issue?.line == 3)
        #expect(issue?.column == 3)
        #expect(issue?.message == "duplicate key \"name\" (first at 2:3)")
    }

    @Test func duplicateYAMLKeysNameBothPlaces() {
        let issue = failure("apps:\n  - name: a\n    script: x\n    name: b\n", .yaml)
        #expect(issue.map { [$0.line, $0.column] } == [4, 5])
        #expect(issue?.message == "duplicate key \"name\" (first at 2:5)")
        let quoted = failure("a: 1\n\"a\": 2\n", .yaml)
        #expect(quoted?.message == "duplicate key \"a\" (first at 1:1)")
    }

    @Test func malformedYAMLHasLineAndColumn() {
        let flow = failure("apps:\n  - name: [a, b\n    script: x\n", .yaml)
        #expect(flow?.line == 3)
        #expect(flow?.message.contains("flow sequence") == true)
        let tab = failure("apps:\n\t- script: x\n", .yaml)
        #expect(tab.map { [$0.line, $0.column] } == [2, 1])
        #expect(tab?.hint?.contains("tabs") == true)
        let colon = failure("name: a: b\n", .yaml)
        #expect(colon.map { [$0.line, $0.column] } == [1, 8])
    }

    @Test func invalidUTF8NamesTheOffset() {
        let bytes = Array("{\n  \"a\": \"x".utf8) + [0xFF] + Array("\"}".utf8)
        for format in [EcosystemFormat.json, .yaml] {
            do {
                _ = try Ecosystem.parse(bytes, format: format, source: "f")
                Issue.record("accepted invalid UTF-8")
            } catch {
                #expect(error.issues.count == 1)
                #expect(error.issues[0].message == "invalid UTF-8 at byte offset 11 (byte 0xFF)")
                #expect(error.issues[0].line == 2)
                #expect(error.issues[0].column == 10)
            }
        }
        #expect(UTF8Check.firstInvalidOffset([0xED, 0xA0, 0x80]) == 0)  // a surrogate
        #expect(UTF8Check.firstInvalidOffset([0xC0, 0x80]) == 0)  // overlong
        #expect(UTF8Check.firstInvalidOffset(Array("é😀".utf8)) == nil)
    }

    @Test func jsonBytesRoundTrips() throws {
        let value: EcosystemValue = .object([
            (key: "s", value: .string("quote\" back\\ nl\n tab\t nul\u{0} bell\u{7} é 😀 /")),
            (key: "n", value: .array([.int(-3), .int(Int.max), .double(0.1), .double(5.0), .double(1e300), .bool(false), .null])),
            (key: "o", value: .object([])), (key: "a", value: .array([])),
        ])
        let bytes = value.jsonBytes()
        #expect(try Ecosystem.parse(bytes, format: .json, source: "x") == value)
        #expect(String(decoding: EcosystemValue.string("a\"\u{1}").jsonBytes(), as: UTF8.self) == #""a\"\u0001""#)
        #expect(String(decoding: EcosystemValue.int(7).jsonBytes(), as: UTF8.self) == "7")
    }

    @Test func formatGuess() {
        #expect(EcosystemFormat.guess(path: "a.yml", bytes: Array("{}".utf8)) == .yaml)
        #expect(EcosystemFormat.guess(path: "a.YAML", bytes: []) == .yaml)
        #expect(EcosystemFormat.guess(path: "a.json", bytes: Array("apps:".utf8)) == .json)
        #expect(EcosystemFormat.guess(path: "<request>", bytes: Array("  \n[".utf8)) == .json)
        #expect(EcosystemFormat.guess(path: "ecosystem", bytes: Array("apps:\n".utf8)) == .yaml)
    }
}
