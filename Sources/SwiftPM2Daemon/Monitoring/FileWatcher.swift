import CSpawn
import Glibc
import Logging
import Synchronization

/// Watches folders recursively with inotify and reports debounced changes, for `watch`.
///
/// ```swift
/// let watcher = try await FileWatcher.start(folders: spec.watch, ignore: spec.ignoreWatch,
///                                           delay: .milliseconds(500), logger: logger)
/// for await change in watcher.changes { /* restart the app; change.paths[0] says why */ }
/// watcher.stop()  // or let it go: deinit stops it too
/// ```
///
/// - Every folder below the given ones is watched, and each new one as it appears (created or
///   moved in); a folder that was created with files already in it counts as one change.
///   Symbolic links are not followed. Paths matched by `ignore` (see `WatchIgnore`) are not
///   reported, and ignored folders are not watched at all.
/// - Changes: files and folders created, deleted, moved in or out, written, and their
///   attributes changed (`touch`). A burst gives **one** `FileChange`, sent once nothing has
///   changed for `delay` (see `ChangeDebouncer`).
/// - A thread of its own blocks in `poll` on the inotify descriptor (never Swift's cooperative
///   pool); `changes` carries the reports. `stop()` wakes it through a pipe: it closes the
///   inotify descriptor (which removes every watch), finishes `changes` and exits. Ending the
///   iteration of `changes` stops it as well.
/// - Watches count against `fs.inotify.max_user_watches`; when it is reached the rest of the
///   tree is not watched and a warning is logged.
/// - A watched folder that is itself deleted or moved away is reported once, and not watched
///   again if it comes back; restart the watcher (the app's restart does) to pick it up.
final class FileWatcher: Sendable {
    /// Debounced change reports; finishes when the watcher stops.
    let changes: AsyncStream<FileChange>
    private let control: WatchControl

    private init(changes: AsyncStream<FileChange>, control: WatchControl) {
        self.changes = changes
        self.control = control
    }

    /// Starts watching; returns once every existing folder is watched, so that any change made
    /// after this returns is reported. The folders are listed on the watcher's own thread; this
    /// only suspends meanwhile.
    /// - Parameters:
    ///   - folders: absolute paths of folders to watch, recursively.
    ///   - ignore: `ignore_watch` globs.
    ///   - delay: quiet time after the last change before it is reported (`watch_delay`).
    ///   - maxWait: report at the latest this long after the first change of a burst that never
    ///     goes quiet; nil waits for quiet however long it takes.
    /// - Throws: `DaemonError` when inotify is unavailable or a folder cannot be watched.
    static func start(folders: [String], ignore: [String] = [], delay: Duration, maxWait: Duration? = nil,
                      logger: Logger = Logger(label: "swiftpm2d.watch")) async throws(DaemonError) -> FileWatcher {
        let control = try WatchControl()
        let (stream, continuation) = AsyncStream.makeStream(of: FileChange.self, bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { _ in control.requestStop() }
        let setup = WatchSetup(folders: folders, ignore: WatchIgnore(ignore),
                               debouncer: ChangeDebouncer(quiet: delay, maxWait: maxWait),
                               control: control, continuation: continuation, logger: logger)
        let result: Result<Void, DaemonError> = await withCheckedContinuation { started in
            WatchLoop.spawnThread(setup) { started.resume(returning: $0) }
        }
        if case .failure(let error) = result {
            continuation.finish()
            throw error
        }
        return FileWatcher(changes: stream, control: control)
    }

    /// Stops watching: the thread closes the inotify descriptor and `changes` finishes shortly
    /// after. Idempotent; does not wait.
    func stop() {
        control.requestStop()
    }

    deinit {
        control.requestStop()
    }
}

/// What the caller and the watcher thread share: a stop flag and the pipe that wakes the
/// thread (eventfd is not exported by Swift's Glibc module). The pipe is closed when both have
/// let go, so a late `stop()` never writes into a descriptor number that was closed and reused.
final class WatchControl: Sendable {
    /// Readable once a stop was requested; the thread polls it.
    let wakeFD: Int32
    private let writeFD: Int32
    private let stopped = Mutex(false)

    init() throws(DaemonError) {
        var fds: [Int32] = [-1, -1]
        guard pm2_pipe_cloexec(&fds) == 0 else {
            throw DaemonError.system("cannot create a pipe for the file watcher", errno: errno)
        }
        wakeFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(writeFD)
    }

    var isStopped: Bool { stopped.withLock { $0 } }

    func requestStop() {
        let first = stopped.withLock { state in
            defer { state = true }
            return !state
        }
        if first {
            var byte: UInt8 = 1
            while write(writeFD, &byte, 1) < 0 && errno == EINTR {}
        }
    }
}

/// Everything the watcher thread starts with.
struct WatchSetup: Sendable {
    var folders: [String]
    var ignore: WatchIgnore
    var debouncer: ChangeDebouncer
    var control: WatchControl
    var continuation: AsyncStream<FileChange>.Continuation
    var logger: Logger
}
