import CSpawn
import Glibc
import Logging
import NIOCore
import NIOPosix
import SwiftPM2Core

/// The whole daemon: home folder, control socket, supervisor, signals; `run()` serves until
/// `swiftpm2 kill`, SIGTERM or SIGINT, then stops every app and removes its socket.
public struct Daemon: Sendable {
    let home: DaemonHome
    let logger: Logger

    public static let version = Router.version

    public init(home: DaemonHome, logger: Logger) {
        self.home = home
        self.logger = logger
    }

    /// `swiftpm2d --fd-keeper PATH`: holds descriptors for the daemon until told to quit
    /// (see `DescriptorStore`); returns the exit status.
    public static func runFDKeeper(path: String) -> Int32 {
        pm2_keeper_run(path) == 0 ? 0 : 1
    }

    /// Call first thing in `main`, before any thread exists.
    public static func prepareProcess() {
        SignalWaiter.ignoreDefaultActions()
        // Orphaned grandchildren of instances are re-parented to us and reaped, so that no
        // zombie stays and a stopped instance's process group really empties.
        pm2_set_child_subreaper()
    }

    public func run(resurrect: Bool = false) async throws {
        try home.prepare()
        try home.lockExclusively()
        let inherited = SystemdNotifier.inheritedDescriptors()
        // A socket-activated control socket accepts before we serve it; the lock suffices then.
        if inherited.control == nil, let other = runningDaemonPID() {
            throw DaemonError(message: "another swiftpm2d (pid \(other)) already serves \(home.socketPath)", errno: nil)
        }
        // A bad setting stops the start here, before anything is taken over or bound.
        let metricsSettings = try MetricsSettings.fromEnvironment(home: home.root)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let reaper = ChildReaper()
        let bus = EventBus()
        let notify = try NotifySocket(path: home.notifyPath)
        let supervisor = Supervisor(home: home, logger: logger, reaper: reaper, bus: bus, group: group, notifyPath: notify.path)
        let notifier = SystemdNotifier()
        let (shutdownRequests, requestShutdown) = AsyncStream.makeStream(of: Void.self)
        let router = Router(supervisor: supervisor, bus: bus, home: home, requestShutdown: { requestShutdown.yield() })
        let server = APIServer(router: router, logger: logger)
        let metrics: MetricsServer?
        if let settings = metricsSettings {
            metrics = try await MetricsServer.bind(settings.address, token: settings.token, group: group, logger: logger) {
                await MetricsSnapshot.collect(from: supervisor, version: Router.version)
            }
            logger.info("serving metrics on http://\(settings.address)/metrics (bearer token from \(settings.tokenSource))")
        } else {
            metrics = nil
        }

        // What a previous daemon ran and kept: take it back before serving anything.
        let (store, recovered) = DescriptorStore.open(home: home, inherited: inherited.stored, logger: logger)
        let summary = await supervisor.takeOver(store: store, recovered: recovered, resurrect: resurrect)

        let listener: NIOAsyncChannel<(APIServer.Connection, PeerCredentials?), Never>
        if let activated = inherited.control {
            listener = try await APIServer.adopt(listening: activated, group: group)
        } else {
            listener = try await APIServer.bind(path: home.socketPath, group: group)
            chmod(home.socketPath, 0o600)
        }
        chmod(home.notifyPath, 0o600)
        home.writePID()
        signalReadyPipe()
        notifier.ready(status: await supervisor.statusLine())
        logger.info("swiftpm2d \(Router.version) serving \(home.socketPath) (pid \(getpid()))\(summary.map { "; " + $0 } ?? "")")

        await withDiscardingTaskGroup { tasks in
            tasks.addTask { await supervisor.consumeExits() }
            tasks.addTask { await supervisor.consumeAdoptedExits() }
            tasks.addTask { await supervisor.consumeIPC() }
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await supervisor.pingDue()
                }
            }
            tasks.addTask {
                for await message in notify.messages { await supervisor.handleNotify(message) }
            }
            tasks.addTask { await server.serve(listener) }
            if let metrics { tasks.addTask { await metrics.serve() } }
            tasks.addTask {
                let interval = Self.sampleInterval()
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    await supervisor.sampleNow()
                }
            }
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    await supervisor.sampleNearLimit()
                }
            }
            if let interval = SystemdNotifier.watchdogInterval() {
                tasks.addTask { await Self.watchdogPings(every: interval / 2, supervisor: supervisor, loop: group.next(), notifier: notifier) }
            }
            tasks.addTask {
                for await signal in SignalWaiter.stream() {
                    if signal == SIGHUP {
                        logger.info("received SIGHUP: reloading every app")
                        notifier.reloading()
                        _ = try? await supervisor.reload(.all)
                        notifier.ready(status: await supervisor.statusLine())
                        continue
                    }
                    logger.info("received \(signalName(signal)), shutting down")
                    requestShutdown.yield()
                    return
                }
            }
            for await _ in shutdownRequests { break }
            notifier.stopping()
            await supervisor.stopEverything()
            await supervisor.forgetDurable()
            try? await listener.channel.close()
            await metrics?.close()
            bus.finishAll()
            if inherited.control == nil { unlink(home.socketPath) }
            unlink(home.pidPath)
            unlink(home.notifyPath)
            tasks.cancelAll()
        }
        logger.info("swiftpm2d stopped")
        try? await group.shutdownGracefully()
        exit(0)
    }

    /// How often instances are sampled: `SWIFTPM2_SAMPLE_INTERVAL` (milliseconds, 50...60000),
    /// default 1 s.
    static func sampleInterval() -> Duration {
        let ms = getenv("SWIFTPM2_SAMPLE_INTERVAL").flatMap { Int(String(cString: $0)) } ?? 1000
        return .milliseconds(min(max(ms, 50), 60_000))
    }

    /// `WATCHDOG=1` for systemd, sent only after a round trip through the supervisor actor and
    /// the event loop that serves the API, so that a hung actor or loop stops the pings.
    private static func watchdogPings(every interval: Duration, supervisor: Supervisor, loop: any EventLoop, notifier: SystemdNotifier) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            _ = await supervisor.statusLine()
            try? await loop.submit { notifier.watchdog() }.get()
        }
    }

    /// The pid of a daemon that answers on our socket, if one does.
    private func runningDaemonPID() -> pid_t? {
        guard home.daemonSocketAnswers() else { return nil }
        let text = readTextFile(home.pidPath) ?? ""
        return pid_t(text.filter(\.isNumber)) ?? -1
    }

    /// The CLI that started us waits on a pipe (`SWIFTPM2_READY_FD`) for one byte.
    private func signalReadyPipe() {
        guard let text = getenv("SWIFTPM2_READY_FD"), let fd = Int32(String(cString: text)) else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
        close(fd)
        unsetenv("SWIFTPM2_READY_FD")
    }
}
