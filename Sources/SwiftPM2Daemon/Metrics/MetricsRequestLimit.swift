import NIOCore

/// First handler of a metrics connection, ahead of the HTTP decoder: a connection may send at
/// most `maxBytes` in all. Past that it gets `431` and is closed, before the decoder buffers
/// more (NIO's own limit on a request head is 80 KiB).
///
/// Each connection serves one request without a body, so everything it may send is that one
/// request head: counting bytes per connection is counting the head.
final class MetricsRequestLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxBytes: Int
    private var received = 0
    private var refused = false

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        received += unwrapInboundIn(data).readableBytes
        guard received > maxBytes else {
            context.fireChannelRead(data)
            return
        }
        refused = true
        let answer = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
        context.close(promise: nil)
    }
}
