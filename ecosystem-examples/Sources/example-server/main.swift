import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import SwiftPM2Worker

// A small HTTP server: `/` answers with its pid and instance number, `/work?n=N` burns CPU
// for N iterations. It listens on $PORT (default 3000) at 127.0.0.1 and stops cleanly on
// SIGINT or SIGTERM.

let port = getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 3000
let instance = getenv("SWIFTPM2_INSTANCE").map { String(cString: $0) } ?? "-"

final class Handler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelInactive(context: ChannelHandlerContext) {
        openConnections.subtract(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        var body = "pid \(getpid()) instance \(instance)\n"
        if head.uri.hasPrefix("/work") {
            let n = head.uri.split(separator: "=").last.flatMap { Int($0) } ?? 100_000
            var x: UInt64 = 1
            for i in 0..<n { x = x &* 6364136223846793005 &+ UInt64(i) }
            body = "pid \(getpid()) worked \(n) -> \(x % 1000)\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Content-Type", value: "text/plain")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

// Block SIGINT and SIGTERM before any thread starts, so every thread inherits the mask and
// the main thread takes them below (SwiftPM2Worker's graceful-stop hook).
Worker.blockStopSignals()

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler()) }
    }
// In cluster mode the daemon passes the listening socket (fd 3, LISTEN_PID/LISTEN_FDS) that
// every instance shares. Instances then accept with a blocking accept() on a thread of their
// own: the kernel hands each connection to one waiting process, in turn, so connections
// spread evenly and no instance is woken for a connection another took (NIO's epoll accept
// loop would be woken in every instance). Otherwise bind PORT ourselves.
let inherited = Worker.inheritedListeners().first
var channel: (any Channel)?
if let inherited {
    AcceptLoop.start(listener: inherited.fd) { fd in
        _ = ClientBootstrap(group: group).channelInitializer { channel in
            channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler()) }
        }.withConnectedSocket(fd)
    }
} else {
    channel = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
}
say("example-server pid \(getpid()) instance \(instance) " + (inherited.map { "serving inherited socket \($0.name)" } ?? "listening on 127.0.0.1:\(port)") + "\n")

// FAIL_READY_IF_EXISTS=path: stay silent (never READY=1) while that file exists, to show
// what a broken deploy does to a rolling reload.
let holdReady = getenv("FAIL_READY_IF_EXISTS").map { access($0, F_OK) == 0 } ?? false
if !holdReady { Worker.ready(status: "serving on " + (inherited?.name ?? "127.0.0.1:\(port)")) }
WatchdogPinger.startIfAsked()
let received = Worker.waitForStopSignal()
say("example-server pid \(getpid()): stopping on signal \(received)\n")
// Graceful stop: take no new connection (the shared socket stays open for the other
// instances), let the ones already accepted finish (at most 1 s), then exit.
stopping.store(true, ordering: .relaxed)
try channel?.close().wait()
AcceptLoop.waitStopped()
var waited = 0
while openConnections.load(ordering: .relaxed) > 0 && waited < 100 {
    usleep(10_000)
    waited += 1
}
try group.syncShutdownGracefully()

func say(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}

/// Set on SIGINT/SIGTERM: the accept loop takes no new connection.
let stopping = Atomic<Bool>(false)
/// Connections accepted and not yet closed (only counted for the inherited socket).
let openConnections = Atomic<Int>(0)
/// Set by the accept loop when it has left.
let acceptLoopDone = Atomic<Bool>(false)

/// A blocking accept() loop on its own thread, handing each connection to `handle`.
///
/// The shared socket gets a 100 ms receive timeout (SO_RCVTIMEO, which accept() honours), so
/// the loop sees `stopping` soon after a stop signal and never accepts a connection it would
/// not serve. Every instance runs the same loop, so the shared option suits them all.
enum AcceptLoop {
    final class Box: @unchecked Sendable {
        // @unchecked: written once before the thread starts, then only read by it.
        let listener: Int32
        let handle: @Sendable (Int32) -> Void
        init(listener: Int32, handle: @escaping @Sendable (Int32) -> Void) {
            self.listener = listener
            self.handle = handle
        }
    }

    static func start(listener: Int32, handle: @escaping @Sendable (Int32) -> Void) {
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let box = Unmanaged.passRetained(Box(listener: listener, handle: handle)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            while !stopping.load(ordering: .relaxed) {
                let fd = accept(box.listener, nil, nil)
                if fd >= 0 {
                    // Counted here, before the hand-off to NIO, so that a stop never
                    // overlooks a connection that is accepted but not yet active.
                    openConnections.add(1, ordering: .relaxed)
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    box.handle(fd)
                } else if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED {
                    usleep(10_000)
                }
            }
            acceptLoopDone.store(true, ordering: .relaxed)
            return nil
        }, box)
        pthread_detach(thread)
    }

    /// Returns once the loop has left (at most about 100 ms after `stopping`), or at once when
    /// no loop runs.
    static func waitStopped() {
        guard Worker.inheritedListeners().first != nil else { return }
        var waited = 0
        while !acceptLoopDone.load(ordering: .relaxed) && waited < 50 {
            usleep(10_000)
            waited += 1
        }
    }
}

/// When the manager sets a watchdog (WATCHDOG_USEC), sends WATCHDOG=1 at half the interval
/// from a thread of its own. HANG_AFTER_MS=N stops the pings after N ms, to show what the
/// manager does with a hung instance.
enum WatchdogPinger {
    static func startIfAsked() {
        guard let interval = Worker.watchdogInterval else { return }
        let halfMicros = UInt32(max(1000, (interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000) / 2))
        let hangAfterMs = getenv("HANG_AFTER_MS").flatMap { Int(String(cString: $0)) }
        let box = Unmanaged.passRetained(PingPlan(halfMicros: halfMicros, hangAfterMs: hangAfterMs)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let plan = Unmanaged<PingPlan>.fromOpaque(raw!).takeRetainedValue()
            var elapsedMs = 0
            while plan.hangAfterMs.map({ elapsedMs < $0 }) ?? true {
                Worker.watchdog()
                usleep(plan.halfMicros)
                elapsedMs += Int(plan.halfMicros / 1000)
            }
            return nil
        }, box)
        pthread_detach(thread)
    }

    final class PingPlan: Sendable {
        let halfMicros: UInt32
        let hangAfterMs: Int?
        init(halfMicros: UInt32, hangAfterMs: Int?) {
            self.halfMicros = halfMicros
            self.hangAfterMs = hangAfterMs
        }
    }
}
