import FoundationEssentials
import Glibc
import Testing
@testable import SwiftPM2Daemon

@Suite(.timeLimit(.minutes(1)))
struct SpawnerTests {
    @Test func exitCodeArrivesOnTheReaperStream() async throws {
        let reaper = ChildReaper()
        let pid = try Spawner.spawn(sh("exit 7"))
        let exit = try #require(await exitOf(pid, in: reaper))
        #expect(exit.code == 7)
        #expect(exit.signal == nil)
        #expect(!exit.coreDumped)
    }

    @Test func signalDeathIsReported() async throws {
        let reaper = ChildReaper()
        let pid = try Spawner.spawn(sh("kill -TERM $$"))
        let exit = try #require(await exitOf(pid, in: reaper))
        #expect(exit.code == nil)
        #expect(exit.signal == SIGTERM)
    }

    @Test func reaperWakesForASpawnAfterItRanOutOfChildren() async throws {
        let reaper = ChildReaper()
        for code in [3, 4] {
            let pid = try Spawner.spawn(sh("exit \(code)"))
            #expect(try #require(await exitOf(pid, in: reaper)).code == Int32(code))
        }
    }

    @Test func missingExecutableIsAnExecErrorAndLeavesNoZombie() async throws {
        let reaper = ChildReaper()
        let error = try spawnError(SpawnRequest.test(executable: "/nonexistent/swiftpm2-test"))
        #expect(error.errno == ENOENT)
        #expect(error.stage == .exec)
        #expect(error.path == "/nonexistent/swiftpm2-test")
        #expect(error.description == "exec /nonexistent/swiftpm2-test failed: No such file or directory (ENOENT)")

        // Reaped before spawn returned: no zombie, and waiting for it finds no such child.
        let failed = try #require(error.childPID)
        #expect(processState(failed) == nil)
        #expect(waitpid(failed, nil, WNOHANG) == -1 && errno == ECHILD)

        // The reaper never reports it: exits arrive in order, so by the time a later child's
        // exit arrives, the failed one would have been seen.
        let later = try Spawner.spawn(sh("exit 0"))
        let seen = await withDeadline(.seconds(10)) { () -> [pid_t] in
            var seen: [pid_t] = []
            for await exit in reaper.exits {
                seen.append(exit.pid)
                if exit.pid == later { break }
            }
            return seen
        }
        #expect(seen?.last == later)
        #expect(seen?.contains(failed) == false)
    }

    @Test func nonExecutableFileIsEACCES() throws {
        let dir = try TemporaryDirectory()
        let script = dir.path + "/not-executable.sh"
        try write("#!/bin/sh\nexit 0\n", to: script, mode: 0o644)
        let error = try spawnError(SpawnRequest.test(executable: script))
        #expect(error.errno == EACCES)
        #expect(error.stage == .exec)
        #expect(error.description == "exec \(script) failed: Permission denied (EACCES)")
    }

    @Test func missingWorkingDirectoryIsAChdirError() throws {
        var request = sh("true")
        request.cwd = "/nonexistent/dir"
        let error = try spawnError(request)
        #expect(error.errno == ENOENT)
        #expect(error.stage == .chdir)
        #expect(error.path == "/nonexistent/dir")
    }

