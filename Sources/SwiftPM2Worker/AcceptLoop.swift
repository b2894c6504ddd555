import Glibc

extension Worker {
    /// Accepts connections on a listening socket with a blocking `accept()` on a thread of its
    /// own and hands each one to a handler; counts the connections still open; stops in a
    /// bounded time.
    ///
    /// ```swift
    /// Worker.blockStopSignals()
    /// let listener = try Worker.inheritedListeners().first?.fd ?? Worker.listen(port: 8080)
    /// let loop = try Worker.AcceptLoop.start(listener: listener) { connection in
    ///     queue.serve(connection)      // hand it off; call connection.close() when done
    /// }
    /// Worker.ready()
    /// _ = Worker.waitForStopSignal()
    /// loop.stop()                                     // no new connection from here on
    /// loop.waitForConnections(timeout: .seconds(1))   // let the open ones finish
    /// ```
    ///
    /// Why a blocking `accept()` and not an event loop's (epoll)? With `balance: "shared"`
    /// every instance of the app accepts on one socket. The kernel gives each connection to one
    /// of the processes blocked in `accept()`, in turn, and wakes no other; epoll wakes every
    /// instance for every connection and all but one find nothing (SwiftNIO's `ServerBootstrap`
    /// asserts, in debug builds, that a readable listening socket yields a connection). A socket
    /// that no other process accepts on (`balance: "reuseport"`, or one the app binds itself)
    /// has neither problem, and any accept loop suits it.
    ///
    /// `accept()` cannot be interrupted cleanly from another thread, so the loop sets a receive
    /// timeout on the socket (`SO_RCVTIMEO`, which `accept()` honours) and checks between two
    /// accepts whether it should stop. The option belongs to the socket: on a shared socket it
    /// applies to every process that accepts on it, which is right when they all run this loop.
    public final class AcceptLoop: Sendable {
        /// The listening socket. The loop never closes it.
        public let listener: Int32
        private let wakeInterval: Duration
        private let handler: @Sendable (Connection) -> Void
        private let state = Monitor(State())

        private struct State: Sendable {
            var phase = Phase.running
            var open = 0
            var failure: WorkerError?
            var thread: pthread_t?
        }

        private enum Phase {
            case running, stopping, stopped
        }

        /// Starts accepting on `listener` from a new thread.
        ///
        /// - Parameters:
        ///   - listener: a listening stream socket, e.g. from ``Worker/inheritedListeners()``
        ///     or ``Worker/listen(host:port:backlog:)``. Blocking or not: on a non-blocking one
        ///     the loop waits with `poll()` instead, and loses the one-at-a-time wake-ups.
        ///   - wakeInterval: how often the loop wakes when no connection comes, to see a
        ///     ``stop(timeout:)``; the bound of how long a stop takes. At least 1 ms.
        ///   - handler: gets each accepted ``Connection``, on the loop's thread: hand it off
        ///     quickly, the next `accept()` waits for it to return.
        /// - Throws: `WorkerError` when `listener` is not a listening socket or no thread
        ///   can be started.
        public static func start(
            listener: Int32,
            wakeInterval: Duration = .milliseconds(100),
            handler: @escaping @Sendable (Connection) -> Void
        ) throws(WorkerError) -> AcceptLoop {
            var accepting: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(listener, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 else {
                throw .system("fd \(listener) is not a listening socket", errno: errno)
            }
            guard accepting != 0 else {
                throw WorkerError(message: "fd \(listener) is not a listening socket (listen() was not called on it)")
            }
            let interval = max(wakeInterval, .milliseconds(1))
            let micros = interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000
            var timeout = timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
            guard setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw .system("cannot set SO_RCVTIMEO on fd \(listener)", errno: errno)
            }
            let loop = AcceptLoop(listener: listener, wakeInterval: interval, handler: handler)
            try loop.spawn()
            return loop
        }

