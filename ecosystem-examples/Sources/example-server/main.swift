import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Worker

// A small HTTP/1.1 server: `/` answers with its pid and instance number, `/work?n=N` burns CPU
// for N iterations. It serves the socket swiftpm2 (or systemd) passes to it, else binds
// 127.0.0.1:$PORT (default 3000) itself, and stops gracefully on SIGINT or SIGTERM: no
// request is lost, keep-alive connections included.

// Block SIGINT and SIGTERM before any thread starts, so every thread inherits the mask and
// the main thread takes them below (SwiftPM2Worker's graceful-stop hook).
Worker.blockStopSignals()

let port = getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 3000
let instance = getenv("SWIFTPM2_INSTANCE").map { String(cString: $0) } ?? "-"
/// How long a connection idle at the stop waits for one more request (see ConnectionEndPolicy).
let idleGrace = TimeAmount.milliseconds(250)

func say(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}

// In cluster mode the daemon passes the listening socket (fd 3, LISTEN_PID/LISTEN_FDS), which
// every instance shares. Accept on it with a blocking accept() (Worker.AcceptLoop says why),
// and give each connection to NIO for the HTTP work. Run alone, bind PORT and do the same.
let inherited = Worker.inheritedListeners().first
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let connections = Connections()

/// Gives an accepted connection to NIO, which owns its fd from then on.
func serve(_ connection: Worker.AcceptLoop.Connection) {
    ClientBootstrap(group: group)
        .channelInitializer { channel in
            channel.closeFuture.whenComplete { _ in connection.closed() }
            return channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
                try pipeline.addHandlers(LastRequestHandler(), HTTPServerProtocolErrorHandler(), RequestHandler(instance: instance))
                connections.add(channel)
            }
        }
        .withConnectedSocket(connection.fd)
        .whenFailure { _ in connection.closed() }
}

let acceptLoop: Worker.AcceptLoop
do {
    let listener = try inherited?.fd ?? Worker.listen(host: "127.0.0.1", port: port)
    acceptLoop = try Worker.AcceptLoop.start(listener: listener, handler: serve)
} catch {
    say("example-server: \(error)\n")
    exit(1)
}
let healthLoop = HealthEndpoint.startIfAsked(serve: serve)
let serving = inherited.map { "inherited socket \($0.name)" } ?? "127.0.0.1:\(port)"
say("example-server pid \(getpid()) instance \(instance) serving \(serving)\n")

// FAIL_READY_IF_EXISTS=path: stay silent (never READY=1) while that file exists, to show
// what a broken deploy does to a rolling reload.
let holdReady = getenv("FAIL_READY_IF_EXISTS").map { access($0, F_OK) == 0 } ?? false
if !holdReady { Worker.ready(status: "serving on " + (inherited?.name ?? "127.0.0.1:\(port)")) }
WatchdogPinger.startIfAsked()
Leak.startIfAsked()

let received = Worker.waitForStopSignal()
say("example-server pid \(getpid()): stopping on signal \(received)\n")
// Graceful stop. Every connection answers its request in flight with `Connection: close`, or
// waits idleGrace for one more, and then closes; a connection accepted meanwhile is treated
// alike. The accept loop takes no new connection (a shared socket stays open for the other
// instances, which take what queues there). Then wait for the connections, at most 1.2 s in
// all, within the default kill_timeout (1.6 s).
let stopStarted = ContinuousClock.now
connections.stop(grace: idleGrace)
acceptLoop.stop()
_ = healthLoop?.stop()
let closedAll = acceptLoop.waitForConnections(timeout: .milliseconds(1100))
let cut = acceptLoop.openConnections
try group.syncShutdownGracefully()
let took = (ContinuousClock.now - stopStarted).components
let ms = took.seconds * 1000 + took.attoseconds / 1_000_000_000_000_000
say("example-server pid \(getpid()): stopped in \(ms) ms, " + (closedAll ? "every connection closed\n" : "\(cut) connections cut\n"))
