import FoundationEssentials
import SwiftPM2Client
import Testing

@Suite struct UnitFileTests {
    /// The checkout's `systemd/` folder.
    static let shippedDirectory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/systemd"
    }()

    static func shippedPath(_ scope: UnitScope, _ name: String) -> String {
        shippedDirectory + (scope == .user ? "/user/" : "/") + name
    }

    static func lines(_ unit: UnitFile) -> [Substring] {
        unit.text.split(separator: "\n")
    }

    static func value(_ key: String, in unit: UnitFile) -> String? {
        lines(unit).first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    let alice = UnitConfiguration(scope: .system, daemonPath: "/opt/swiftpm2/bin/swiftpm2d",
                                  home: .path("/home/alice/.swiftpm2"), account: UnitAccount(user: "alice", group: "staff"))

    /// `systemd/` holds exactly what the template renders for packaging, so that the shipped
    /// units and the ones `startup` writes cannot drift apart. `SWIFTPM2_UPDATE_UNITS=1`
    /// rewrites the files from the template instead.
    @Test(arguments: UnitScope.allCases)
    func shippedUnitsAreThePackagedRendering(scope: UnitScope) throws {
        for unit in UnitFile.units(.packaged(scope)) {
            let path = Self.shippedPath(scope, unit.name)
            if ProcessInfo.processInfo.environment["SWIFTPM2_UPDATE_UNITS"] == "1" {
                try Data(unit.text.utf8).write(to: URL(fileURLWithPath: path))
            }
            let shipped = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            #expect(shipped == unit.text, "\(path) differs from UnitFile.\(unit.name == UnitFile.serviceName ? "service" : "socket")(.packaged(.\(scope)))")
        }
    }

    @Test func packagedSystemUnitsLiveInVarLibAsRoot() {
        let units = UnitFile.units(.packaged(.system))
        let (socket, service) = (units[0], units[1])
        #expect(Self.value("ExecStart", in: service) == "@BINDIR@/swiftpm2d --resurrect")
        #expect(Self.value("Environment", in: service) == "SWIFTPM2_HOME=/var/lib/swiftpm2")
        #expect(Self.value("StateDirectory", in: service) == "swiftpm2")
        #expect(Self.value("StateDirectoryMode", in: service) == "0700")
        #expect(Self.value("ListenStream", in: socket) == "/var/lib/swiftpm2/daemon.sock")
        #expect(Self.value("User", in: service) == nil)
        #expect(Self.value("NoNewPrivileges", in: service) == nil)
        #expect(Self.value("WantedBy", in: service) == "multi-user.target")
        #expect(Self.value("ProtectSystem", in: service) == "full")
    }

    @Test func packagedUserUnitsUseTheUsersHome() {
        let units = UnitFile.units(.packaged(.user))
        let (socket, service) = (units[0], units[1])
        #expect(Self.value("Environment", in: service) == "SWIFTPM2_HOME=%h/.swiftpm2")
        #expect(Self.value("ListenStream", in: socket) == "%h/.swiftpm2/daemon.sock")
        #expect(Self.value("WantedBy", in: service) == "default.target")
        #expect(Self.value("NoNewPrivileges", in: service) == "yes")
        // Mount namespaces are not available to a user manager: none of these may appear.
        for key in ["ProtectSystem", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "StateDirectory"] {
            #expect(Self.value(key, in: service) == nil, "\(key) in a user unit")
        }
        #expect(!service.text.contains("network-online.target"))
    }

    @Test(arguments: UnitScope.allCases)
    func serviceKeysTheDaemonReliesOn(scope: UnitScope) {
        let service = UnitFile.service(.packaged(scope))
        let expected = [
            "Type": "notify", "NotifyAccess": "main", "ExecReload": "/bin/kill -HUP $MAINPID", "KillMode": "process",
            "Restart": "on-failure", "WatchdogSec": "30s", "TimeoutStopSec": "90s", "FileDescriptorStoreMax": "4096",
            "OOMPolicy": "continue", "Requires": "swiftpm2d.socket", "Also": "swiftpm2d.socket",
        ]
        for (key, value) in expected {
            #expect(Self.value(key, in: service) == value, "\(key)")
        }
        let socket = UnitFile.socket(.packaged(scope))
        #expect(Self.value("SocketMode", in: socket) == "0600")
        #expect(Self.value("DirectoryMode", in: socket) == "0700")
        #expect(Self.value("FileDescriptorName", in: socket) == "control")
        #expect(Self.value("WantedBy", in: socket) == "sockets.target")
    }

    @Test func aUsersSystemUnitRunsAsThatUserAndTheirCLIMayConnect() {
        let units = UnitFile.units(alice)
        let (socket, service) = (units[0], units[1])
        #expect(Self.value("User", in: service) == "alice")
        #expect(Self.value("Group", in: service) == "staff")
        #expect(Self.value("NoNewPrivileges", in: service) == "yes")
        #expect(Self.value("StateDirectory", in: service) == nil)
        #expect(Self.value("ExecStart", in: service) == "/opt/swiftpm2/bin/swiftpm2d --resurrect")
        #expect(Self.value("Environment", in: service) == "SWIFTPM2_HOME=/home/alice/.swiftpm2")
        #expect(Self.value("ListenStream", in: socket) == "/home/alice/.swiftpm2/daemon.sock")
        #expect(Self.value("SocketUser", in: socket) == "alice")
        #expect(Self.value("SocketGroup", in: socket) == "staff")
    }

    @Test func userUnitsNeverNameAUser() {
        let c = UnitConfiguration(scope: .user, daemonPath: "/d/swiftpm2d", home: .path("/h/.swiftpm2"), account: UnitAccount(user: "alice", group: "staff"))
        #expect(c.account == nil)
        #expect(Self.value("User", in: UnitFile.service(c)) == nil)
        #expect(Self.value("SocketUser", in: UnitFile.socket(c)) == nil)
    }

    @Test func specifiersAndVariablesAreEscaped() {
        let c = UnitConfiguration(scope: .system, daemonPath: "/opt/a%b$c/swiftpm2d", home: .path("/srv/50%"))
        #expect(c.problem() == nil)
        #expect(Self.value("ExecStart", in: UnitFile.service(c)) == "/opt/a%%b$$c/swiftpm2d --resurrect")
        #expect(Self.value("Environment", in: UnitFile.service(c)) == "SWIFTPM2_HOME=/srv/50%%")
        #expect(Self.value("ListenStream", in: UnitFile.socket(c)) == "/srv/50%%/daemon.sock")
    }

    @Test func pathsAUnitCannotHoldAreRefusedWithAReason() throws {
        let relative = UnitConfiguration(scope: .user, daemonPath: "bin/swiftpm2d", home: .path("/h"))
        #expect(try #require(relative.problem()).contains("not an absolute path"))
        let spaced = UnitConfiguration(scope: .user, daemonPath: "/d/swiftpm2d", home: .path("/home/a b/.swiftpm2"))
        #expect(try #require(spaced.problem()).contains("white space"))
        let quoted = UnitConfiguration(scope: .user, daemonPath: "/d/it's/swiftpm2d", home: .path("/h"))
        #expect(try #require(quoted.problem()).contains("U+27"))
        let long = UnitConfiguration(scope: .user, daemonPath: "/d/swiftpm2d", home: .path("/" + String(repeating: "x", count: 100)))
        #expect(try #require(long.problem()).contains("more than the 107"))
        #expect(UnitConfiguration(scope: .system, daemonPath: "/usr/bin/swiftpm2d", home: .path("/root/.swiftpm2")).problem() == nil)
    }

    @Test func defaultDirectories() {
        #expect(UnitScope.system.defaultDirectory(userHome: "/home/a", xdgConfigHome: "/x") == "/etc/systemd/system")
        #expect(UnitScope.user.defaultDirectory(userHome: "/home/a", xdgConfigHome: nil) == "/home/a/.config/systemd/user")
        #expect(UnitScope.user.defaultDirectory(userHome: "/home/a", xdgConfigHome: "/cfg") == "/cfg/systemd/user")
        // The XDG specification ignores a relative XDG_CONFIG_HOME.
        #expect(UnitScope.user.defaultDirectory(userHome: "/home/a", xdgConfigHome: "cfg") == "/home/a/.config/systemd/user")
    }

    @Test func installWritesReloadsAndEnablesSocketFirst() {
        let c = UnitConfiguration(scope: .system, daemonPath: "/usr/bin/swiftpm2d", home: .path("/root/.swiftpm2"))
        let units = UnitFile.units(c)
        let plan = StartupPlan.install(c, directory: "/etc/systemd/system", byPath: false)
        #expect(plan.steps == [
            .createDirectory("/etc/systemd/system"),
            .write(units[0], path: "/etc/systemd/system/swiftpm2d.socket"),
            .write(units[1], path: "/etc/systemd/system/swiftpm2d.service"),
            .systemctl(["daemon-reload"]),
            .systemctl(["enable", "--now", "swiftpm2d.socket", "swiftpm2d.service"]),
        ])
        #expect(plan.stopsAtFirstFailure)
    }

    @Test func installElsewhereEnablesByPathAndCreatesAUsersHome() {
        let plan = StartupPlan.install(alice, directory: "/pkg/units", byPath: true)
        #expect(plan.steps.first == .createHome("/home/alice/.swiftpm2", account: UnitAccount(user: "alice", group: "staff")))
        #expect(plan.steps.last == .systemctl(["enable", "--now", "/pkg/units/swiftpm2d.socket", "/pkg/units/swiftpm2d.service"]))
        let user = StartupPlan.install(UnitConfiguration(scope: .user, daemonPath: "/d/swiftpm2d", home: .path("/h")), directory: "/h/u", byPath: false)
        #expect(user.steps.last == .systemctl(["--user", "enable", "--now", "swiftpm2d.socket", "swiftpm2d.service"]))
        #expect(!user.steps.contains { if case .createHome = $0 { return true }; return false })
    }

    @Test func uninstallDisablesThenRemovesThenReloads() {
        let plan = StartupPlan.uninstall(scope: .user, directory: "/h/u")
        #expect(plan.steps == [
            .systemctl(["--user", "disable", "--now", "swiftpm2d.service", "swiftpm2d.socket"]),
            .remove("/h/u/swiftpm2d.service"),
            .remove("/h/u/swiftpm2d.socket"),
            .systemctl(["--user", "daemon-reload"]),
        ])
        #expect(!plan.stopsAtFirstFailure)
        #expect(!plan.script(comments: []).contains("set -e"))
    }

    @Test func scriptQuotesPathsAndKeepsUnitsVerbatim() {
        let c = UnitConfiguration(scope: .user, daemonPath: "/d/swiftpm2d", home: .path("/h/.swiftpm2"))
        let script = StartupPlan.install(c, directory: "/tmp/it's here", byPath: true).script(comments: ["hello"])
        let service = UnitFile.service(c).text
        #expect(script.hasPrefix("# hello\nset -e\nmkdir -p '/tmp/it'\\''s here'\n"))
        #expect(script.contains("cat > '/tmp/it'\\''s here/swiftpm2d.service' <<'SWIFTPM2_UNIT'\n\(service)SWIFTPM2_UNIT\n"))
        #expect(script.hasSuffix("systemctl --user enable --now '/tmp/it'\\''s here/swiftpm2d.socket' '/tmp/it'\\''s here/swiftpm2d.service'\n"))
        // The here-document is quoted, so `$MAINPID` reaches the file unexpanded.
        #expect(service.contains("$MAINPID"))
    }

    @Test func createHomeCommandSetsOwnerAndMode() {
        #expect(StartupStep.createHome("/home/alice/.swiftpm2", account: UnitAccount(user: "alice", group: "staff")).shellCommand
            == "install -d -m 0700 -o alice -g staff /home/alice/.swiftpm2")
        #expect(StartupShell.quoted("") == "''")
        #expect(StartupShell.quoted("a b") == "'a b'")
        #expect(StartupShell.quoted("/usr/local/bin/swiftpm2") == "/usr/local/bin/swiftpm2")
    }
}
