import Glibc

extension Worker.IPC {
    /// Writes one message as one line, whole, with the write lock held: lines from different
    /// threads never interleave. Blocks while the socket's buffer is full (the daemon reads
    /// every instance without waiting, so that is brief).
    func write(_ outgoing: IPCOutgoing) throws(WorkerError) {
        let line = outgoing.line()
        guard line.count <= Self.maxLineLength else {
            throw WorkerError(message: "a line of \(line.count) bytes is longer than the \(Self.maxLineLength) bytes allowed")
        }
        let error: Int32? = writeLock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                    // send(MSG_NOSIGNAL): a closed peer is an EPIPE error, not a SIGPIPE that
                    // kills the app.
                    let n = isSocket
                        ? Glibc.send(fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
                        : Glibc.write(fd, rest.baseAddress, rest.count)
                    if n >= 0 {
                        offset += n
                        continue
                    }
                    switch errno {
                    case EINTR:
                        continue
                    case EAGAIN:
                        // Made non-blocking again by someone else: wait until there is room.
                        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&entry, 1, 100)
                    case let error:
                        return error
                    }
                }
                return nil
            }
        }
        if let error { throw .system("cannot write to the daemon (fd \(fd))", errno: error) }
    }

    /// Answers an action from its handler's result: the reply, or an error reply when the
    /// handler threw or its result does not fit in a line (so that `trigger` does not wait for
    /// a reply that can never come).
    func answer(action id: String, result: Result<Worker.JSON, any Error>) {
        switch result {
        case .success(let data):
            do {
                try write(.reply(id: id, data: data, error: nil))
            } catch let failure where failure.errno == nil {
                try? write(.reply(id: id, data: .null, error: failure.message))
            } catch {
                // The channel is closed: nobody waits for the reply any more.
            }
        case .failure(let error):
            try? write(.reply(id: id, data: .null, error: String(describing: error)))
        }
    }
}
