import Dispatch
import Glibc

/// Turns SIGTERM, SIGINT and SIGHUP into an `AsyncStream`.
///
/// The signals are set to SIG_IGN so that their default action (death) never runs, and a
/// Dispatch signal source reports each one — the way swift-service-lifecycle does it. Masking
/// them instead is not enough: the runtime's main thread runs with an empty mask.
/// Spawned children get default dispositions and an empty mask back (see CSpawn).
enum SignalWaiter {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    static func ignoreDefaultActions() {
        for s in signals { signal(s, SIG_IGN) }
        signal(SIGPIPE, SIG_IGN)
    }

    static func stream() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "swiftpm2d.signals")
        let sources = signals.map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
        let box = SignalSources(sources)
        continuation.onTermination = { _ in box.cancel() }
        return stream
    }
}

/// Keeps the signal sources alive for as long as the stream is iterated.
private final class SignalSources: @unchecked Sendable {
    // @unchecked: set once at init; DispatchSource.cancel() is thread-safe.
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
