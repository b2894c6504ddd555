import ArgumentParser
import SwiftPM2Client

/// The options `startup` and `unstartup` share.
struct StartupOptions: ParsableArguments {
    @Flag(help: "Units for your own systemd user manager (systemctl --user) instead of the system's.")
    var user = false

    @Flag(name: .customLong("print"), help: "Only print the units and the commands, as a shell script (pipe it to `sudo sh` to apply it).")
    var printOnly = false

    @Option(name: .customLong("unit-dir"), help: ArgumentHelp(
        "Write the unit files to this folder instead of /etc/systemd/system (~/.config/systemd/user with --user).",
        discussion: "For packaging and tests; systemctl is then given the files' paths.",
        valueName: "dir"))
    var unitDirectory: String?

    var scope: UnitScope { user ? .user : .system }

    /// The command line that prints the same script (`--print`), with this swiftpm2's path.
    func printCommand(_ verb: String, executable: String) -> String {
        var words = [executable, verb]
        if user { words.append("--user") }
        if let unitDirectory { words += ["--unit-dir", unitDirectory] }
        words.append("--print")
        return words.map(StartupShell.quoted).joined(separator: " ")
    }
}
