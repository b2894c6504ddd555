import FoundationEssentials
import Glibc
import Synchronization
import Testing
@testable import SwiftPM2Daemon

/// Real folders under /tmp, watched with inotify.
@Suite(.timeLimit(.minutes(1)))
struct FileWatcherTests {
    @Test func burstOfWritesAcrossFilesAndANewFolderGivesExactlyOneChange() async throws {
        let dir = try MonitoringScratchFolder()
        try write(dir.path + "/existing.js", "1")
        let delay = Duration.milliseconds(500)
        let watcher = try await FileWatcher.start(folders: [dir.path], delay: delay)
        let seen = ChangeCollector(watcher)

        try makeFolder(dir.path + "/new")
        for i in 0..<50 {
            try write(dir.path + (i % 2 == 0 ? "/new/f\(i % 5).js" : "/f\(i % 5).js"), "write \(i)")
        }
        let first = try await monitoringPoll("one change") { seen.changes.first }
        // Writes into new/ made before the watcher added its watch are not seen one by one;
        // the folder's creation stands for them.
        #expect(first.count >= 25)
        #expect(first.paths.count >= 6)
        #expect(first.paths.first == dir.path + "/new")
        // Quiet for three delays: nothing more comes.
        try await Task.sleep(for: delay * 3)
        #expect(seen.changes.count == 1)
        watcher.stop()
    }

    @Test func writesToIgnoredPathsGiveNothing() async throws {
        let dir = try MonitoringScratchFolder()
        try makeFolder(dir.path + "/node_modules/pkg")
        try makeFolder(dir.path + "/logs/old")
        let delay = Duration.milliseconds(300)
        let watcher = try await FileWatcher.start(
            folders: [dir.path + "/"], ignore: ["node_modules", "*.log", "logs/**", "\\.git"], delay: delay)
        let seen = ChangeCollector(watcher)

        try write(dir.path + "/node_modules/pkg/index.js", "x")
        try write(dir.path + "/app.log", "x")
        try write(dir.path + "/logs/old/a.txt", "x")
        try write(dir.path + "/logs/b.txt", "x")
        try makeFolder(dir.path + "/.git")
        try write(dir.path + "/.git/HEAD", "x")
        try await Task.sleep(for: delay * 3)
        #expect(seen.changes.isEmpty, "\(seen.changes)")

        try write(dir.path + "/server.js", "x")
        let change = try await monitoringPoll("the change to server.js") { seen.changes.first }
        #expect(change.paths == [dir.path + "/server.js"])
        watcher.stop()
    }

    @Test func folderCreatedAfterTheStartIsWatched() async throws {
        let dir = try MonitoringScratchFolder()
        let watcher = try await FileWatcher.start(folders: [dir.path], delay: .milliseconds(100))
        let seen = ChangeCollector(watcher)

        try makeFolder(dir.path + "/sub/deeper")  // two folders at once: the second is found by a scan
        _ = try await monitoringPoll("the new folders") { seen.changes.first }
        try write(dir.path + "/sub/deeper/late.txt", "x")
        let change = try await monitoringPoll("the write in the new folder") { seen.changes.dropFirst().first }
        #expect(change.paths.contains(dir.path + "/sub/deeper/late.txt"))
        watcher.stop()
    }

    @Test func movedFolderIsWatchedUnderItsNewName() async throws {
        let dir = try MonitoringScratchFolder()
        try makeFolder(dir.path + "/a/inner")
        let watcher = try await FileWatcher.start(folders: [dir.path], delay: .milliseconds(100))
        let seen = ChangeCollector(watcher)

        #expect(rename(dir.path + "/a", dir.path + "/b") == 0)
        _ = try await monitoringPoll("the move") { seen.changes.first }
        try write(dir.path + "/b/inner/x.txt", "x")
        let change = try await monitoringPoll("the write in the moved folder") { seen.changes.dropFirst().first }
        #expect(change.paths == [dir.path + "/b/inner/x.txt"])
        watcher.stop()
    }

    @Test func stopEndsTheStreamAndReportsNothingMore() async throws {
        let dir = try MonitoringScratchFolder()
        let watcher = try await FileWatcher.start(folders: [dir.path], delay: .milliseconds(50))
        let seen = ChangeCollector(watcher)
        watcher.stop()
        watcher.stop()
        _ = try await monitoringPoll("the stream to end") { seen.finished ? true : nil }
        try write(dir.path + "/after.txt", "x")
        #expect(seen.changes.isEmpty)
    }

    @Test func missingFolderIsAnError() async throws {
        await #expect(throws: DaemonError.self) {
            _ = try await FileWatcher.start(folders: ["/nonexistent/swiftpm2-watch"], delay: .milliseconds(50))
        }
    }
}

// MARK: - Pure parts

extension FileWatcherTests {
    @Suite struct Ignoring {
        let root = "/srv/app"

        @Test func bareNamesApplyAtAnyDepth() {
            let ignore = WatchIgnore(["node_modules", "*.log", "\\.git"])
            #expect(ignore.ignores("node_modules", root: root))
            #expect(ignore.ignores("lib/node_modules/x/index.js", root: root))
            #expect(ignore.ignores("app.log", root: root))
            #expect(ignore.ignores("var/out.log", root: root))
            #expect(ignore.ignores(".git/HEAD", root: root))
            #expect(!ignore.ignores("log.txt", root: root))
            #expect(!ignore.ignores("agit", root: root))
            #expect(!ignore.ignores("node_modules2/x", root: root))
            #expect(!ignore.ignores("", root: root))
        }

