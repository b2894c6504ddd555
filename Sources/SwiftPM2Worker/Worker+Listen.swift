import Glibc

extension Worker {
    /// Binds a TCP socket of the app's own and listens on it: for running without swiftpm2 or
    /// systemd, when ``inheritedListeners()`` is empty.
    ///
    /// - Parameters:
    ///   - host: a numeric IPv4 or IPv6 address (`127.0.0.1`, `0.0.0.0`, `::1`).
    ///   - port: the TCP port; 0 lets the kernel choose.
    ///   - backlog: the length of the queue of connections not yet accepted.
    /// - Returns: the listening fd (blocking, close-on-exec, `SO_REUSEADDR`).
    /// - Throws: `WorkerError` when `host` is not a numeric address or the socket cannot be
    ///   bound (`Address already in use`, say).
    public static func listen(host: String = "127.0.0.1", port: Int, backlog: Int32 = 256) throws(WorkerError) -> Int32 {
        guard (0...65535).contains(port) else { throw WorkerError(message: "port \(port) is not between 0 and 65535") }
        var storage = sockaddr_storage()
        let length: socklen_t
        if let address = withUnsafeMutableBytes(of: &storage, { ipv4(host, port: port, into: $0) }) {
            length = address
        } else if let address = withUnsafeMutableBytes(of: &storage, { ipv6(host, port: port, into: $0) }) {
            length = address
        } else {
            throw WorkerError(message: "\(host) is not a numeric IPv4 or IPv6 address")
        }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("cannot create a socket", errno: errno) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = errno
            close(fd)
            throw .system("cannot listen on \(host) port \(port)", errno: error)
        }
        return fd
    }

    private static func ipv4(_ host: String, port: Int, into raw: UnsafeMutableRawBufferPointer) -> socklen_t? {
        var address = sockaddr_in()
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
        return socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    private static func ipv6(_ host: String, port: Int, into raw: UnsafeMutableRawBufferPointer) -> socklen_t? {
        var address = sockaddr_in6()
        guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
        return socklen_t(MemoryLayout<sockaddr_in6>.size)
    }
}
