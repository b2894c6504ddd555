import CSpawn
import Glibc
import Synchronization

/// Reports the exit of processes that are not our children — instances taken over from a
/// previous daemon — which `waitid` cannot see. Each is watched through a pidfd, which turns
/// readable when the process exits; one dedicated thread polls them all. The exit status of a
/// process that is not our child cannot be known, so exits carry neither code nor signal.
final class ProcessExitWatcher: Sendable {
    let exits: AsyncStream<ChildExit>
    private let continuation: AsyncStream<ChildExit>.Continuation
    /// pid → pidfd of what is watched; the wake pipe tells the thread the set changed.
    private let watched = Mutex<[pid_t: Int32]>([:])
    private let wake: (read: Int32, write: Int32)
    private let threadStarted = Atomic<Bool>(false)

    init() {
        (exits, continuation) = AsyncStream.makeStream(of: ChildExit.self, bufferingPolicy: .unbounded)
        var fds: [Int32] = [-1, -1]
        _ = pm2_pipe_cloexec(&fds)
        wake = (fds[0], fds[1])
        _ = fcntl(wake.read, F_SETFL, O_NONBLOCK)
    }

    /// Watches `pid`; false when it is already gone (or pidfds are unavailable).
    func watch(_ pid: pid_t) -> Bool {
        let fd = pm2_pidfd_open(pid)
        guard fd >= 0 else { return false }
        watched.withLock { $0[pid] = fd }
        if !threadStarted.exchange(true, ordering: .relaxed) { startThread() }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        return true
    }

    private func startThread() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let watcher = Unmanaged<ProcessExitWatcher>.fromOpaque(raw!).takeRetainedValue()
            watcher.loop()
            return nil
        }, box)
        pthread_detach(thread)
    }

    private func loop() {
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            let current = watched.withLock { $0 }
            var polls = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let pids = Array(current.keys)
            polls += pids.map { pollfd(fd: current[$0]!, events: Int16(POLLIN), revents: 0) }
            let n = poll(&polls, nfds_t(polls.count), -1)
            if n < 0 { if errno == EINTR { continue } else { return } }
            if polls[0].revents != 0 { while read(wake.read, &drain, drain.count) > 0 {} }
            for (i, pid) in pids.enumerated() where polls[i + 1].revents != 0 {
                let fd = watched.withLock { $0.removeValue(forKey: pid) }
                if let fd { close(fd) }
                continuation.yield(ChildExit(pid: pid, code: nil, signal: nil, coreDumped: false, at: .now))
            }
        }
    }
}
