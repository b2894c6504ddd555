import ArgumentParser
import Glibc
import SwiftPM2Client

/// Carries out a `StartupPlan`. Files are written and removed here; `systemctl` runs only
/// when systemd runs. Whatever cannot be done is printed as the exact commands that remain,
/// with one sentence on standard error saying why, and the command exits 1.
struct StartupRunner {
    let plan: StartupPlan
    let machine: StartupMachine
    /// This command line with `--print`, for the advice printed when rights are lacking.
    let printCommand: String

    /// Runs every step; throws the exit when some could not be done.
    func run() throws {
        let managerProblem = machine.serviceManagerProblem()
        var skipped: [StartupStep] = []
        for (index, step) in plan.steps.enumerated() {
            if step.needsServiceManager, managerProblem != nil {
                skipped.append(step)
                continue
            }
            if let failure = perform(step) {
                printRemaining(skipped + plan.steps[index...], heading: "Still to do (\(failure.short)):")
                throw fail("\(failure.sentence); \(failure.advice(scope: plan.scope, printCommand: printCommand))", .failed)
            }
        }
        if let managerProblem, !skipped.isEmpty {
            printRemaining(skipped, heading: "Still to do (needs systemd):")
            let did = plan.steps.contains { if case .write = $0 { return true }; return false }
                ? "the unit files are written, but nothing is enabled or started"
                : "the unit files are removed, but nothing was stopped or disabled"
            throw fail("\(managerProblem): \(did); the commands above do the rest", .failed)
        }
    }

    private func printRemaining(_ steps: [StartupStep], heading: String) {
        print(StartupPlan.script(steps, comments: [heading], stopsAtFirstFailure: plan.stopsAtFirstFailure), terminator: "")
    }

    /// Does one step; returns why it failed, or nil.
    private func perform(_ step: StartupStep) -> StartupFailure? {
        switch step {
        case .createHome(let path, _):
            return makeDirectories(path, leafMode: 0o700)
        case .createDirectory(let path):
            return makeDirectories(path, leafMode: 0o755)
        case .write(let unit, let path):
            if let failure = write(unit.text, to: path) { return failure }
            print("wrote \(path)")
            return nil
        case .remove(let path):
            if unlink(path) == 0 {
                print("removed \(path)")
                return nil
            }
            return errno == ENOENT ? nil : .system("cannot remove \(path)", errno: errno)
        case .systemctl(let arguments):
            print("$ \(step.shellCommand)")
            let status = spawnAndWait(StartupMachine.systemctlPath() ?? "systemctl", arguments)
            return status == 0 ? nil : .command(step.shellCommand, status: status)
        }
    }

    private func makeDirectories(_ path: String, leafMode: mode_t) -> StartupFailure? {
        var prefix = ""
        let parts = path.split(separator: "/")
        for (i, part) in parts.enumerated() {
            prefix += "/" + part
            if mkdir(prefix, i == parts.count - 1 ? leafMode : 0o755) != 0 && errno != EEXIST {
                return .system("cannot create \(prefix)", errno: errno)
            }
        }
        return nil
    }

    private func write(_ text: String, to path: String) -> StartupFailure? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .system("cannot write \(path)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .system("cannot write \(path)", errno: errno) }
            done += n
        }
        fchmod(fd, 0o644)
        return nil
    }

    /// Runs a program with this process's standard streams; returns its exit status
    /// (128 + signal when killed), or 127 when it cannot be started.
    private func spawnAndWait(_ program: String, _ arguments: [String]) -> Int32 {
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, program, nil, nil, argv, environ) == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
