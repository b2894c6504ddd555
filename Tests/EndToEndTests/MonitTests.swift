import Foundation
import SwiftPM2Client
import SwiftPM2Core
import Testing

/// `swiftpm2 monit` on a real terminal: tmux runs it in a detached session of a fixed size, the
/// test reads the screen with `capture-pane`, types with `send-keys` and checks the apps with
/// the control API.
@Suite(.timeLimit(.minutes(2)),
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux (Debian package tmux) to give monit a terminal"))
struct MonitTests {
    @Test func liveScreenKeysResizeAndQuit() async throws {
        try await withTestDaemon { d in
            // The daemon started by the first command inherits PORT, and so does web.
            let port = freePort()
            #expect(try d.cli(["start", "/bin/sleep", "--name", "nap", "--", "1000"], environment: ["PORT": "\(port)"]).status == 0)
            #expect(try d.cli(["start", "\(d.bin)/example-server", "--name", "web"], environment: ["PORT": "\(port)"]).status == 0)
            let tmux = try Tmux.start(d, width: 120, height: 40)
            defer { tmux.kill() }

            // Both instances with their figures, the totals, the keys; on the alternate screen.
            var screen = try await tmux.waitForScreen("both instances with memory figures") { s in
                Self.row(s, "web")?.contains("online") == true && Self.row(s, "nap")?.contains("online") == true
                    && Self.row(s, "web")?.contains("mb") == true && s.contains("daemon up")
            }
            #expect(screen.contains("2 apps, 2 instances: 2 online, 0 errored"))
            #expect(screen.contains("q quit"))
            #expect(screen.contains("last ")) // the history sparklines' title: wide enough for them
            #expect(try tmux.display("#{alternate_on}") == "1")
            #expect(try tmux.display("#{cursor_flag}") == "0")

            // Down selects web (the second row): its detail line and its logs.
            let before = try await d.client.apps("web").apps[0].instances[0].pid
            try tmux.send("Down")
            screen = try await tmux.waitForScreen("web selected, with its logs") { s in
                Self.row(s, "web")?.hasPrefix("▶") == true && s.contains("logs of web[0]")
                    && s.contains("out │ example-server pid \(before.map(String.init) ?? "?")")
            }

            // r restarts the selected instance's app: a new pid, and the status line says so.
            try tmux.send("r")
            let apps = try await d.waitFor("web restarted by monit") { apps in
                let web = apps.first { $0.name == "web" }?.instances.first
                return web?.state == .online && web?.pid != nil && web?.pid != before
            }
            let after = apps.first { $0.name == "web" }!.instances[0].pid!
            screen = try await tmux.waitForScreen("the new pid and the status line") { s in
                s.contains("restarted web: 1/1 running") && Self.row(s, "web")?.contains(" \(after) ") == true
            }
            #expect(Self.row(screen, "nap")?.contains("online") == true)

            // l hides the log pane, and shows it again.
            try tmux.send("l")
            _ = try await tmux.waitForScreen("no log pane") { !$0.contains("logs of web[0]") && $0.contains("q quit") }
            try tmux.send("l")
            _ = try await tmux.waitForScreen("the log pane again") { $0.contains("logs of web[0]") }

            // Resizes: narrower drops the sparklines, tiny says so, and back.
            try tmux.resize(width: 60, height: 20)
            screen = try await tmux.waitForScreen("the frame at 60x20") { s in
                let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
                return !s.contains("last ") && s.contains("  id name") && lines.count >= 20 && lines[19].contains("move")
            }
            #expect(screen.split(separator: "\n").allSatisfy { TerminalText.width(String($0)) <= 60 })
            try tmux.resize(width: 30, height: 6)
            _ = try await tmux.waitForScreen("terminal too small") { $0.contains("terminal too small (30x6)") }
            try tmux.resize(width: 120, height: 40)
            _ = try await tmux.waitForScreen("the full frame again") { $0.contains("last ") && Self.row($0, "web") != nil }

            // q: the normal screen back, the cursor shown, monit ended with status 0.
            try tmux.send("q")
            screen = try await tmux.waitForScreen("monit's exit status") { $0.contains("monit-exit=") }
            #expect(screen.contains("monit-exit=0"))
            #expect(!screen.contains("swiftpm2 monit"))
            #expect(try tmux.display("#{alternate_on}") == "0")
            #expect(try tmux.display("#{cursor_flag}") == "1")
        }
    }

    @Test func daemonGoneIsShownAndSIGTERMRestoresTheTerminal() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "nap", "--", "1000"]).status == 0)
            let tmux = try Tmux.start(d, width: 100, height: 20, interval: "0.2")
            defer { tmux.kill() }
            _ = try await tmux.waitForScreen("nap online") { Self.row($0, "nap")?.contains("online") == true }

            // The daemon goes away: monit says so, keeps its last figures and keeps running.
            #expect(try d.cli(["kill"]).status == 0)
            let screen = try await tmux.waitForScreen("the daemon reported gone") { $0.contains("daemon unreachable, retrying every 200ms") }
            #expect(Self.row(screen, "nap") != nil)
            #expect(try tmux.display("#{alternate_on}") == "1")

            // SIGTERM: the terminal restored, then monit dies of the signal (143 from the shell).
            let pid = try tmux.monitPID()
            #expect(kill(pid, SIGTERM) == 0)
            let after = try await tmux.waitForScreen("monit's exit status") { $0.contains("monit-exit=") }
            #expect(after.contains("monit-exit=143"))
            #expect(try tmux.display("#{alternate_on}") == "0")
            #expect(try tmux.display("#{cursor_flag}") == "1")
        }
    }

    @Test func onceAndNoTerminal() async throws {
        try await withTestDaemon { d in
            #expect(try d.cli(["start", "/bin/sleep", "--name", "nap", "-i", "2", "--", "1000"]).status == 0)
            let once = try d.cli(["monit", "--once", "--no-logs"], environment: ["COLUMNS": "90"])
            #expect(once.status == 0, "\(once.stderr)")
            let lines = once.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "swiftpm2 monit  daemon up")
            #expect(lines.contains { $0.hasPrefix("▶  0 nap  0 online") })
            #expect(lines.contains { $0.hasPrefix("   0 nap  1 online") })
            #expect(lines.allSatisfy { TerminalText.width($0) <= 90 })
            #expect(!once.stdout.contains("\u{1B}"))
            // Without --once and without a terminal: one sentence, status 1.
            let live = try d.cli(["monit"])
            #expect(live.status == 1)
            #expect(live.stderr.hasPrefix("swiftpm2: monit needs a terminal"))
        }
    }

    /// The table row of the app called `name` (the first), as shown.
    static func row(_ screen: String, _ name: String) -> String? {
        screen.split(separator: "\n").first { $0.dropFirst(2).split(separator: " ").dropFirst().first == Substring(name) }.map(String.init)
    }
}

