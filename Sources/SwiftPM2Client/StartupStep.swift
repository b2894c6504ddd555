/// One step of installing or removing the units, which `swiftpm2 startup` and `unstartup`
/// carry out or, when they cannot, print as a shell command for someone who can.
public enum StartupStep: Sendable, Equatable {
    /// The daemon's home, 0700, owned by the account a system unit runs as (so that systemd,
    /// which creates a socket's missing folders as root, does not create it first).
    case createHome(String, account: UnitAccount)
    /// The folder of the unit files (`mkdir -p`).
    case createDirectory(String)
    /// A unit file written to `path`.
    case write(UnitFile, path: String)
    /// A file removed, if it exists.
    case remove(String)
    /// `systemctl` with these arguments (`--user` included).
    case systemctl([String])

    /// Whether the step needs a running systemd (the others only touch files).
    public var needsServiceManager: Bool {
        if case .systemctl = self { return true }
        return false
    }

    /// The step as a shell command; a written file is a here-document.
    public var shellCommand: String {
        switch self {
        case .createHome(let path, let account):
            return "install -d -m 0700 -o \(StartupShell.quoted(account.user)) -g \(StartupShell.quoted(account.group)) \(StartupShell.quoted(path))"
        case .createDirectory(let path):
            return "mkdir -p \(StartupShell.quoted(path))"
        case .write(let unit, let path):
            return "cat > \(StartupShell.quoted(path)) <<'\(StartupShell.hereDocumentEnd)'\n\(unit.text)\(StartupShell.hereDocumentEnd)"
        case .remove(let path):
            return "rm -f \(StartupShell.quoted(path))"
        case .systemctl(let arguments):
            return (["systemctl"] + arguments).map(StartupShell.quoted).joined(separator: " ")
        }
    }
}
