import Glibc
import NIOCore
import NIOHTTP1

/// The app: `/` answers `pid N instance I`, `/work?n=N` burns CPU for N iterations first,
/// `/health` answers as ``HealthEndpoint`` says.
///
/// Answers each request once it has been read entirely (at its `.end`), as NIO's
/// `HTTPServerPipelineHandler` expects; whether the connection stays open is decided by
/// ``LastRequestHandler``, before this handler.
final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let instance: String
    private var request: HTTPRequestHead?

    init(instance: String) {
        self.instance = instance
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var status = HTTPResponseStatus.ok
        var body = "pid \(getpid()) instance \(instance)\n"
        if HealthEndpoint.matches(head.uri) {
            (status, body) = HealthEndpoint.answer()
        } else if head.uri.hasPrefix("/work") {
            let n = head.uri.split(separator: "=").last.flatMap { Int($0) } ?? 100_000
            var x: UInt64 = 1
            for i in 0..<n { x = x &* 6364136223846793005 &+ UInt64(i) }
            body = "pid \(getpid()) worked \(n) -> \(x % 1000)\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Content-Type", value: "text/plain")
        // HTTP/1.0 closes after each response unless both sides say keep-alive.
        if head.version == .http1_0 && head.isKeepAlive { headers.add(name: "Connection", value: "keep-alive") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