    @Test func workingDirectoryIsRespected() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("out")
        defer { close(out) }
        var request = sh("pwd -P")
        request.cwd = dir.path
        request.stdout = out
        try await run(request)
        #expect(try read(dir.path + "/out") == realPath(dir.path) + "\n")
    }

    @Test func environmentIsExactlyTheRequested() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("env")
        defer { close(out) }
        var request = SpawnRequest.test(executable: "/usr/bin/env")
        request.environment = ["A": "1", "WITH_SPACE": "two words", "EMPTY": "", "UTF8": "é✓"]
        request.stdout = out
        try await run(request)
        let lines = try read(dir.path + "/env").split(separator: "\n").map(String.init).sorted()
        #expect(lines == ["A=1", "EMPTY=", "UTF8=é✓", "WITH_SPACE=two words"])
    }

    @Test func argv0AndArgumentsArePassed() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("args")
        defer { close(out) }
        var request = SpawnRequest.test(executable: "/bin/sh")
        request.argv0 = "custom-name"
        request.arguments = ["-c", "printf '%s|' \"$0\" \"$1\" \"$2\"", "first", "second arg"]
        request.stdout = out
        try await run(request)
        #expect(try read(dir.path + "/args") == "first|second arg||")
        // "$0" of `sh -c` is the first operand; argv[0] itself is visible as the process name.
        var named = SpawnRequest.test(executable: "/bin/sh")
        named.argv0 = "custom-name"
        named.arguments = ["-c", "tr '\\0' ' ' < /proc/$$/cmdline; true"]
        let out2 = try dir.open("cmdline")
        defer { close(out2) }
        named.stdout = out2
        try await run(named)
        #expect(try read(dir.path + "/cmdline").hasPrefix("custom-name -c "))
    }

    @Test func childHasExactlyStdioAndInheritedFDs() async throws {
        try #require(fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
        let dir = try TemporaryDirectory()
        let input = try dir.open("in")
        let out = try dir.open("out")
        let err = try dir.open("err")
        var pipeFDs: [Int32] = [-1, -1]
        try #require(pipe(&pipeFDs) == 0)
        defer { for fd in [input, out, err] + pipeFDs { close(fd) } }

        // Sources 2 and 1 are also targets: the spawner must copy them before overwriting.
        var request = SpawnRequest.test(executable: "/bin/ls")
        request.arguments = ["-l", "/proc/self/fd"]
        request.stdin = input
        request.stdout = out
        request.stderr = err
        request.inheritedFDs = [2, 1, pipeFDs[1]]
        let pid = try await run(request)

        var links: [Int: String] = [:]
        for line in try read(dir.path + "/out").split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard let arrow = parts.firstIndex(of: "->"), arrow > 0, let fd = Int(parts[arrow - 1]) else { continue }
            links[fd] = parts[(arrow + 1)...].joined(separator: " ")
        }
        // ls itself holds one more fd, the directory it lists.
        let own = links.filter { $0.value == "/proc/\(pid)/fd" }.map(\.key)
        #expect(own.count == 1)
        for fd in own { links.removeValue(forKey: fd) }
        #expect(links.keys.sorted() == [0, 1, 2, 3, 4, 5])
        #expect(links[0] == realPath(dir.path) + "/in")
        #expect(links[1] == realPath(dir.path) + "/out")
        #expect(links[2] == realPath(dir.path) + "/err")
        #expect(links[3] == fdTarget(2))
        #expect(links[4] == fdTarget(1))
        #expect(links[5] == fdTarget(pipeFDs[1]))
    }

    @Test func listenPIDIsTheChildsOwnPid() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("out")
        defer { close(out) }
        var request = sh("echo \"$LISTEN_PID $$\"")
        request.environment["LISTEN_PID"] = "999"  // replaced, not duplicated
        request.setListenPID = true
        request.stdout = out
        let pid = try await run(request)
        #expect(try read(dir.path + "/out") == "\(pid) \(pid)\n")
    }

    @Test func childLeadsItsOwnSessionAndGroup() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("stat")
        defer { close(out) }
        var request = SpawnRequest.test(executable: "/bin/cat")
        request.arguments = ["/proc/self/stat"]
        request.stdout = out
        let pid = try await run(request)
        let stat = try read(dir.path + "/stat")
        // After "(comm)": state, ppid, pgrp, session.
        let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
        #expect(Int32(fields[2]) == pid)
        #expect(Int32(fields[3]) == pid)
    }

    @Test func childGetsDefaultSignalsAndAnEmptyMask() async throws {
        let dir = try TemporaryDirectory()
        let out = try dir.open("status")
        defer { close(out) }
        var request = SpawnRequest.test(executable: "/bin/cat")
        request.arguments = ["/proc/self/status"]
        request.stdout = out

        // Block SIGINT on this thread (fork copies the caller's mask) and ignore SIGTERM in the
        // process, as a daemon might; restore both before any suspension point.
        let reaper = ChildReaper()
        var blockInt = sigset_t()
        var oldMask = sigset_t()
        sigemptyset(&blockInt)
        sigaddset(&blockInt, SIGINT)
        pthread_sigmask(SIG_BLOCK, &blockInt, &oldMask)
        let oldTerm = signal(SIGTERM, SIG_IGN)
        let spawned = Result { () throws(SpawnError) in try Spawner.spawn(request) }
        signal(SIGTERM, oldTerm)
        pthread_sigmask(SIG_SETMASK, &oldMask, nil)

        let pid = try spawned.get()
        #expect(try #require(await exitOf(pid, in: reaper)).code == 0)
        let status = try read(dir.path + "/status")
        #expect(pid > 0)
        #expect(status.contains("SigBlk:\t0000000000000000\n"))
        #expect(status.contains("SigIgn:\t0000000000000000\n"))
    }

    @Test func twoHundredQuickChildrenAreAllReaped() async throws {
        let reaper = ChildReaper()
        var pids: Set<pid_t> = []
        for index in 0..<200 {
            pids.insert(try Spawner.spawn(sh("exit \(index % 5)")))
        }
        let wanted = pids
        let exits = await withDeadline(.seconds(30)) { () -> [pid_t: ChildExit] in
            var exits: [pid_t: ChildExit] = [:]
            for await exit in reaper.exits where wanted.contains(exit.pid) {
                exits[exit.pid] = exit
                if exits.count == wanted.count { break }
            }
            return exits
        } ?? [:]
        #expect(exits.count == 200)
        #expect(exits.values.allSatisfy { $0.code != nil && $0.signal == nil })
        let zombies = pids.filter { processState($0).map { $0.state == "Z" && $0.ppid == getpid() } ?? false }
        #expect(zombies.isEmpty)
    }

    @Test func requestWithNulByteIsRejectedBeforeFork() throws {
        let error = try spawnError(sh("echo a\u{0}b"))
        #expect(error.errno == EINVAL)
        #expect(error.stage == .request)
    }
}

