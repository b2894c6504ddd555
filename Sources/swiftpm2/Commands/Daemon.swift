import ArgumentParser
import SwiftPM2Client

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the daemon answers (starting it if none runs).")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let client = try connect()
        let pong = try await api { () async throws(ClientError) in try await client.ping() }
        if json { printJSON(pong); return }
        print("swiftpm2d \(pong.version), pid \(pong.pid), up \(Humanize.duration(ms: pong.uptimeMs)), home \(pong.home)")
    }
}

struct Kill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop every app and then the daemon.")

    func run() async throws {
        let launcher = DaemonLauncher(home: DaemonLauncher.defaultHome())
        guard launcher.isRunning() else {
            print("no daemon runs for \(launcher.home)")
            return
        }
        let client = DaemonClient(socketPath: launcher.socketPath)
        let pong = try await api { () async throws(ClientError) in try await client.kill() }
        // The daemon answers, then removes its socket and exits: wait for that, boundedly.
        let deadline = ContinuousClock.now + .seconds(5)
        while launcher.isRunning(), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        print("daemon (pid \(pong.pid)) stopped with its apps")
    }
}
