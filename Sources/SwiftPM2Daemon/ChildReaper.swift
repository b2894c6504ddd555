import CSpawn
import Glibc
import Synchronization

/// How a child ended.
struct ChildExit: Sendable, Equatable {
    var pid: pid_t
    /// The exit status when it exited.
    var code: Int32?
    /// The signal when a signal ended it.
    var signal: Int32?
    var coreDumped: Bool
    /// When it was reaped.
    var at: ContinuousClock.Instant
}

/// Reaps every child of the process and reports each exit the moment it happens.
///
/// One dedicated thread per process (not the cooperative pool) blocks in `waitid`; exits are
/// seen at once and every child is reaped, so no zombie remains. Each `ChildReaper` receives
/// every exit on `exits`: in the daemon there is one, whose owner ignores pids it never recorded
/// (so it must record a pid before its next suspension point after `Spawner.spawn` returns).
///
/// Failed execs: `Spawner` reaps a child whose exec failed itself. The reaper thread first
/// blocks in `waitid(P_ALL, WEXITED | WNOWAIT)`, which only peeks, then reaps with `WNOHANG`
/// under a lock that waits while any spawn is in progress (`pm2_reap_exited`). So the reaper
/// never takes a failed child from under the spawner, never reports it, and its pid cannot be
/// reused while the spawner still waits on it; the spawner never blocks on anything but its own
/// dying child. With no children at all (`ECHILD`) the thread sleeps until a spawn; a spawn
/// generation read before `waitid` makes sure a spawn in between is not missed.
final class ChildReaper: Sendable {
    /// Every child exit from the moment this reaper was created; consume from one task.
    let exits: AsyncStream<ChildExit>
    private let subscription: UInt64

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: ChildExit.self, bufferingPolicy: .unbounded)
        exits = stream
        subscription = ReaperThread.shared.subscribe(continuation)
    }

    deinit {
        ReaperThread.shared.unsubscribe(subscription)
    }

    /// Wakes the reaper after a child was created; `Spawner.spawn` already does this.
    func noteSpawned() {
        Self.noteSpawned()
    }

    static func noteSpawned() {
        ReaperThread.shared.spawnGeneration.advance()
    }
}

/// The one thread that waits for children, and the subscribers it reports to.
private final class ReaperThread: Sendable {
    static let shared = ReaperThread()

    let spawnGeneration = Generation()
    private let subscribers = Mutex<(next: UInt64, all: [UInt64: AsyncStream<ChildExit>.Continuation])>(
        (next: 0, all: [:])
    )

    private init() {
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { _ in
            ReaperThread.shared.run()
        }, nil)
        precondition(result == 0, "cannot start the child reaper thread: errno \(result)")
        pthread_detach(thread)
    }

    func subscribe(_ continuation: AsyncStream<ChildExit>.Continuation) -> UInt64 {
        subscribers.withLock { state in
            let id = state.next
            state.next += 1
            state.all[id] = continuation
            return id
        }
    }

    func unsubscribe(_ id: UInt64) {
        subscribers.withLock { $0.all.removeValue(forKey: id) }?.finish()
    }

    private func run() -> Never {
        while true {
            let seen = spawnGeneration.current
            if pm2_wait_any_exited() != 0 {
                // ECHILD: no children; sleep until a spawn. EINTR: retry.
                if errno != EINTR { spawnGeneration.wait(whileEqualTo: seen) }
                continue
            }
            var pid: pid_t = 0
            var code: Int32 = 0
            var status: Int32 = 0
            guard pm2_reap_exited(&pid, &code, &status) == 0, pid != 0 else {
                continue  // a failed exec, reaped by its spawner meanwhile
            }
            let exit = ChildExit(reapedPid: pid, siCode: code, siStatus: status)
            let targets = subscribers.withLock { Array($0.all.values) }
            for continuation in targets { continuation.yield(exit) }
        }
    }
}

extension ChildExit {
    fileprivate init(reapedPid pid: pid_t, siCode: Int32, siStatus: Int32) {
        self.pid = pid
        self.at = .now
        switch siCode {
        case Int32(CLD_EXITED):
            code = siStatus
            signal = nil
            coreDumped = false
        default:  // CLD_KILLED, CLD_DUMPED
            code = nil
            signal = siStatus
            coreDumped = siCode == Int32(CLD_DUMPED)
        }
    }
}

/// A counter that a thread can sleep on until it changes (a pthread mutex and condition).
private final class Generation: @unchecked Sendable {
    // @unchecked: `value` is only read or written with `lock` held.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: UInt64 = 0

    init() {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    var current: UInt64 {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return value
    }

    func advance() {
        pthread_mutex_lock(lock)
        value &+= 1
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }

    func wait(whileEqualTo seen: UInt64) {
        pthread_mutex_lock(lock)
        while value == seen { pthread_cond_wait(changed, lock) }
        pthread_mutex_unlock(lock)
    }
}
