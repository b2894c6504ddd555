import Glibc
import Logging
import SwiftPM2Daemon

// swiftpm2d: the daemon. Started on demand by the CLI, or in the foreground by a service
// manager (it speaks sd_notify: READY, STATUS, STOPPING).
// Configuration comes from the environment: SWIFTPM2_HOME (default ~/.swiftpm2) and
// SWIFTPM2_LOG_LEVEL (trace, debug, info, notice, warning, error; default info).

// `swiftpm2d --fd-keeper PATH`: the keeper of descriptors that outlive the daemon (started by
// the daemon itself; see DescriptorStore).
if CommandLine.arguments.count == 3 && CommandLine.arguments[1] == "--fd-keeper" {
    exit(Daemon.runFDKeeper(path: CommandLine.arguments[2]))
}

Daemon.prepareProcess()

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: swiftpm2d [--resurrect] [--version]
    The swiftpm2 daemon. It serves the control API on $SWIFTPM2_HOME/daemon.sock
    (default ~/.swiftpm2) and logs to standard error. The swiftpm2 command starts it
    when needed; under systemd, run it in the foreground with Type=notify.
    --resurrect  start the apps of $SWIFTPM2_HOME/dump.json (`swiftpm2 save`) unless
                 a previous daemon's apps are still running (they are taken back).
    """)
    exit(0)
}
if arguments.contains("--version") {
    print("swiftpm2d \(Daemon.version)")
    exit(0)
}

let level = getenv("SWIFTPM2_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0)) } ?? .info
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = level
    return handler
}
let daemon = Daemon(home: DaemonHome.fromEnvironment(), logger: Logger(label: "swiftpm2d"))
do {
    try await daemon.run(resurrect: arguments.contains("--resurrect"))
} catch {
    Logger(label: "swiftpm2d").critical("cannot start: \(error)")
    exit(1)
}
