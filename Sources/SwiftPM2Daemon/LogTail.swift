import Glibc

/// Reads the end of a log file, and what is appended to it afterwards.
struct LogTail {
    let path: String
    /// Where the next read starts.
    private(set) var offset: Int64 = 0
    private var partial: [UInt8] = []

    init(path: String) {
        self.path = path
    }

    /// The last `count` complete lines, and positions the tail at the end of the file.
    mutating func lastLines(_ count: Int) -> [String] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        offset = max(0, size)
        guard count > 0, size > 0 else { return [] }
        // Read backwards in chunks until enough newlines are seen.
        var chunk = 64 * 1024
        var data: [UInt8] = []
        var start = size
        while start > 0 {
            let readFrom = max(0, start - Int64(chunk))
            var buf = [UInt8](repeating: 0, count: Int(start - readFrom))
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(readFrom)) }
            guard n > 0 else { break }
            data = Array(buf[..<n]) + data
            start = readFrom
            if data.reduce(0, { $0 + ($1 == 10 ? 1 : 0) }) > count { break }
            chunk *= 2
        }
        var lines = data.split(separator: 10, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }

    /// Complete lines appended since the last call. A file that shrank (truncated or rotated)
    /// is read again from its start.
    mutating func newLines() -> [String] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        if size < offset {
            offset = 0
            partial = []
        }
        guard size > offset else { return [] }
        var lines: [String] = []
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while offset < size {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, Int(size - offset)), off_t(offset)) }
            guard n > 0 else { break }
            offset += Int64(n)
            for byte in buf[..<n] {
                if byte == 10 {
                    lines.append(String(decoding: partial, as: UTF8.self))
                    partial.removeAll(keepingCapacity: true)
                } else {
                    partial.append(byte)
                }
            }
        }
        return lines
    }
}
