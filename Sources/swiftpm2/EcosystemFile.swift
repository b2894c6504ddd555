import Glibc
import SwiftPM2Core

/// An ecosystem file read from disk and parsed; validation comes after, with positions.
struct EcosystemFile {
    var document: ParsedDocument
    /// The file's folder: relative paths in it resolve against this.
    var base: String

    /// Reads and parses `target` (relative to `cwd`); a failure exits with status 2 and the
    /// file:line:column of the problem.
    static func read(_ target: String, cwd: String) throws -> EcosystemFile {
        let path = target.hasPrefix("/") ? target : cwd + "/" + target
        guard let bytes = readFile(path) else {
            throw fail("cannot read \(target): \(String(cString: strerror(errno)))", .invalidEcosystem)
        }
        let dir = String(path[..<path.lastIndex(of: "/")!])
        do {
            let format = EcosystemFormat.guess(path: path, bytes: bytes)
            let value = try Ecosystem.parse(bytes, format: format, source: target)
            return EcosystemFile(document: ParsedDocument(value: value, bytes: bytes, format: format), base: dir.isEmpty ? "/" : dir)
        } catch {
            throw fail(error.description, .invalidEcosystem)
        }
    }

    /// Validates against the file's bytes, so every problem names file:line:column.
    func validate(source: String, env: String?) throws -> EcosystemLoadResult {
        do {
            return try Ecosystem.load(document.bytes ?? document.value.jsonBytes(), source: source, baseDirectory: base,
                                      envName: env, probe: SystemExecutableProbe())
        } catch {
            let count = error.issues.count
            let header = count > 1 ? "\(count) problems in \(source):\n" : ""
            throw fail(header + error.description, .invalidEcosystem)
        }
    }
}
