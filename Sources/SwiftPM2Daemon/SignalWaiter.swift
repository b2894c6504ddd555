import Glibc

/// Turns SIGTERM, SIGINT and SIGHUP into an `AsyncStream` by waiting for them with `sigwait`
/// on a thread of its own.
///
/// ``blockShutdownSignals()`` must run before any other thread starts, so that every thread
/// inherits the mask and only `sigwait` ever receives them. Spawned children get a clean mask.
enum SignalWaiter {
    static let signals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    static func blockShutdownSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    static func stream() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let box = Unmanaged.passRetained(ContinuationBox(continuation))
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<ContinuationBox>.fromOpaque(raw!).takeRetainedValue()
            var set = sigset_t()
            sigemptyset(&set)
            for s in SignalWaiter.signals { sigaddset(&set, s) }
            while true {
                var received: Int32 = 0
                if sigwait(&set, &received) == 0 { box.continuation.yield(received) }
            }
        }, box.toOpaque())
        pthread_detach(thread)
        return stream
    }
}

private final class ContinuationBox: Sendable {
    let continuation: AsyncStream<Int32>.Continuation
    init(_ c: AsyncStream<Int32>.Continuation) { continuation = c }
}
