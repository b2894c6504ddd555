import SwiftPM2Core

/// One input: loaded as an ecosystem file four ways (JSON, YAML, guessed, and as a request
/// body), with a probe that touches nothing. Any outcome but a crash, a hang or an issue with
/// a position outside the input is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEcosystem(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = lineBreaks(bytes) + 1
    for source in ["fuzz.json", "fuzz.yaml", "fuzz"] {
        do {
            _ = try Ecosystem.load(bytes, source: source, baseDirectory: "/srv", envName: "production", probe: NothingProbe())
        } catch {
            for issue in error.issues {
                if let line = issue.line, line < 1 || line > lines + 1 {
                    fatalError("issue line \(line) outside the input's \(lines) lines: \(issue)")
                }
                if issue.message.isEmpty { fatalError("issue without a message: \(issue)") }
            }
        }
    }
    return 0
}

/// Line breaks as YAML counts them (an upper bound): LF, CR, NEL, LS, PS.
func lineBreaks(_ bytes: [UInt8]) -> Int {
    var count = 0
    for i in bytes.indices {
        switch bytes[i] {
        case 0x0A, 0x0D: count += 1
        case 0x85 where i > 0 && bytes[i - 1] == 0xC2: count += 1  // U+0085
        case 0xA8, 0xA9 where i > 1 && bytes[i - 2] == 0xE2 && bytes[i - 1] == 0x80: count += 1  // U+2028, U+2029
        default: break
        }
    }
    return count
}

/// Every path exists and runs; `$PATH` has everything: validation goes as far as it can.
struct NothingProbe: ExecutableProbe {
    func checkExecutable(_ path: String) -> String? { nil }
    func checkReadable(_ path: String) -> String? { nil }
    func checkDirectory(_ path: String) -> String? { nil }
    func which(_ name: String) -> String? { "/usr/bin/" + name }
}
