import Glibc

extension MetricsToken {
    /// The token in the file at `path`, created first (mode 0600, a generated token and a line
    /// feed) when there is none. Surrounding white space in the file is ignored.
    static func loadOrCreate(path: String) throws(DaemonError) -> MetricsToken {
        let created = generate()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 {
            defer { close(fd) }
            let bytes = Array((created + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                let code = errno
                unlink(path)
                throw DaemonError.system("cannot write the metrics token to \(path)", errno: written < 0 ? code : EIO)
            }
            return try MetricsToken(created, source: path)
        }
        guard errno == EEXIST else { throw DaemonError.system("cannot create the metrics token file \(path)", errno: errno) }
        return try MetricsToken(try read(path), source: path)
    }

    private static func read(_ path: String) throws(DaemonError) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw DaemonError.system("cannot read the metrics token file \(path)", errno: errno) }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while data.count < 4096 {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            data += buffer[..<n]
        }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let trimmed = data.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return String(decoding: trimmed, as: UTF8.self)
    }
}
