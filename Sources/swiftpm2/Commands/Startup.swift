import ArgumentParser
import Glibc
import SwiftPM2Client

/// `startup`: runs the daemon under systemd, for this machine (the daemon next to this CLI,
/// this user, this `SWIFTPM2_HOME`), so that it and its saved apps come back at boot.
struct Startup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install and enable systemd units that run the daemon at boot (or at login with --user).",
        discussion: """
        Writes swiftpm2d.socket and swiftpm2d.service for this machine, then runs `systemctl daemon-reload` \
        and `systemctl enable --now`. What cannot be done here (no systemd, no permission) is printed as \
        the exact commands to run, and the command exits 1. See docs/systemd.md.
        """)

    @OptionGroup var options: StartupOptions

    func run() async throws {
        let machine = StartupMachine.current()
        let scope = options.scope
        let configuration = machine.configuration(scope)
        if let problem = configuration.problem() { throw fail(problem, .failed) }
        guard access(machine.daemonPath, X_OK) == 0 else {
            throw fail("cannot find an executable swiftpm2d at \(machine.daemonPath) (next to this swiftpm2, or $SWIFTPM2D_PATH)", .failed)
        }
        let directory = machine.unitDirectory(scope, option: options.unitDirectory)
        let plan = StartupPlan.install(configuration, directory: directory, byPath: options.unitDirectory != nil)
        let printCommand = options.printCommand("startup", executable: machine.executable)
        if options.printOnly {
            print(plan.script(comments: comments(machine, configuration, directory, printCommand)), terminator: "")
            return
        }
        if let pid = machine.daemonOutsideSystemd() {
            throw fail("""
                a swiftpm2d started outside systemd (pid \(pid)) serves \(machine.swiftpm2Home); run `swiftpm2 save` and \
                `swiftpm2 kill`, then `swiftpm2 startup` again: the daemon systemd starts brings the saved apps back
                """, .failed)
        }
        try StartupRunner(plan: plan, machine: machine, printCommand: printCommand).run()
        print("swiftpm2d runs under systemd with home \(machine.swiftpm2Home); `systemctl \(scope == .user ? "--user " : "")status swiftpm2d` shows it.")
        print("At every start it brings back the apps saved with `swiftpm2 save`.")
        if scope == .user { print(lingerHint(machine)) }
    }

    private func comments(_ machine: StartupMachine, _ c: UnitConfiguration, _ directory: String, _ printCommand: String) -> [String] {
        let who = c.scope == .user ? "your systemd user manager" : "systemd, as \(c.account?.user ?? "root")"
        var lines = ["swiftpm2d under \(who), with home \(machine.swiftpm2Home); units in \(directory).",
                     "To apply: \(printCommand) | \(c.scope == .system && !machine.isRoot ? "sudo sh" : "sh")"]
        if c.scope == .user { lines.append(lingerHint(machine)) }
        return lines
    }

    private func lingerHint(_ machine: StartupMachine) -> String {
        "User units start at your first login; to start them at boot: loginctl enable-linger \(machine.account.user)"
    }
}

/// `unstartup`: undoes `startup` (stops and disables the units, removes their files).
struct Unstartup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop, disable and remove the systemd units written by `startup`.",
        discussion: """
        Runs `systemctl disable --now`, removes the unit files and runs `systemctl daemon-reload`. The daemon \
        stops, and its apps with it. What cannot be done here is printed as the exact commands to run, \
        and the command exits 1.
        """)

    @OptionGroup var options: StartupOptions

    func run() async throws {
        let machine = StartupMachine.current()
        let directory = machine.unitDirectory(options.scope, option: options.unitDirectory)
        let plan = StartupPlan.uninstall(scope: options.scope, directory: directory)
        let printCommand = options.printCommand("unstartup", executable: machine.executable)
        if options.printOnly {
            print(plan.script(comments: ["Removes the swiftpm2d units from \(directory).", "To apply: \(printCommand) | \(options.scope == .system && !machine.isRoot ? "sudo sh" : "sh")"]), terminator: "")
            return
        }
        let present = [UnitFile.serviceName, UnitFile.socketName].contains { access(directory + "/" + $0, F_OK) == 0 }
        guard present else {
            print("no swiftpm2d units in \(directory): nothing to undo")
            return
        }
        try StartupRunner(plan: plan, machine: machine, printCommand: printCommand).run()
        print("swiftpm2d no longer runs under systemd; `swiftpm2` commands start a daemon on demand again.")
    }
}
