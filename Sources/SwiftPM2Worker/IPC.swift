import Glibc
import Synchronization

extension Worker {
    /// The channel to the daemon of an instance started with `"ipc": true` (docs/messages.md):
    /// incoming messages as an `AsyncStream`, messages and replies out, action handlers, and
    /// automatic answers to pings.
    ///
    /// ```swift
    /// Worker.blockStopSignals()
    /// if let ipc = Worker.ipc {
    ///     ipc.on(action: "rotate-keys") { _ in try await keys.rotate(); return ["rotated": true] }
    ///     ipc.onPing { ["pid": Worker.JSON(getpid()), "healthy": true] }
    ///     Task { for await message in ipc.messages { try? ipc.send(["echo": message.data]) } }
    /// }
    /// _ = Worker.waitForStopSignal()
    /// ```
    ///
    /// A thread of its own reads the socket with blocking reads (so no event loop is needed and
    /// the cooperative pool never blocks) and answers pings and unknown actions itself; action
    /// handlers run in a task each. Writes hold a lock, so lines from different threads never
    /// interleave. When the daemon's end closes, ``messages`` finishes and sends throw.
    public final class IPC: Sendable {
        /// What an action handler gets (the request's `data`, `null` when none) and returns
        /// (the reply's `data`). A thrown error becomes the reply's `error`, as its description.
        public typealias ActionHandler = @Sendable (JSON) async throws -> JSON

        /// The longest line, in bytes, newline not counted, that the reader accepts; one that is
        /// longer is dropped (``droppedLines``). Lines sent are kept to this many bytes,
        /// newline included, so that they fit either reading of the limit.
        public static let maxLineLength = 65_536

        /// The socket. The channel owns it and closes it when it is deinitialized.
        public let fd: Int32

        /// The `message`s from the daemon, in order. Finishes when the daemon's end closes or
        /// ``close()`` is called. One consumer: iterate it from one task. While nobody reads,
        /// the newest messages are kept up to the buffer given to ``init(fd:messageBuffer:)``.
        public let messages: AsyncStream<Message>

        let continuation: AsyncStream<Message>.Continuation
        let isSocket: Bool
        let handlers = Mutex(Handlers())
        let writeLock = Mutex(())
        let connected = Atomic(true)
        let droppedLineCount = Atomic(0)
        let droppedMessageCount = Atomic(0)

        struct Handlers {
            var actions: [String: ActionHandler] = [:]
            var pong: @Sendable () -> JSON = { ["pid": JSON(getpid())] }
        }

        /// Takes over a connected stream socket and starts reading it. ``Worker/ipc`` does this
        /// for `SWIFTPM2_IPC_FD`; call it yourself only for a channel of your own.
        ///
        /// The fd is made blocking (for this process's open file only) and close-on-exec, so
        /// that programs the app runs do not inherit the channel and keep it open.
        ///
        /// - Parameters:
        ///   - fd: one end of a Unix stream socket (a pipe pair is not enough: both directions
        ///     are needed).
        ///   - messageBuffer: how many unread ``messages`` to keep; beyond it the oldest are
        ///     dropped (``droppedMessages``).
        /// - Throws: `WorkerError` when `fd` is not open or the reader thread cannot start.
        public init(fd: Int32, messageBuffer: Int = 1024) throws(WorkerError) {
            let flags = fcntl(fd, F_GETFL)
            guard flags >= 0 else { throw .system("fd \(fd) is not open", errno: errno) }
            if flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var type: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            self.isSocket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0
            self.fd = fd
            (messages, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingNewest(max(1, messageBuffer)))
            try startReader()
        }

        deinit {
            continuation.finish()
            _ = Glibc.close(fd)
        }

        /// Sends a `message` with `data` (an event for `GET /v1/events` and `swiftpm2 logs --messages`).
        ///
        /// - Throws: `WorkerError` when the line would be longer than ``maxLineLength``, or the
        ///   socket is closed.
        public func send(_ data: JSON) throws(WorkerError) {
            try write(.message(data: data))
        }

        /// Answers a ``Message`` that has an ``Message/id`` (or any request, by its id).
        public func reply(to id: String, data: JSON) throws(WorkerError) {
            try write(.reply(id: id, data: data, error: nil))
        }

        /// Answers a request by its id with an error (and `data`, `null` unless given).
        public func reply(to id: String, error: String, data: JSON = .null) throws(WorkerError) {
            try write(.reply(id: id, data: data, error: error))
        }

        /// Registers the handler of an action, replacing any of that name, and declares the
        /// new list of actions to the daemon (`actions`) when it changed.
        public func on(action name: String, handler: @escaping ActionHandler) {
            handlers.withLock { handlers in
                let isNew = handlers.actions.updateValue(handler, forKey: name) == nil
                // Declared with the lock held, so that two declarations cannot overtake each
                // other: the daemon keeps the last one. (Lock order: handlers, then writeLock.)
                if isNew { try? write(.actions(handlers.actions.keys.sorted())) }
            }
        }

        /// Removes the handler of an action and declares the shorter list.
        public func removeAction(_ name: String) {
            handlers.withLock { handlers in
                if handlers.actions.removeValue(forKey: name) != nil {
                    try? write(.actions(handlers.actions.keys.sorted()))
                }
            }
        }

        /// The names of the actions with a handler, sorted: what was last declared.
        public var actions: [String] {
            handlers.withLock { $0.actions.keys.sorted() }
        }

        /// Sets what `pong`s carry: `body` runs on the reader thread for every `ping`, so it
        /// should be quick and not block. The default is `{"pid": <pid>}`.
        public func onPing(_ body: @escaping @Sendable () -> JSON) {
            handlers.withLock { $0.pong = body }
        }

        /// False once the daemon's end has closed (or ``close()`` was called).
        public var isConnected: Bool { connected.load(ordering: .relaxed) }

        /// Lines from the daemon dropped because they were not a JSON object or too long.
        public var droppedLines: Int { droppedLineCount.load(ordering: .relaxed) }

        /// Messages dropped because ``messages`` was not read and its buffer was full.
        public var droppedMessages: Int { droppedMessageCount.load(ordering: .relaxed) }

        /// Shuts the channel down both ways: ``messages`` finishes, sends throw, the daemon sees
        /// the end. The fd itself is closed when the channel is deinitialized.
        public func close() {
            _ = shutdown(fd, Int32(SHUT_RDWR))
        }
    }
}
