extension UnitFile {
    /// `swiftpm2d.service`: the daemon in the foreground, `Type=notify`, restarted when it
    /// fails, and never killing the apps itself (`KillMode=process`).
    public static func service(_ c: UnitConfiguration) -> UnitFile {
        var unit = ["[Unit]", "Description=swiftpm2 process manager daemon",
                    "Requires=\(socketName)"]
        if c.scope == .system {
            unit += ["After=\(socketName) network-online.target", "Wants=network-online.target"]
        } else {
            unit += ["After=\(socketName)"]
        }

        var service = [
            "[Service]",
            "Type=notify",
            "NotifyAccess=main",
            "ExecStart=\(UnitText.execWord(c.daemonPath)) --resurrect",
            "# SIGHUP: the daemon reloads every app (RELOADING=1, then READY=1).",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "Environment=SWIFTPM2_HOME=\(c.home.unitText)",
        ]
        if let name = c.home.stateDirectoryName {
            service += ["StateDirectory=\(UnitText.escapingSpecifiers(name))", "StateDirectoryMode=0700"]
        }
        if let account = c.account {
            service += ["User=\(account.user)", "Group=\(account.group)"]
        }
        service += [
            "WatchdogSec=30s",
            "Restart=on-failure",
            "RestartSec=1s",
            "# systemd signals the daemon alone; on SIGTERM the daemon stops every app gracefully",
            "# (its kill_signal, SIGKILL after its kill_timeout) and exits. As systemd never kills",
            "# the apps, they outlive a crash of the daemon and the restarted daemon takes them back.",
            "KillMode=process",
            "# Must exceed the longest kill_timeout of any app (default 1.6 s); raise it in a",
            "# drop-in for apps that take longer to stop.",
            "TimeoutStopSec=90s",
            "# Sockets and pipes the daemon keeps across its own restarts (FDSTORE=1).",
            "FileDescriptorStoreMax=4096",
            "# An app killed by the kernel's OOM killer is for the daemon to restart, not a reason",
            "# to stop every app.",
            "OOMPolicy=continue",
            "LimitNOFILE=65536",
            "# Sandboxing binds the apps too (they are the daemon's children): only what no",
            "# managed app should need is taken away.",
        ]
        if c.scope == .system {
            service += ["ProtectSystem=full", "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
                        "ProtectKernelLogs=yes", "ProtectControlGroups=yes"]
        }
        if c.scope == .user || c.account != nil {
            // Implied anyway by the options below when the daemon lacks CAP_SYS_ADMIN: say so.
            service += ["NoNewPrivileges=yes"]
        }
        service += ["RestrictSUIDSGID=yes", "RestrictRealtime=yes", "LockPersonality=yes"]

        let install = ["[Install]", "WantedBy=\(c.scope.wantedBy)", "Also=\(socketName)"]
        return UnitFile(name: serviceName, text: render([unit, service, install]))
    }

    /// Sections separated by a blank line, after the header.
    static func render(_ sections: [[String]]) -> String {
        header + "\n\n" + sections.map { $0.joined(separator: "\n") + "\n" }.joined(separator: "\n")
    }
}
