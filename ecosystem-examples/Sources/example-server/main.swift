import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

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
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 256)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Handler()) }
    }
    .bind(host: "127.0.0.1", port: port).wait()
say("example-server pid \(getpid()) instance \(instance) listening on 127.0.0.1:\(port)\n")

var received: Int32 = 0
sigwait(&mask, &received)
say("example-server pid \(getpid()): stopping on signal \(received)\n")
try channel.close().wait()
try group.syncShutdownGracefully()

func say(_ text: String) {
    _ = text.withCString { write(1, $0, strlen($0)) }
}
