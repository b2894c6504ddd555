extension UnitFile {
    /// `swiftpm2d.socket`: the control socket `$SWIFTPM2_HOME/daemon.sock`, held by systemd
    /// so that the first `swiftpm2` command starts the daemon and none is refused while it
    /// restarts.
    public static func socket(_ c: UnitConfiguration) -> UnitFile {
        let unit = ["[Unit]", "Description=swiftpm2 control socket"]
        var socket = [
            "[Socket]",
            "ListenStream=\(c.home.socketText)",
            "SocketMode=0600",
            "DirectoryMode=0700",
        ]
        if let account = c.account {
            socket += ["SocketUser=\(account.user)", "SocketGroup=\(account.group)"]
        }
        socket += [
            "# The daemon tells this descriptor from its stored ones by the name.",
            "FileDescriptorName=control",
        ]
        let install = ["[Install]", "WantedBy=sockets.target"]
        return UnitFile(name: socketName, text: render([unit, socket, install]))
    }
}
