import Synchronization
import SwiftPM2Core

/// Fans supervisor events out to every `GET /v1/events` stream.
///
/// A slow subscriber never slows the supervisor: each has a bounded buffer that keeps the
/// newest events.
final class EventBus: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Event>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    func publish(_ event: Event) {
        subscribers.withLock { subs in
            for continuation in subs.values { continuation.yield(event) }
        }
    }

    /// A new stream of the events published from now on.
    func subscribe() -> AsyncStream<Event> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(4096))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    func finishAll() {
        let all = subscribers.withLock { subs in
            defer { subs.removeAll() }
            return Array(subs.values)
        }
        for c in all { c.finish() }
    }
}
