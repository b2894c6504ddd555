import Glibc

/// The whole content of a small text file, or nil when it cannot be read.
func readTextFile(_ path: String, limit: Int = 1 << 20) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while data.count < limit {
        let n = read(fd, &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        data += buf[..<n]
    }
    return String(decoding: data, as: UTF8.self)
}
