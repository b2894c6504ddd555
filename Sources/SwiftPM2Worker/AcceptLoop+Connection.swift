import Glibc
import Synchronization

extension Worker.AcceptLoop {
    /// One accepted connection, as the loop hands it to its handler.
    ///
    /// The handler owns ``fd`` (blocking, close-on-exec) and must see that it gets closed and
    /// that the loop hears of it, once: ``close()`` does both. When the fd is given to
    /// something that closes it itself (SwiftNIO's `ClientBootstrap.withConnectedSocket`), call
    /// ``closed()`` when that happens, e.g. from the channel's `closeFuture`.
    public final class Connection: Sendable {
        /// The connected socket.
        public let fd: Int32
        private let loop: Worker.AcceptLoop
        private let reported = Atomic<Bool>(false)

        init(fd: Int32, loop: Worker.AcceptLoop) {
            self.fd = fd
            self.loop = loop
        }

        /// Tells the loop that the connection has been closed. Only the first call of this or
        /// ``close()`` counts.
        public func closed() {
            if !reported.exchange(true, ordering: .relaxed) { loop.connectionClosed() }
        }

        /// Closes ``fd`` and tells the loop so; does nothing after ``closed()`` or ``close()``.
        public func close() {
            guard !reported.exchange(true, ordering: .relaxed) else { return }
            _ = Glibc.close(fd)
            loop.connectionClosed()
        }
    }
}
