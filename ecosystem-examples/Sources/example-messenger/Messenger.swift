import Glibc
import SwiftPM2Worker

/// The messenger's answers: actions, pongs and echoes. Outside main.swift so that its closures
/// and task are not bound to the main actor, whose thread waits in `sigwait`.
struct Messenger: Sendable {
    let pid = getpid()
    let started = ContinuousClock.now
    /// Declare the actions but never answer them.
    let silent: Bool

    func serve(_ ipc: Worker.IPC) {
        ipc.onPing { health }
        ipc.on(action: "rotate-keys") { _ in
            try await holdIfSilent()
            say("example-messenger pid \(pid): keys rotated\n")
            return ["rotated": true, "pid": Worker.JSON(pid)]
        }
        ipc.on(action: "health") { _ in
            try await holdIfSilent()
            return health
        }
        Task {
            for await message in ipc.messages {
                let echo: Worker.JSON = ["echo": message.data, "pid": Worker.JSON(pid)]
                do {
                    try ipc.send(echo)
                    if let id = message.id { try ipc.reply(to: id, data: echo) }
                } catch {
                    say("example-messenger pid \(pid): cannot echo: \(error)\n")
                }
            }
            say("example-messenger pid \(pid): the daemon closed the channel\n")
        }
    }

    /// `{"pid": ..., "healthy": true, "uptimeMs": ...}`: the pongs' data and `health`'s answer.
    var health: Worker.JSON {
        let uptime = (ContinuousClock.now - started).components
        let ms = uptime.seconds * 1000 + uptime.attoseconds / 1_000_000_000_000_000
        return ["pid": Worker.JSON(pid), "healthy": true, "uptimeMs": Worker.JSON(ms)]
    }

    private func holdIfSilent() async throws {
        while silent { try await Task.sleep(for: .seconds(3600)) }
    }
}

/// Unbuffered, so every line is in the log the moment it is written.
func say(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}
