import Glibc

/// Runs blocking work (a request to the daemon) on a thread of its own, so that it never holds
/// a thread of Swift's cooperative pool and a slow answer never freezes the screen.
enum BlockingThread {
    private final class Work {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func run(_ body: @escaping @Sendable () -> Void) {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            Unmanaged<Work>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, work)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: do the work here rather than lose it.
            Unmanaged<Work>.fromOpaque(work).takeRetainedValue().body()
        }
    }
}
