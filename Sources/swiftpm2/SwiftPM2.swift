import ArgumentParser

@main
struct SwiftPM2: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftpm2",
        abstract: "A process manager for Linux: run, keep alive and watch any executable.",
        discussion: """
        The daemon (swiftpm2d) is started on demand; its home is $SWIFTPM2_HOME (default ~/.swiftpm2).
        Exit status: 0 success, 1 an action failed, 2 invalid ecosystem file, 3 no daemon, 4 no such app, 64 bad usage.
        """,
        version: "0.1.0",
        subcommands: [
            Start.self, Stop.self, Restart.self, Reload.self, Scale.self, Apply.self, Delete.self, List.self, JList.self, Describe.self,
            Logs.self, Validate.self, Ping.self, Kill.self, Save.self, Resurrect.self,
            Startup.self, Unstartup.self,
            Monit.self, Send.self, Trigger.self, Signal.self, Flush.self,
        ]
    )
}
