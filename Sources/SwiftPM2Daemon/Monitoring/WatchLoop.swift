import Glibc
import Logging

/// The file watcher's thread: owns the inotify descriptor, the table of watched folders and the
/// debouncer, and blocks in `poll` until a change, a due report or a stop.
final class WatchLoop: @unchecked Sendable {
    // @unchecked: created by `spawnThread` and from then on used by the watcher thread alone.

    /// One watched folder: which root it is under, and its path relative to that root.
    private struct Folder {
        var root: Int
        var relative: String
    }

    private static let mask: UInt32 = UInt32(IN_CREATE) | UInt32(IN_DELETE) | UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE)
        | UInt32(IN_ATTRIB) | UInt32(IN_MOVED_FROM) | UInt32(IN_MOVED_TO) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)
        | UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW) | UInt32(IN_EXCL_UNLINK)

    private let roots: [String]
    private let ignore: WatchIgnore
    private var debouncer: ChangeDebouncer
    private let control: WatchControl
    private let continuation: AsyncStream<FileChange>.Continuation
    private let logger: Logger
    private var inotifyFD: Int32 = -1
    private var folders: [Int32: Folder] = [:]
    private var warnedFull = false
    private let origin = ContinuousClock.now

    private init(_ setup: WatchSetup) {
        roots = setup.folders.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        ignore = setup.ignore
        debouncer = setup.debouncer
        control = setup.control
        continuation = setup.continuation
        logger = setup.logger
    }

    /// Starts the thread; `started` is called from it once the folders are watched, or with the
    /// reason they cannot be (the thread has then ended).
    static func spawnThread(_ setup: WatchSetup, started: @escaping @Sendable (Result<Void, DaemonError>) -> Void) {
        let box = Unmanaged.passRetained(Start(loop: WatchLoop(setup), started: started)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.loop.run(started: start.started)
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(box).release()
            started(.failure(DaemonError.system("cannot start the file watcher thread", errno: rc)))
            return
        }
        pthread_detach(thread)
    }

    private final class Start: @unchecked Sendable {
        // @unchecked: handed whole to the new thread.
        let loop: WatchLoop
        let started: @Sendable (Result<Void, DaemonError>) -> Void
        init(loop: WatchLoop, started: @escaping @Sendable (Result<Void, DaemonError>) -> Void) {
            self.loop = loop
            self.started = started
        }
    }

    // MARK: - The thread

    private func run(started: @Sendable (Result<Void, DaemonError>) -> Void) {
        inotifyFD = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard inotifyFD >= 0 else {
            started(.failure(DaemonError.system("cannot start inotify", errno: errno)))
            return
        }
        defer {
            close(inotifyFD)  // removes every watch
            continuation.finish()
        }
        for (index, root) in roots.enumerated() {
            var info = stat()
            let rc = stat(root, &info)
            guard rc == 0, info.st_mode & S_IFMT == S_IFDIR else {
                started(.failure(DaemonError.system("cannot watch \(root)", errno: rc != 0 ? errno : ENOTDIR)))
                return
            }
            addTree(root: index, relative: "")
        }
        started(.success(()))
        loop()
    }

    private func loop() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { buffer.deallocate() }
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: control.wakeFD, events: Int16(POLLIN), revents: 0)]
        while !control.isStopped {
            let timeout = debouncer.deadline.map { Self.milliseconds(until: $0, from: now()) } ?? -1
            fds[0].revents = 0
            fds[1].revents = 0
            if poll(&fds, 2, timeout) < 0 {
                if errno == EINTR { continue }
                logger.error("file watcher poll failed", metadata: ["errno": "\(errno)"])
                return
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 { drain(buffer) }
            if let change = debouncer.fire(at: now()) { continuation.yield(change) }
        }
    }

    private func now() -> Duration { ContinuousClock.now - origin }

    /// Milliseconds for poll() until `deadline`, rounded up so it never wakes early.
    private static func milliseconds(until deadline: Duration, from now: Duration) -> Int32 {
        let left = deadline - now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    /// Reads every queued event.
    private func drain(_ buffer: UnsafeMutableRawBufferPointer) {
        while true {
            let n = read(inotifyFD, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // EAGAIN: the queue is empty
            var offset = 0
            while offset + 16 <= n {
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[(offset + 16)..<min(n, offset + 16 + length)])
                let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                handle(wd: wd, mask: mask, name: name)
                offset += 16 + length
            }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            debouncer.recordOverflow(at: now())
            return
        }
        guard let folder = folders[wd] else { return }
        if mask & UInt32(IN_IGNORED) != 0 {
            folders[wd] = nil  // the folder was deleted, or its watch removed
            return
        }
        let isSelf = mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0
        if isSelf && !folder.relative.isEmpty { return }  // its parent reports it too
        let relative = name.isEmpty ? folder.relative : folder.relative.isEmpty ? name : folder.relative + "/" + name
        let root = roots[folder.root]
        if ignore.ignores(relative, root: root) { return }
        if mask & UInt32(IN_ISDIR) != 0 && !name.isEmpty {
            if mask & UInt32(IN_MOVED_FROM) != 0 { removeTree(root: folder.root, relative: relative) }
            if mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0 { addTree(root: folder.root, relative: relative) }
        }
        debouncer.record(relative.isEmpty ? root : root + "/" + relative, at: now())
    }

    // MARK: - Watches

    /// Watches a folder and every folder below it that is not ignored.
    private func addTree(root: Int, relative: String) {
        var pending = [relative]
        while let folder = pending.popLast() {
            let path = folder.isEmpty ? roots[root] : roots[root] + "/" + folder
            let wd = inotify_add_watch(inotifyFD, path, Self.mask)
            guard wd >= 0 else {
                if errno == ENOSPC && !warnedFull {
                    warnedFull = true
                    logger.warning("inotify watch limit reached (fs.inotify.max_user_watches); some folders are not watched",
                                   metadata: ["folder": "\(path)"])
                }
                continue  // gone already, not a folder, or no more watches
            }
            folders[wd] = Folder(root: root, relative: folder)
            guard let dir = opendir(path) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != ".", name != "..", Self.isFolder(entry.pointee.d_type, path + "/" + name) else { continue }
                let child = folder.isEmpty ? name : folder + "/" + name
                if !ignore.ignores(child, root: roots[root]) { pending.append(child) }
            }
        }
    }

    /// Stops watching a folder that moved away, and everything below it.
    private func removeTree(root: Int, relative: String) {
        let below = relative + "/"
        for (wd, folder) in folders where folder.root == root && (folder.relative == relative || folder.relative.hasPrefix(below)) {
            inotify_rm_watch(inotifyFD, wd)
            folders[wd] = nil
        }
    }

    /// A real folder, not a link to one.
    private static func isFolder(_ type: UInt8, _ path: String) -> Bool {
        if type == UInt8(DT_DIR) { return true }
        guard type == UInt8(DT_UNKNOWN) else { return false }
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
