import Glibc
import SwiftPM2Worker

// An app that talks with the daemon over the IPC channel of `"ipc": true` (docs/messages.md):
// it declares the actions `rotate-keys` and `health`, answers pings with its pid and health,
// echoes every message back, and otherwise sleeps until SIGINT or SIGTERM.
//
// MESSENGER_SILENT=1: declares its actions but never answers them (for trigger timeouts).
// MESSENGER_GARBAGE=1: first writes a few malformed lines to the channel (for the daemon's
// drop-and-count), then behaves.

// Before any thread starts, the IPC reader's included (SwiftPM2Worker's graceful-stop hook).
Worker.blockStopSignals()

let silent = getenv("MESSENGER_SILENT").map { String(cString: $0) == "1" } ?? false
if getenv("MESSENGER_GARBAGE").map({ String(cString: $0) == "1" }) ?? false {
    Garbage.write() // before Worker.ipc opens the channel, so no line of its is cut by these
}

if let ipc = Worker.ipc {
    Messenger(silent: silent).serve(ipc)
    say("example-messenger pid \(getpid()): serving actions \(ipc.actions)\(silent ? " (silent)" : "")\n")
} else {
    say("example-messenger pid \(getpid()): no SWIFTPM2_IPC_FD (start it with \"ipc\": true); sleeping\n")
}

let received = Worker.waitForStopSignal()
say("example-messenger pid \(getpid()): stopping on signal \(received)\n")
exit(0)