        private init(listener: Int32, wakeInterval: Duration, handler: @escaping @Sendable (Connection) -> Void) {
            self.listener = listener
            self.wakeInterval = wakeInterval
            self.handler = handler
        }

        /// Connections handed to the handler and not yet reported closed.
        public var openConnections: Int { state.read(\.open) }

        /// True until the loop has left (after ``stop(timeout:)``, or after ``failure``).
        public var isRunning: Bool { state.read { $0.phase != .stopped } }

        /// Why the loop ended by itself: the socket was closed or stopped listening. Nil while
        /// it runs and after a ``stop(timeout:)``.
        public var failure: WorkerError? { state.read(\.failure) }

        /// Takes no new connection and returns once the loop has left: within about the wake
        /// interval, plus the time the handler takes with a connection accepted meanwhile (that
        /// one is still handed over; the kernel cannot take it back).
        ///
        /// - Returns: true when the loop has left; false when it had not after `timeout`, or
        ///   when called from the handler (the loop then leaves after the handler returns).
        @discardableResult
        public func stop(timeout: Duration = .seconds(1)) -> Bool {
            let onLoopThread = state.change { state in
                if state.phase == .running { state.phase = .stopping }
                return state.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
            }
            if onLoopThread { return false }
            return state.wait(atMost: timeout) { $0.phase == .stopped }
        }

        /// Blocks until every connection handed over has been reported closed, or `timeout`
        /// has passed. Returns whether none is open.
        @discardableResult
        public func waitForConnections(timeout: Duration) -> Bool {
            state.wait(atMost: timeout) { $0.open == 0 }
        }

        func connectionClosed() {
            state.change { $0.open -= 1 }
        }

        private func spawn() throws(WorkerError) {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                Unmanaged<AcceptLoop>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<AcceptLoop>.fromOpaque(context).release()
                throw .system("cannot start the accept thread", errno: rc)
            }
            pthread_detach(thread)
            state.change { $0.thread = thread }
        }

        private func run() {
            _ = GNUFunctions.setThreadName?(pthread_self(), "accept-loop")
            accepting: while state.read({ $0.phase == .running }) {
                let fd = acceptCloseOnExec()
                if fd >= 0 {
                    // Counted before the hand-off, so that a stop never overlooks a connection
                    // that is accepted but not yet served.
                    state.change { $0.open += 1 }
                    handler(Connection(fd: fd, loop: self))
                    continue
                }
                let error = errno
                switch error {
                case EAGAIN:
                    // The receive timeout ran out, or the socket is non-blocking.
                    waitIfNonBlocking()
                case EBADF, ENOTSOCK, EINVAL:
                    // Closed, or no longer listening: nothing will ever come.
                    let failure = WorkerError.system("accept() on fd \(listener) failed; the accept loop has ended", errno: error)
                    state.change { $0.failure = failure }
                    break accepting
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: the connection stays queued (for another
                    // instance, on a shared socket). Try again a little later.
                    usleep(10_000)
                default:
                    // EINTR, ECONNABORTED, and the network errors of a pending connection that
                    // Linux reports from accept() (accept(2): treat them like EAGAIN).
                    continue
                }
            }
            state.change { $0.phase = .stopped }
        }

        /// `accept4(SOCK_CLOEXEC)`; where it is missing, `accept()` then `FD_CLOEXEC`.
        private func acceptCloseOnExec() -> Int32 {
            if let accept4 = GNUFunctions.accept4 { return accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue)) }
            let fd = accept(listener, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return fd
        }

        /// On a non-blocking socket `accept()` returns at once: wait for a connection with
        /// `poll()` (every waiting process is woken then, as with epoll).
        private func waitIfNonBlocking() {
            guard fcntl(listener, F_GETFL) & O_NONBLOCK != 0 else { return }
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let millis = wakeInterval.components.seconds * 1000 + wakeInterval.components.attoseconds / 1_000_000_000_000_000
            _ = poll(&entry, 1, Int32(clamping: max(1, millis)))
        }
    }
}
