#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import SwiftPM2Core

/// The real ``SystemExecutableProbe`` against the real file system.
@Suite struct EcosystemProbeTests {
    let probe = SystemExecutableProbe(searchPath: "/nonexistent:/usr/bin:/bin")

    @Test func binShIsExecutable() {
        #expect(probe.checkExecutable("/bin/sh") == nil)
        #expect(probe.checkReadable("/bin/sh") == nil)
        #expect(probe.checkDirectory("/bin") == nil)
        #expect(probe.which("sh") != nil)
        #expect(probe.which("no-such-command-swiftpm2") == nil)
        #expect(probe.which("/bin/sh") == nil)
    }

    @Test func missingFilesAndFolders() {
        #expect(probe.checkExecutable("/nonexistent/x") == "No such file or directory (ENOENT)")
        #expect(probe.checkExecutable("/tmp") == "Is a directory (EISDIR)")
        #expect(probe.checkDirectory("/bin/sh") == "Not a directory (ENOTDIR)")
        #expect(probe.checkDirectory("/nonexistent") == "No such file or directory (ENOENT)")
    }

    @Test func nonExecutableTempFile() throws {
        var template = Array("/tmp/swiftpm2-probe-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        close(fd)
        let path = String(cString: template)
        defer { unlink(path) }
        chmod(path, 0o644)
        #expect(probe.checkReadable(path) == nil)
        // Even root needs an x bit for access(X_OK) on a regular file.
        #expect(probe.checkExecutable(path) == "Permission denied: not executable (EACCES)")
        chmod(path, 0o755)
        #expect(probe.checkExecutable(path) == nil)
        let relative = String(path.dropFirst("/tmp/".count))
        let result = try Ecosystem.load(
            Array(#"{"script": "./\#(relative)"}"#.utf8), source: "e.json", baseDirectory: "/tmp", envName: nil, probe: probe)
        #expect(result.apps.first?.script == path)
        chmod(path, 0o644)
        do {
            _ = try Ecosystem.load(Array(#"{"script": "\#(path)"}"#.utf8), source: "e.json", baseDirectory: "/tmp", envName: nil, probe: probe)
            Issue.record("a non-executable script was accepted")
        } catch {
            #expect(error.issues.map(\.message) == ["cannot run \(path): Permission denied: not executable (EACCES)"])
            #expect(error.issues.first?.hint == "chmod +x \(path), or set `interpreter`")
        }
    }
}
