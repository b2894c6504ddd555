import Foundation
import Testing

/// The units in `systemd/` and what `swiftpm2 startup`/`unstartup` write, checked with
/// systemd's own verifier. Nothing here talks to a running systemd: `systemctl` is kept off
/// `PATH` (or replaced by a recorder), so the tests behave the same on a machine booted with
/// systemd as in a container without it.
@Suite(.timeLimit(.minutes(1)))
struct StartupTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let socketActivate = "/usr/bin/systemd-socket-activate"
    static let setpriv = "/usr/bin/setpriv"
    static var hasAnalyze: Bool { FileManager.default.isExecutableFile(atPath: analyze) }

    /// The checkout's `systemd/` folder.
    static let shippedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("systemd").path

    static let names = ["swiftpm2d.socket", "swiftpm2d.service"]

    /// What keeps the CLI from reaching systemd or starting a daemon of its own.
    static func isolated(_ d: TestDaemon, path: String? = nil) throws -> [String: String] {
        let empty = d.home + "/empty-bin"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        return ["PATH": path ?? empty, "SWIFTPM2D_PATH": ""]
    }

    /// `systemd-analyze [--user] verify` on both units in `dir`. The user manager's verifier
    /// needs an existing `XDG_RUNTIME_DIR`; a private one is made for it.
    func verify(_ dir: String, user: Bool, in d: TestDaemon) throws {
        let runtime = d.home + "/xdg-runtime"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let args = (user ? ["--user"] : []) + ["verify"] + Self.names.map { dir + "/" + $0 }
        let r = try TestDaemon.run(Self.analyze, args, environment: ["XDG_RUNTIME_DIR": runtime])
        // verify exits 0 on unknown keys and bad values too: any line about our units fails.
        let ours = (r.stdout + r.stderr).split(separator: "\n").filter { $0.contains("swiftpm2d") || $0.contains(dir) }
        #expect(r.status == 0 && ours.isEmpty, "systemd-analyze \(args.joined(separator: " ")): status \(r.status)\n\(r.stdout)\(r.stderr)")
    }

    /// The folder of the built binaries with symbolic links resolved, as `/proc/self/exe` gives it.
    func realBin(_ d: TestDaemon) -> String {
        URL(fileURLWithPath: d.bin).resolvingSymlinksInPath().path
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test(.enabled(if: hasAnalyze, "systemd-analyze (Debian package systemd) is the verifier"), arguments: [false, true])
    func shippedUnitsVerify(user: Bool) async throws {
        try await withTestDaemon { d in
            let dir = d.home + "/units"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for name in Self.names {
                let text = try read(Self.shippedDirectory + (user ? "/user/" : "/") + name)
                #expect(text.contains("@BINDIR@") == (name == "swiftpm2d.service"))
                // verify checks that ExecStart= is executable: point it at the built daemon.
                try text.replacingOccurrences(of: "@BINDIR@", with: d.bin).write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            }
            try verify(dir, user: user, in: d)
        }
    }

    /// `startup --print` is a script: run as root would run it (with a recorder in place of
    /// systemctl), it writes units for this machine that verify, and enables them.
    @Test(.enabled(if: hasAnalyze, "systemd-analyze (Debian package systemd) is the verifier"), arguments: [false, true])
    func printedScriptWritesUnitsThatVerify(user: Bool) async throws {
        try await withTestDaemon { d in
            let units = d.home + "/units"
            let flag = user ? ["--user"] : []
            let printed = try d.cli(["startup", "--print", "--unit-dir", units] + flag, environment: try Self.isolated(d))
            #expect(printed.status == 0, "\(printed.stderr)")
            #expect(!FileManager.default.fileExists(atPath: units), "--print must not write anything")

            // `d.write` puts both in the home's files/, which then comes first on PATH.
            let recorder = try d.write("systemctl", "#!/bin/sh\necho \"$*\" >> \(d.home)/systemctl.log\n", executable: true)
            let script = try d.write("startup.sh", printed.stdout)
            let fakeBin = String(recorder.dropLast("/systemctl".count))
            let ran = try TestDaemon.run("/bin/sh", [script], environment: ["PATH": "\(fakeBin):/usr/bin:/bin"])
            #expect(ran.status == 0, "\(ran.stderr)")
            let prefix = user ? "--user " : ""
            #expect(try read(d.home + "/systemctl.log") == """
                \(prefix)daemon-reload
                \(prefix)enable --now \(units)/swiftpm2d.socket \(units)/swiftpm2d.service

                """)

            let service = try read(units + "/swiftpm2d.service")
            let socket = try read(units + "/swiftpm2d.socket")
            #expect(service.contains("\nExecStart=\(realBin(d))/swiftpm2d --resurrect\n"))
            #expect(service.contains("\nEnvironment=SWIFTPM2_HOME=\(d.home)\n"))
            #expect(service.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"))
            #expect(socket.contains("\nListenStream=\(d.home)/daemon.sock\n"))
            #expect(!service.contains("\nUser="), "run as root: no User=")
            try verify(units, user: user, in: d)
        }
    }

    @Test(arguments: [false, true])
    func startupWithoutSystemdWritesTheUnitsAndPrintsWhatIsLeft(user: Bool) async throws {
        try await withTestDaemon { d in
            let units = d.home + "/units"
            let flag = user ? ["--user"] : []
            let sc = user ? "systemctl --user" : "systemctl"
            let env = try Self.isolated(d)
            let r = try d.cli(["startup", "--unit-dir", units] + flag, environment: env)
            #expect(r.status == 1)
            #expect(r.stderr.hasPrefix("swiftpm2: ") && r.stderr.contains("the unit files are written, but nothing is enabled or started"), "\(r.stderr)")
            #expect(r.stdout.contains("wrote \(units)/swiftpm2d.socket\nwrote \(units)/swiftpm2d.service\n"), "\(r.stdout)")
            #expect(r.stdout.hasSuffix("\nset -e\n\(sc) daemon-reload\n\(sc) enable --now \(units)/swiftpm2d.socket \(units)/swiftpm2d.service\n"), "\(r.stdout)")

            // The files written are those --print shows.
            let printed = try d.cli(["startup", "--print", "--unit-dir", units] + flag, environment: env)
            for name in Self.names {
                let text = try read(units + "/" + name)
                #expect(printed.stdout.contains("cat > \(units)/\(name) <<'SWIFTPM2_UNIT'\n\(text)SWIFTPM2_UNIT\n"))
            }

            let undo = try d.cli(["unstartup", "--unit-dir", units] + flag, environment: env)
            #expect(undo.status == 1)
            #expect(undo.stderr.contains("the unit files are removed, but nothing was stopped or disabled"), "\(undo.stderr)")
            #expect(undo.stdout.contains("removed \(units)/swiftpm2d.service\nremoved \(units)/swiftpm2d.socket\n"), "\(undo.stdout)")
            #expect(undo.stdout.hasSuffix("\n\(sc) disable --now swiftpm2d.service swiftpm2d.socket\n\(sc) daemon-reload\n"), "\(undo.stdout)")
            for name in Self.names { #expect(!FileManager.default.fileExists(atPath: units + "/" + name)) }

            let again = try d.cli(["unstartup", "--unit-dir", units] + flag, environment: env)
            #expect(again.status == 0)
            #expect(again.stdout == "no swiftpm2d units in \(units): nothing to undo\n")
        }
    }

    /// A user without the rights to write the units gets the whole script, for root, and a
    /// sentence saying so; the unit runs the daemon as that user, in that user's home.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv),
                   "runs swiftpm2 as nobody through setpriv, which only root may do"))
    func aUserWithoutRightsGetsTheScriptForRoot() async throws {
        try await withTestDaemon { d in
            chmod(d.home, 0o711)
            let base = d.home + "/nobody"
            let units = d.home + "/units"
            for dir in [base, units] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            chmod(base, 0o777)
            let env = try Self.isolated(d).merging(["SWIFTPM2_HOME": base + "/home", "HOME": base]) { $1 }
            let r = try TestDaemon.run(Self.setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--", d.bin + "/swiftpm2", "startup", "--unit-dir", units], environment: env)
            #expect(r.status == 1)
            #expect(r.stderr.hasPrefix("swiftpm2: cannot write \(units)/swiftpm2d.socket: Permission denied; run the commands above as root"), "\(r.stderr)")
            #expect(r.stderr.contains("startup --unit-dir \(units) --print | sudo sh`"), "\(r.stderr)")
            #expect(r.stdout.contains("cat > \(units)/swiftpm2d.socket <<'SWIFTPM2_UNIT'\n"), "\(r.stdout)")
            #expect(r.stdout.contains("\nUser=nobody\n") && r.stdout.contains("\nSocketUser=nobody\n"))
            #expect(r.stdout.hasSuffix("systemctl enable --now \(units)/swiftpm2d.socket \(units)/swiftpm2d.service\n"))
            // The home was made by that user, before systemd could make it as root.
            let attributes = try FileManager.default.attributesOfItem(atPath: base + "/home")
            #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == 65534)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        }
    }

    /// The contract between `swiftpm2d.socket` and the daemon, with systemd's own activator:
    /// started with the control socket already listening (`LISTEN_FDS`, under the name the
    /// unit gives it, `control`), the daemon serves on it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: socketActivate),
                   "systemd-socket-activate (Debian package systemd) plays swiftpm2d.socket"))
    func daemonServesTheSocketSystemdHandsIt() async throws {
        try await withTestDaemon { d in
            var env = ProcessInfo.processInfo.environment
            env["SWIFTPM2_HOME"] = d.home
            env.removeValue(forKey: "NOTIFY_SOCKET")
            let argv = [Self.socketActivate, "-l", d.socketPath, "--fdname=control", "-E", "SWIFTPM2_HOME", d.bin + "/swiftpm2d"]
            let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
            let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (cArgs + cEnv).forEach { free($0) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, d.home + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid = pid_t()
            try #require(posix_spawn(&pid, Self.socketActivate, &actions, nil, cArgs, cEnv) == 0)
            defer {
                _ = try? d.cli(["kill"], environment: ["SWIFTPM2D_PATH": "/bin/false"])
                if processExists(pid) { kill(pid, SIGKILL) }
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while !FileManager.default.fileExists(atPath: d.socketPath), ContinuousClock.now < deadline { usleep(10_000) }
            // The first connection starts the daemon (systemd-socket-activate execs it in
            // place: same pid); /bin/false keeps the CLI from starting one of its own.
            let ping = try d.cli(["ping"], environment: ["SWIFTPM2D_PATH": "/bin/false"])
            #expect(ping.status == 0 && ping.stdout.contains("pid \(pid),"), "\(ping.stdout)\(ping.stderr)\n\((try? read(d.home + "/daemon.log")) ?? "")")
        }
    }
}
