import NIOCore
import Synchronization

/// The open HTTP connections of this process, so that a stop reaches every one of them.
final class Connections: Sendable {
    private struct State {
        var stopping: ServerStopping?
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())

    /// Keeps `channel` until it closes. When the server already stops (a connection accepted
    /// just after the stop signal), tells it so at once.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let stopping = state.withLock { state in
            state.channels[id] = channel
            return state.stopping
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.channels.removeValue(forKey: id) }
        }
        if let stopping { channel.pipeline.fireUserInboundEventTriggered(stopping) }
    }

    /// Tells every connection, and every one added later, that the server stops: each ends
    /// after its request in flight, or after `grace` without one (``LastRequestHandler``).
    func stop(grace: TimeAmount) {
        let event = ServerStopping(grace: grace)
        let channels = state.withLock { state in
            state.stopping = event
            return Array(state.channels.values)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(event) }
    }
}
