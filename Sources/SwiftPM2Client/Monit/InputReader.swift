import CSpawn
import Glibc

/// Reads the terminal and the signal pipe on a thread of its own and posts decoded keys and
/// signals as ``MonitEvent``s. A lone Esc is read as the Esc key after 40 ms without more bytes.
final class InputReader: Sendable {
    private let stopPipe: (read: Int32, write: Int32)

    private init(stopPipe: (Int32, Int32)) {
        self.stopPipe = stopPipe
    }

    /// Starts reading `input` and `signals` until ``stop()``. The thread unblocks `unblocking`
    /// for itself, so that they reach their handlers even when every other thread blocks them
    /// (the pool's threads do, and a parent may have passed a blocked mask on).
    static func start(input: Int32, signals: Int32, unblocking: [Int32], events: AsyncStream<MonitEvent>.Continuation) -> InputReader? {
        var fds: [Int32] = [0, 0]
        guard pm2_pipe_cloexec(&fds) == 0 else { return nil }
        let reader = InputReader(stopPipe: (fds[0], fds[1]))
        let stop = fds[0]
        BlockingThread.run {
            var set = sigset_t()
            sigemptyset(&set)
            for sig in unblocking { sigaddset(&set, sig) }
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            Self.loop(input: input, signals: signals, stop: stop, events: events)
        }
        return reader
    }

    /// Ends the thread (it closes the read end it owns).
    func stop() {
        var byte: UInt8 = 0
        _ = write(stopPipe.write, &byte, 1)
        close(stopPipe.write)
    }

    private static func loop(input: Int32, signals: Int32, stop: Int32, events: AsyncStream<MonitEvent>.Continuation) {
        defer { close(stop) }
        var decoder = MonitInput()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, decoder.hasPending ? 40 : -1)
            if ready < 0 {
                if errno == EINTR { continue }
                events.yield(.inputClosed)
                return
            }
            if ready == 0 {
                let actions = decoder.flush()
                if !actions.isEmpty { events.yield(.keys(actions)) }
                continue
            }
            if fds[2].revents != 0 { return }
            if fds[1].revents & Int16(POLLIN) != 0 {
                let n = read(signals, &buffer, buffer.count)
                if n > 0 { for b in buffer[..<n] { events.yield(.signal(Int32(b))) } }
            }
            if fds[0].revents != 0 {
                let n = read(input, &buffer, buffer.count)
                if n > 0 {
                    let actions = decoder.feed(buffer[..<n])
                    if !actions.isEmpty { events.yield(.keys(actions)) }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    events.yield(.inputClosed)
                    return
                }
            }
        }
    }
}
