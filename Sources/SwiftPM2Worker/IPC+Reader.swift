import Glibc

extension Worker.IPC {
    /// Starts the reader thread. It keeps the channel alive until the daemon's end closes.
    func startReader() throws(WorkerError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<Worker.IPC>.fromOpaque(raw!).takeRetainedValue().readLoop()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Worker.IPC>.fromOpaque(context).release()
            throw .system("cannot start the IPC reader thread", errno: rc)
        }
        pthread_detach(thread)
    }

    /// Blocking reads until end of file or an error; every complete line is handled in order.
    private func readLoop() {
        _ = GNUFunctions.setThreadName?(pthread_self(), "swiftpm2-ipc")
        var splitter = IPCLineSplitter(maxLength: Self.maxLineLength)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                for piece in splitter.append(UnsafeRawBufferPointer(rebasing: buffer[..<n])) { handle(piece) }
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, 100)
                continue
            }
            break // 0: the daemon's end closed; an error (ECONNRESET, EBADF): nothing more will come
        }
        connected.store(false, ordering: .relaxed)
        continuation.finish()
    }

    private func handle(_ piece: IPCLineSplitter.Piece) {
        guard case .line(let line) = piece else {
            droppedLineCount.add(1, ordering: .relaxed)
            return
        }
        guard !line.isEmpty else { return } // a blank line is no message, nor an error
        switch IPCIncoming(line: line) {
        case .message(let message):
            if case .dropped = continuation.yield(message) { droppedMessageCount.add(1, ordering: .relaxed) }
        case .action(let id, let name, let data):
            guard let handler = handlers.withLock({ $0.actions[name] }) else {
                try? write(.reply(id: id, data: .null, error: "unknown action"))
                return
            }
            // Bridges to the handler's async world; each action in a task of its own, so that
            // a slow one holds up neither the reader nor the others.
            Task {
                let result: Result<Worker.JSON, any Error>
                do { result = .success(try await handler(data)) } catch { result = .failure(error) }
                answer(action: id, result: result)
            }
        case .ping(let id):
            let pong = handlers.withLock { $0.pong }
            try? write(.pong(id: id, data: pong()))
        case .ignored:
            break
        case .malformed:
            droppedLineCount.add(1, ordering: .relaxed)
        }
    }
}
