import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Worker

// A small HTTP server: `/` answers with its pid and instance number, `/work?n=N` burns CPU
// for N iterations. It listens on $PORT (default 3000) at 127.0.0.1 and stops cleanly on
// SIGINT or SIGTERM.

let port = getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 3000
let instance = getenv("SWIFTPM2_INSTANCE").map { String(cString: $0) } ?? "-"

final class Handler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

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
// the main thread takes them with sigwait below.
var mask = sigset_t()
sigemptyset(&mask)
sigaddset(&mask, SIGINT)
sigaddset(&mask, SIGTERM)
pthread_sigmask(SIG_BLOCK, &mask, nil)

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

Worker.ready(status: "serving on " + (inherited?.name ?? "127.0.0.1:\(port)"))
var received: Int32 = 0
sigwait(&mask, &received)
say("example-server pid \(getpid()): stopping on signal \(received)\n")
try channel?.close().wait()
try group.syncShutdownGracefully()

func say(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}

/// A blocking accept() loop on its own thread, handing each connection to `handle`.
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
        let box = Unmanaged.passRetained(Box(listener: listener, handle: handle)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            while true {
                let fd = accept(box.listener, nil, nil)
                if fd >= 0 {
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    box.handle(fd)
                } else if errno != EINTR && errno != ECONNABORTED { usleep(10_000) }
            }
        }, box)
        pthread_detach(thread)
    }
}
