import Glibc
import SwiftPM2Client

/// What `startup` and `unstartup` need to know about this machine and the user running them.
struct StartupMachine {
    /// `SWIFTPM2D_PATH`, else the `swiftpm2d` next to this `swiftpm2`; absolute.
    var daemonPath: String
    var isRoot: Bool
    /// The user running the command, and their primary group.
    var account: UnitAccount
    var userHome: String
    /// `SWIFTPM2_HOME` (default `~/.swiftpm2`), absolute: the home the CLI talks to.
    var swiftpm2Home: String
    var xdgConfigHome: String?
    /// This `swiftpm2`, for the hints printed.
    var executable: String

    static func current() -> StartupMachine {
        let exe = readLink("/proc/self/exe") ?? "swiftpm2"
        let cwd = currentDirectory()
        let daemon: String
        if let explicit = environment("SWIFTPM2D_PATH") {
            daemon = absolute(explicit, cwd: cwd)
        } else {
            daemon = String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]) + "/swiftpm2d"
        }
        let uid = geteuid()
        let pw = getpwuid(uid)
        let user = pw.flatMap { safeName(String(cString: $0.pointee.pw_name)) } ?? String(uid)
        let gid = pw?.pointee.pw_gid ?? getegid()
        let group = getgrgid(gid).flatMap { safeName(String(cString: $0.pointee.gr_name)) } ?? String(gid)
        let home = environment("HOME") ?? pw.map { String(cString: $0.pointee.pw_dir) } ?? "/"
        return StartupMachine(
            daemonPath: daemon, isRoot: uid == 0, account: UnitAccount(user: user, group: group),
            userHome: home, swiftpm2Home: absolute(DaemonLauncher.defaultHome(), cwd: cwd),
            xdgConfigHome: environment("XDG_CONFIG_HOME"), executable: exe)
    }

    /// The units `startup` writes here: the daemon next to this CLI, the CLI's home, and for
    /// system units the user running the command (nobody for root).
    func configuration(_ scope: UnitScope) -> UnitConfiguration {
        UnitConfiguration(scope: scope, daemonPath: daemonPath, home: .path(swiftpm2Home),
                          account: scope == .system && !isRoot ? account : nil)
    }

    /// `--unit-dir` made absolute, else the scope's usual folder.
    func unitDirectory(_ scope: UnitScope, option: String?) -> String {
        if let option { return Self.absolute(option, cwd: currentDirectory()) }
        return scope.defaultDirectory(userHome: userHome, xdgConfigHome: xdgConfigHome)
    }

    /// Why systemctl cannot be used here, or nil: systemd must be running (as `sd_booted()`
    /// checks, `/run/systemd/system` exists) and `systemctl` be on `PATH`.
    func serviceManagerProblem() -> String? {
        var st = stat()
        guard stat("/run/systemd/system", &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            return "systemd is not running on this machine (there is no /run/systemd/system)"
        }
        guard Self.systemctlPath() != nil else { return "systemctl is not on PATH" }
        return nil
    }

    static func systemctlPath() -> String? {
        let path = environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/systemctl" }.first { access($0, X_OK) == 0 }
    }

    /// The pid of a daemon that serves `swiftpm2Home` outside `swiftpm2d.service` (started on
    /// demand by a command), or nil. Its socket would be taken over by the socket unit.
    func daemonOutsideSystemd() -> pid_t? {
        guard DaemonLauncher(home: swiftpm2Home).isRunning(),
              let text = readText(swiftpm2Home + "/daemon.pid"),
              let pid = pid_t(text.filter(\.isNumber)), pid > 0 else { return nil }
        let cgroup = readText("/proc/\(pid)/cgroup") ?? ""
        let underSystemd = cgroup.split(separator: "\n").contains { $0.hasSuffix("/" + UnitFile.serviceName) }
        return underSystemd ? nil : pid
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    private static func absolute(_ path: String, cwd: String) -> String {
        path.hasPrefix("/") ? path : (cwd == "/" ? "" : cwd) + "/" + path
    }

    /// A user or group name as systemd accepts it unquoted, else nil (the number is used).
    private static func safeName(_ name: String) -> String? {
        let ok = !name.isEmpty && !name.hasPrefix("-") && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        return ok ? name : nil
    }

    private static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func readText(_ path: String) -> String? {
        readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