        @Test func slashPatternsAreAnchoredToTheWatchedFolder() {
            let ignore = WatchIgnore(["logs/**", "./dist", "build/out/"])
            #expect(ignore.ignores("logs", root: root))
            #expect(ignore.ignores("logs/a/b.txt", root: root))
            #expect(ignore.ignores("dist/main.js", root: root))
            #expect(ignore.ignores("build/out/x.o", root: root))
            #expect(!ignore.ignores("src/logs/a.txt", root: root))
            #expect(!ignore.ignores("build/other", root: root))
            #expect(!ignore.ignores("x/build/out", root: root))
        }

        @Test func doubleStarMatchesAnyNumberOfFolders() {
            let ignore = WatchIgnore(["**/tmp/*.txt", "src/**/generated"])
            #expect(ignore.ignores("tmp/a.txt", root: root))
            #expect(ignore.ignores("a/b/tmp/c.txt", root: root))
            #expect(!ignore.ignores("tmp/a.md", root: root))
            #expect(ignore.ignores("src/generated/x.swift", root: root))
            #expect(ignore.ignores("src/a/b/generated", root: root))
            #expect(!ignore.ignores("lib/generated", root: root))
        }

        @Test func setsWildcardsAndEscapes() {
            let ignore = WatchIgnore(["[ab].js", "[!a-c]?.css", "x\\*y", "[unclosed"])
            #expect(ignore.ignores("a.js", root: root))
            #expect(!ignore.ignores("c.js", root: root))
            #expect(ignore.ignores("dd.css", root: root))
            #expect(!ignore.ignores("ad.css", root: root))
            #expect(!ignore.ignores("d.css", root: root))
            #expect(ignore.ignores("x*y", root: root))
            #expect(!ignore.ignores("xzy", root: root))
            #expect(ignore.ignores("[unclosed", root: root))
        }

        @Test func absolutePatternsMatchTheAbsolutePath() {
            let ignore = WatchIgnore(["/srv/app/cache/**"])
            #expect(ignore.ignores("cache/x", root: root))
            #expect(!ignore.ignores("cache/x", root: "/srv/other"))
            #expect(!ignore.ignores("srv/app/cache/x", root: root))
        }

        @Test func starsBacktrack() {
            #expect(WatchIgnore.matches(Array("*a*b".utf8), Array("xxaxxbyb".utf8)))
            #expect(!WatchIgnore.matches(Array("*a*b".utf8), Array("xxaxxby".utf8)))
            #expect(WatchIgnore.matches(Array("**".utf8), Array("".utf8)))
            #expect(WatchIgnore.matches(Array("a?c".utf8), Array("abc".utf8)))
        }
    }

    @Suite struct Debouncing {
        @Test func burstGivesOneReportAfterTheQuietTime() {
            var debouncer = ChangeDebouncer(quiet: .milliseconds(100), maxPaths: 3)
            #expect(debouncer.deadline == nil)
            for i in 0..<50 { debouncer.record("/p\(i % 4)", at: .milliseconds(i * 10)) }
            #expect(debouncer.deadline == .milliseconds(590))
            #expect(debouncer.fire(at: .milliseconds(589)) == nil)
            let change = debouncer.fire(at: .milliseconds(590))
            #expect(change == FileChange(paths: ["/p0", "/p1", "/p2"], count: 50))
            #expect(!debouncer.isPending)
            #expect(debouncer.fire(at: .seconds(10)) == nil)
        }

        @Test func repeatedPathIsListedOnce() {
            var debouncer = ChangeDebouncer(quiet: .milliseconds(10))
            debouncer.record("/a", at: .zero)
            debouncer.record("/a", at: .milliseconds(1))
            debouncer.record("/b", at: .milliseconds(2))
            #expect(debouncer.fire(at: .milliseconds(12)) == FileChange(paths: ["/a", "/b"], count: 3))
        }

        @Test func maxWaitReportsANeverEndingBurst() {
            var debouncer = ChangeDebouncer(quiet: .milliseconds(100), maxWait: .seconds(1))
            var reports: [Duration] = []
            var t = Duration.zero
            while t < .milliseconds(2500) {
                debouncer.record("/busy.log", at: t)
                t += .milliseconds(50)
                if debouncer.fire(at: t) != nil { reports.append(t) }
            }
            // Recorded at 950, due at 1000; the next burst starts at 1000 and is due at 2000.
            #expect(reports == [.milliseconds(1000), .milliseconds(2000)])
        }

        @Test func overflowIsReported() {
            var debouncer = ChangeDebouncer(quiet: .milliseconds(10))
            debouncer.recordOverflow(at: .seconds(5))
            #expect(debouncer.fire(at: .seconds(6)) == FileChange(paths: [], count: 1, overflowed: true))
        }
    }
}

// MARK: - Helpers

/// Collects what a watcher reports, from a task of its own.
private final class ChangeCollector: Sendable {
    private let state = Mutex<(changes: [FileChange], finished: Bool)>(([], false))

    init(_ watcher: FileWatcher) {
        let stream = watcher.changes
        Task { [self] in
            for await change in stream { state.withLock { $0.changes.append(change) } }
            state.withLock { $0.finished = true }
        }
    }

    var changes: [FileChange] { state.withLock { $0.changes } }
    var finished: Bool { state.withLock { $0.finished } }
}

private struct FileError: Error {
    var path: String
    var errno: Int32
}

private func write(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw FileError(path: path, errno: errno) }
    defer { close(fd) }
    _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
}

private func makeFolder(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
}
