import NIOCore
import NIOHTTP1

/// Sent down every connection's pipeline when the server stops (by ``Connections/stop(grace:)``).
struct ServerStopping: Sendable {
    /// How long an idle connection waits for one more request before it is closed.
    var grace: TimeAmount
}

/// Ends keep-alive connections without failing a request: after a response to a client that
/// asked to close, and, once the server stops, after the request in flight or a grace (see
/// ``ConnectionEndPolicy``).
///
/// Goes after NIO's `HTTPServerPipelineHandler`, which hands it one request at a time, and ends
/// a connection through it: a `ChannelShouldQuiesceEvent` makes that handler add
/// `Connection: close` to the response in flight and close the connection once the response is
/// written, or close an idle connection at once. Goes before `HTTPServerProtocolErrorHandler`,
/// which it keeps from answering after the last response (NIO asserts against that in debug
/// builds).
final class LastRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var policy = ConnectionEndPolicy()
    private var graceTimer: Scheduled<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            perform(policy.requestStarted(keepAlive: head.isKeepAlive), context: context, grace: nil)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Before passing the end on: writing it lets NIO deliver a pipelined next request at once.
        if case .end = unwrapOutboundIn(data) {
            perform(policy.responseEnded(), context: context, grace: nil)
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let stopping = event as? ServerStopping {
            perform(policy.serverStopping(), context: context, grace: stopping.grace)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError && policy.dropsProtocolErrors { return }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        graceTimer?.cancel()
        graceTimer = nil
        context.fireChannelInactive()
    }

    private func perform(_ action: ConnectionEndPolicy.Action, context: ChannelHandlerContext, grace: TimeAmount?) {
        switch action {
        case .none:
            break
        case .quiesce:
            graceTimer?.cancel()
            graceTimer = nil
            // From the head of the pipeline, so that HTTPServerPipelineHandler sees it.
            context.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        case .startGrace:
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let boundContext = context.loopBound
            graceTimer = context.eventLoop.scheduleTask(in: grace ?? .zero) {
                handler.value.perform(handler.value.policy.graceEnded(), context: boundContext.value, grace: nil)
            }
        }
    }
}
