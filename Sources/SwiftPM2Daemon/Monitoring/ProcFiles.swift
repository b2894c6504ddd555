import Glibc

/// Reads `/proc` with raw system calls into one reused buffer: no `String`, no Foundation and
/// no allocation per file on the sampler's hot path.
///
/// Paths are built as bytes in a reused buffer (`openat` relative to a `/proc` descriptor would
/// spare the kernel one path component, but it is variadic and so not callable from Swift; the
/// saving is well under a microsecond). Not thread-safe: one owner at a time.
final class ProcFiles {
    /// `/proc` as a directory stream, rewound for each listing.
    private let procDir: OpaquePointer
    private var buffer: UnsafeMutableRawBufferPointer
    /// A path such as `/proc/1234/task/1240/children`, NUL-terminated; `/proc/` stays in place.
    private let path: UnsafeMutablePointer<UInt8>
    private static let pathCapacity = 64
    private static let prefixLength = 6  // "/proc/"
    private static let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19

    init() throws(DaemonError) {
        guard let dir = opendir("/proc") else { throw DaemonError.system("cannot list /proc", errno: errno) }
        procDir = dir
        buffer = .allocate(byteCount: 16384, alignment: 8)
        path = .allocate(capacity: Self.pathCapacity)
        _ = append("/proc/", at: 0)
    }

    deinit {
        closedir(procDir)
        buffer.deallocate()
        path.deallocate()
    }

    /// The whole of `/proc/<pid>/<name>`, or nil when it cannot be read (the process is gone,
    /// or the file is not ours to read). Valid until the next read through this object.
    func read(_ pid: pid_t, _ name: StaticString) -> UnsafeRawBufferPointer? {
        var at = append(number: pid, at: Self.prefixLength)
        at = append("/", at: at)
        at = append(name, at: at)
        return readPath(length: at)
    }

    /// The whole of `/proc/<pid>/task/<tid>/<name>`; see `read(_:_:)`.
    func read(_ pid: pid_t, task tid: pid_t, _ name: StaticString) -> UnsafeRawBufferPointer? {
        var at = append(number: pid, at: Self.prefixLength)
        at = append("/task/", at: at)
        at = append(number: tid, at: at)
        at = append("/", at: at)
        at = append(name, at: at)
        return readPath(length: at)
    }

    /// Calls `body` with every process id in `/proc`, and returns how many there were.
    @discardableResult
    func forEachProcess(_ body: (pid_t) -> Void) -> Int {
        rewinddir(procDir)
        return Self.forEachNumericEntry(procDir, body)
    }

    /// The thread ids of a process (`/proc/<pid>/task`), appended to `tids`; false when the
    /// process is gone.
    func threads(of pid: pid_t, into tids: inout [pid_t]) -> Bool {
        var at = append(number: pid, at: Self.prefixLength)
        at = append("/task", at: at)
        path[at] = 0
        let fd = open(UnsafeRawPointer(path).assumingMemoryBound(to: CChar.self), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0, let dir = fdopendir(fd) else {
            if fd >= 0 { close(fd) }
            return false
        }
        defer { closedir(dir) }
        Self.forEachNumericEntry(dir) { tids.append($0) }
        return true
    }

    // MARK: - Internals

    @discardableResult
    private static func forEachNumericEntry(_ dir: OpaquePointer, _ body: (pid_t) -> Void) -> Int {
        var count = 0
        while let entry = readdir(dir) {
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            var value: Int32 = 0
            var index = 0
            while case let byte = name[index], byte >= 48, byte <= 57 {
                value = value &* 10 &+ Int32(byte - 48)
                index += 1
            }
            guard index > 0, name[index] == 0 else { continue }
            count += 1
            body(value)
        }
        return count
    }

    /// Opens the path in `path` (of `length` bytes) and reads it to its end.
    ///
    /// The files read here are seq_files that return at most about a page per read() and stop
    /// short only at their end; so a read that returns less than half a page is the last one,
    /// and the usual small file costs one read() instead of two.
    private func readPath(length: Int) -> UnsafeRawBufferPointer? {
        path[length] = 0
        let fd = open(UnsafeRawPointer(path).assumingMemoryBound(to: CChar.self), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var filled = 0
        while true {
            if buffer.count - filled < 4096 { grow() }
            let n = Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            filled += n
            if n < 2048 { break }
        }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<filled])
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 8)
        bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = bigger
    }

    private func append(_ text: StaticString, at: Int) -> Int {
        let count = min(text.utf8CodeUnitCount, Self.pathCapacity - 1 - at)
        (path + at).update(from: text.utf8Start, count: count)
        return at + count
    }

    private func append(number: pid_t, at: Int) -> Int {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var value = UInt32(bitPattern: number)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(48 + value % 10)
                value /= 10
                count += 1
            } while value > 0
            for index in 0..<count { path[at + index] = raw[count - 1 - index] }
        }
        return at + count
    }
}
