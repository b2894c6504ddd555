import CSpawn
import Glibc
import SwiftPM2Core

/// The `command` check: an executable run without a shell, passing when it exits 0.
///
/// **Getting its exit status with the daemon's reaper.** The daemon has one thread that reaps
/// every child (``ChildReaper``), so the probe must not `waitpid` for its child (the reaper may
/// reap it first, and a pid reaped elsewhere cannot be waited for; a pidfd opened after the
/// spawn has the same race and no status either). Instead the probe subscribes to the reaper
/// *before* it spawns — each ``ChildReaper`` value receives every exit from the moment it is
/// created — and awaits the exit whose pid is its child's. The supervisor's own subscription
/// sees that exit too and ignores it, as it ignores every pid it never recorded. The child
/// cannot be missed (subscribed first) and its pid cannot be reused while the probe waits (it
/// is only reaped once it has exited, and the probe stops waiting at that very exit).
///
/// The child leads its own process group (``Spawner``); at the timeout the whole group gets
/// SIGKILL, and the probe waits for the exit (at most ``killGrace`` more) so that a check
/// never outlives its report. After an exit, what is left in the group gets SIGKILL too, and
/// so does the whole check when the awaiting task is cancelled. Its stdout and stderr go to a pipe whose write end is
/// non-blocking: the first ``outputLimit`` bytes are kept, later writes fail with EAGAIN
/// instead of blocking the check; the last line read becomes part of the detail.
extension HealthProbe {
    /// How long to wait for the exit of a check killed at its timeout.
    static let killGrace = Duration.seconds(2)
    /// Output bytes read for the detail (a pipe holds 64 KiB; the rest is dropped).
    static let outputLimit = 4096

    private enum CommandEvent: Sendable {
        case exited(ChildExit)
        case timedOut
        case gaveUp
    }

    func command(_ argv: [String], environment: [String: String], cwd: String, timeout: Duration) async -> (ok: Bool, detail: String) {
        guard let executable = argv.first else { return (false, "command: empty") }
        let name = "command \(executable)"
        var fds: [Int32] = [-1, -1]
        guard pm2_pipe_cloexec(&fds) == 0 else { return (false, "\(name): cannot make a pipe: \(Self.errnoText(errno))") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd) }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
        _ = fcntl(writeEnd, F_SETFL, O_NONBLOCK)

        let exits = ChildReaper()  // before the spawn, so that the exit cannot be missed
        let pid: pid_t
        do {
            pid = try Spawner.spawn(SpawnRequest(
                executable: executable, arguments: Array(argv.dropFirst()), environment: environment, cwd: cwd,
                stdout: writeEnd, stderr: writeEnd))
            close(writeEnd)
        } catch {
            close(writeEnd)
            return (false, "\(name): \(error.description)")
        }

        var exit: ChildExit?
        var timedOut = false
        await withTaskGroup(of: CommandEvent?.self) { group in
            group.addTask {
                for await e in exits.exits where e.pid == pid { return .exited(e) }
                return nil  // cancelled
            }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return nil }
                return .timedOut
            }
            while let event = await group.next() {
                switch event {
                case .exited(let e)?:
                    exit = e
                    group.cancelAll()
                case .timedOut?:
                    timedOut = true
                    kill(-pid, SIGKILL)
                    group.addTask {
                        do { try await Task.sleep(for: Self.killGrace) } catch { return nil }
                        return .gaveUp
                    }
                case .gaveUp?:
                    group.cancelAll()
                case nil:
                    continue
                }
            }
        }
        // What the check left in its group (background children) goes with it; the leader's
        // group id cannot have been reused while members remain. A check whose task was
        // cancelled (its instance stopped) is killed as at a timeout, and not waited for.
        kill(-pid, SIGKILL)
        if exit == nil, !timedOut { return (false, "\(name): cancelled") }
        let output = Self.lastLine(readAvailable(readEnd))
        let said = output.isEmpty ? "" : ": \(output)"
        if timedOut {
            let gone = exit == nil ? " (not gone \(RestartPolicy.describe(Self.killGrace)) after SIGKILL)" : ""
            return (false, "\(name): no exit within \(RestartPolicy.describe(timeout)), killed\(gone)\(said)")
        }
        guard let exit else { return (false, "\(name): its exit was not reported") }
        if exit.code == 0 { return (true, "\(name) exited 0") }
        if let code = exit.code { return (false, "\(name) exited \(code)\(said)") }
        return (false, "\(name) \(describeExit(code: nil, signal: exit.signal, coreDumped: exit.coreDumped))\(said)")
    }

    /// Up to ``outputLimit`` bytes that are in the pipe now (it is non-blocking).
    private func readAvailable(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while bytes.count < Self.outputLimit {
            let n = read(fd, &chunk, min(chunk.count, Self.outputLimit - bytes.count))
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        return bytes
    }

    /// The last non-empty line of `bytes`, trimmed and at most 200 characters.
    static func lastLine(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
        var trimmed = String(line.drop(while: \.isWhitespace))
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        return trimmed.count > 200 ? String(trimmed.prefix(197)) + "..." : trimmed
    }
}
