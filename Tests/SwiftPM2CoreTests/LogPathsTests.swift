import Testing
@testable import SwiftPM2Core

@Suite struct LogPathsTests {
    @Test func defaultsPerInstance() {
        let spec = AppSpec(name: "api", script: "/bin/true", cwd: "/")
        #expect(LogPaths.resolve(spec, index: 2, instanceCount: 4, logsDirectory: "/h/logs")
                == LogPaths(out: "/h/logs/api-2-out.log", err: "/h/logs/api-2-err.log"))
    }

    @Test func mergedLogs() {
        var spec = AppSpec(name: "api", script: "/bin/true", cwd: "/")
        spec.mergeLogs = true
        #expect(LogPaths.resolve(spec, index: 3, instanceCount: 4, logsDirectory: "/h/logs")
                == LogPaths(out: "/h/logs/api-out.log", err: "/h/logs/api-err.log"))
    }

    @Test func explicitFilesGetIndexWithSeveralInstances() {
        var spec = AppSpec(name: "api", script: "/bin/true", cwd: "/")
        spec.outFile = "/var/log/api.out.log"
        spec.errorFile = "/dev/null"
        #expect(LogPaths.resolve(spec, index: 1, instanceCount: 2, logsDirectory: "/x")
                == LogPaths(out: "/var/log/api.out-1.log", err: "/dev/null"))
        #expect(LogPaths.resolve(spec, index: 0, instanceCount: 1, logsDirectory: "/x").out == "/var/log/api.out.log")
    }

    @Test func suffixInsertion() {
        #expect(LogPaths.insertSuffix("-1", into: "/a/b.log") == "/a/b-1.log")
        #expect(LogPaths.insertSuffix("-1", into: "/a.d/b") == "/a.d/b-1")
        #expect(LogPaths.insertSuffix("-1", into: "/a/.hidden") == "/a/.hidden-1")
        #expect(LogPaths.insertSuffix("-1", into: "plain") == "plain-1")
    }
}
