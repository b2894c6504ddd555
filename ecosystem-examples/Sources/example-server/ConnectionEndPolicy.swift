/// When a keep-alive connection may end, decided apart from NIO (``LastRequestHandler``
/// carries the actions out).
///
/// A connection must never be closed under a request: a client that has sent one on a
/// kept-alive connection and then sees the connection close counts it failed (wrk does), and
/// may not safely send it again. So the server ends a connection only
/// - after a response that says `Connection: close`: the client asked for it, or the server
///   is stopping and the request came before or during the grace below;
/// - or, when the server is stopping, once the connection has stayed idle for a grace: a client
///   between two requests sends the next one within it and gets it answered (with
///   `Connection: close`); only a client idle for all of it can meet the close with a request.
struct ConnectionEndPolicy: Equatable {
    enum State: Equatable {
        /// Keep-alive as usual; `inFlight` while a request has no complete response yet.
        case serving(inFlight: Bool)
        /// The server is stopping and the connection was idle: waiting for one more request.
        case graceAfterStop
        /// The request in flight is the last one: it was quiesced.
        case lastRequest
        /// The last response is written, or there was none to write: the connection closes.
        case closing
    }

    enum Action: Equatable {
        case none
        /// Make the request in flight the last: its response says `Connection: close` and the
        /// connection closes after it; with none in flight, close now. (A
        /// `ChannelShouldQuiesceEvent` to NIO's `HTTPServerPipelineHandler` does exactly this.)
        case quiesce
        /// Wait this long for a request, then ``graceEnded()``.
        case startGrace
    }

    private(set) var state = State.serving(inFlight: false)

    /// A request head arrived; `keepAlive` is false when its client asked to close after it
    /// (`Connection: close`, or HTTP/1.0 without `Connection: keep-alive`).
    mutating func requestStarted(keepAlive: Bool) -> Action {
        switch state {
        case .serving where keepAlive:
            state = .serving(inFlight: true)
            return .none
        case .serving, .graceAfterStop:
            state = .lastRequest
            return .quiesce
        case .lastRequest, .closing:
            return .none
        }
    }

    /// The response's end is being written.
    mutating func responseEnded() -> Action {
        switch state {
        case .serving: state = .serving(inFlight: false)
        case .lastRequest: state = .closing
        case .graceAfterStop, .closing: break
        }
        return .none
    }

    /// The server stops: end the connection after the request in flight, or after a grace.
    mutating func serverStopping() -> Action {
        switch state {
        case .serving(inFlight: true):
            state = .lastRequest
            return .quiesce
        case .serving(inFlight: false):
            state = .graceAfterStop
            return .startGrace
        case .graceAfterStop, .lastRequest, .closing:
            return .none
        }
    }

    /// The grace after the stop has passed without a request: close the idle connection.
    mutating func graceEnded() -> Action {
        guard state == .graceAfterStop else { return .none }
        state = .closing
        return .quiesce
    }

    /// Whether a protocol error should be dropped rather than answered with a 400: once the
    /// last response is written no other may follow, and the connection is closing anyway.
    /// (A client that pipelines more after its own `Connection: close` request makes NIO's
    /// decoder report an error then.)
    var dropsProtocolErrors: Bool { state == .closing }
}