// MARK: - Helpers

extension SpawnRequest {
    /// A request with an exact small environment, `/` as cwd and output discarded.
    static func test(executable: String) -> SpawnRequest {
        SpawnRequest(
            executable: executable,
            environment: ["PATH": "/usr/bin:/bin"],
            cwd: "/",
            stdout: -1,
            stderr: -1
        )
    }
}

private func sh(_ script: String) -> SpawnRequest {
    var request = SpawnRequest.test(executable: "/bin/sh")
    request.arguments = ["-c", script]
    return request
}

/// Runs `body`, giving up with nil after `limit`.
private func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ body: @escaping @Sendable () async -> T
) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// The exit of `pid` as reported by `reaper`, or nil after 10 s.
private func exitOf(_ pid: pid_t, in reaper: ChildReaper) async -> ChildExit? {
    await withDeadline(.seconds(10)) {
        for await exit in reaper.exits where exit.pid == pid { return exit }
        return nil
    } ?? nil
}

/// Spawns, waits for a successful exit, and returns the pid.
@discardableResult
private func run(_ request: SpawnRequest) async throws -> pid_t {
    let reaper = ChildReaper()  // subscribed before the child exists, so its exit is not missed
    let pid = try Spawner.spawn(request)
    let exit = try #require(await exitOf(pid, in: reaper))
    #expect(exit.code == 0)
    return pid
}

private struct UnexpectedSuccess: Error {}

private func spawnError(_ request: SpawnRequest) throws -> SpawnError {
    do {
        let pid = try Spawner.spawn(request)
        Issue.record("spawn unexpectedly started pid \(pid)")
        throw UnexpectedSuccess()
    } catch let error as SpawnError {
        return error
    }
}

private struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        var template = Array("/tmp/swiftpm2-spawn-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(errno) }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Creates (or truncates) a file here, open for writing and reading.
    func open(_ name: String) throws -> Int32 {
        let fd = Glibc.open(path + "/" + name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(errno) }
        return fd
    }
}

private struct POSIXError: Error {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

private func read(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw POSIXError(errno) }
    return String(decoding: data, as: UTF8.self)
}

private func write(_ text: String, to path: String, mode: Int) throws {
    guard FileManager.default.createFile(
        atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]
    ) else { throw POSIXError(errno) }
}

private func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Where one of this process's fds points, as /proc shows it.
private func fdTarget(_ fd: Int32) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// State and parent of a process from /proc/<pid>/stat; nil when there is no such process.
private func processState(_ pid: pid_t) -> (state: String, ppid: pid_t)? {
    guard let stat = try? read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 2, let ppid = pid_t(fields[1]) else { return nil }
    return (String(fields[0]), ppid)
}