extension MonitTests {
    /// A tmux server of its own (`-L`, no config) with one detached session running monit.
    struct Tmux {
        static let path = "/usr/bin/tmux"
        let socket: String
        let session = "monit"
        /// The server's socket file, removed at the end.
        var socketPath = ""

        /// Runs `swiftpm2 monit` for `d` in a `width`x`height` session; the pane's shell then
        /// prints `monit-exit=STATUS` and stays, so the screen can be read after monit ends.
        static func start(_ d: TestDaemon, width: Int, height: Int, interval: String = "1") throws -> Tmux {
            var tmux = Tmux(socket: "spm2-monit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            let command = "env SWIFTPM2_HOME='\(d.home)' NO_COLOR=1 '\(d.bin)/swiftpm2' monit --interval \(interval); "
                + "echo monit-exit=$?; exec sleep 600"
            let status = try spawnWithCleanSignals(Self.path, ["-L", tmux.socket, "-f", "/dev/null", "new-session", "-d",
                                                               "-s", tmux.session, "-x", String(width), "-y", String(height), command])
            guard status == 0 else {
                Issue.record("tmux new-session failed with status \(status)")
                throw TestDaemon.TimeoutError()
            }
            tmux.socketPath = try tmux.display("#{socket_path}")
            return tmux
        }

        /// Runs a program to its end with an empty signal mask and default signal actions, and
        /// no output. The tmux server forks from `new-session` and keeps what it inherits: with
        /// this test process's mask (its threads block most signals) it could not end its
        /// panes, nor monit see SIGWINCH.
        static func spawnWithCleanSignals(_ path: String, _ args: [String]) throws -> Int32 {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd: Int32 in 0...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            var none = sigset_t()
            sigemptyset(&none)
            var all = sigset_t()
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attr, &none)
            posix_spawnattr_setsigdefault(&attr, &all)
            posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid = pid_t()
            let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        }

        @discardableResult
        func run(_ args: [String]) throws -> TestDaemon.Run {
            try TestDaemon.run(Self.path, ["-L", socket] + args)
        }

        func capture() throws -> String {
            try run(["capture-pane", "-p", "-t", session]).stdout
        }

        func display(_ format: String) throws -> String {
            try run(["display-message", "-p", "-t", session, format]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func send(_ keys: String...) throws {
            try run(["send-keys", "-t", session] + keys)
        }

        func resize(width: Int, height: Int) throws {
            try run(["resize-window", "-t", session, "-x", String(width), "-y", String(height)])
        }

        /// The pid of monit: the child of the pane's shell.
        func monitPID() throws -> pid_t {
            let shell = try display("#{pane_pid}")
            let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
            guard let pid = children.split(separator: " ").first.flatMap({ pid_t($0) }) else {
                Issue.record("no child of the pane's shell \(shell)")
                throw TestDaemon.TimeoutError()
            }
            return pid
        }

        /// Polls the screen until `condition` holds; records the last screen when it never does.
        func waitForScreen(_ what: String, timeout: Duration = .seconds(30), _ condition: (String) -> Bool) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            var screen = ""
            while ContinuousClock.now < deadline {
                screen = try capture()
                if condition(screen) { return screen }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("timed out waiting for \(what); the screen:\n\(screen)")
            throw TestDaemon.TimeoutError()
        }

        func kill() {
            _ = try? run(["kill-server"])
            if !socketPath.isEmpty { unlink(socketPath) }
        }
    }
}
