import Glibc

/// A listening socket the daemon binds for a cluster-mode app and holds for the app's life;
/// every instance inherits it (fd 3 onwards, systemd's socket activation protocol).
struct ListenSocket: Sendable {
    let address: String
    let fd: Int32

    /// The name in `LISTEN_FDNAMES`: the address with what a name may not hold (`:`) replaced.
    var name: String {
        String(address.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "-" })
            .replacingDashRuns()
    }

    static let backlog: Int32 = 4096

    /// Binds and listens on `tcp://HOST:PORT` or `unix:/path` (already validated).
    /// With `reusePort`, SO_REUSEPORT is set so that several sockets (one per instance slot)
    /// share the address and the kernel spreads connections over them (TCP only).
    static func bind(_ address: String, reusePort: Bool = false) throws(DaemonError) -> ListenSocket {
        if address.hasPrefix("unix:") { return try bindUnix(address, path: String(address.dropFirst(5))) }
        return try bindTCP(address, reusePort: reusePort)
    }

    func close() {
        _ = Glibc.close(fd)
        if address.hasPrefix("unix:/") { unlink(String(address.dropFirst(5))) }
    }

    private static func bindTCP(_ address: String, reusePort: Bool) throws(DaemonError) -> ListenSocket {
        let rest = address.dropFirst(6)
        guard let colon = rest.lastIndex(of: ":") else { throw DaemonError(message: "\(address): no port", errno: nil) }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = String(rest[rest.index(after: colon)...])
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, port, &hints, &list)
        guard rc == 0, let info = list else {
            throw DaemonError(message: "cannot resolve \(address): \(String(cString: gai_strerror(rc)))", errno: nil)
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("cannot create a socket for \(address)", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        if info.pointee.ai_family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard Glibc.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            let hint = code == EADDRINUSE ? "; another process listens there (`ss -ltnp` shows which)" : ""
            throw DaemonError(message: "cannot listen on \(address): \(String(cString: strerror(code)))\(hint)", errno: nil)
        }
        return ListenSocket(address: address, fd: fd)
    }

    private static func bindUnix(_ address: String, path: String) throws(DaemonError) -> ListenSocket {
        guard var addr = socketAddress(path) else { throw DaemonError(message: "\(address): path too long", errno: nil) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("cannot create a socket for \(address)", errno: errno) }
        func attempt() -> Int32 {
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, addressLength(path)) }
            }
        }
        var rc = attempt()
        if rc != 0 && errno == EADDRINUSE && !path.hasPrefix("@") && !isServed(path) {
            unlink(path) // a stale socket file nobody serves (isServed is false for non-sockets)
            rc = attempt()
        }
        guard rc == 0, listen(fd, backlog) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw DaemonError(message: "cannot listen on \(address): \(String(cString: strerror(code)))", errno: nil)
        }
        return ListenSocket(address: address, fd: fd)
    }

    /// `sockaddr_un` for a path (`@name`: the abstract namespace), or nil when it does not fit.
    static func socketAddress(_ path: String) -> sockaddr_un? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 } // abstract namespace
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        return addr
    }

    /// The length to pass with a `sockaddr_un`: an abstract name (`@name`) counts exactly its
    /// bytes, as other programs address it; a path may take the whole structure.
    private static func addressLength(_ path: String) -> socklen_t {
        guard path.hasPrefix("@") else { return socklen_t(MemoryLayout<sockaddr_un>.size) }
        return socklen_t(MemoryLayout<sa_family_t>.size + path.utf8.count)
    }

    /// True when something accepts on `path` — or when `path` is not a socket at all, so that
    /// a regular file in the way is never removed as if it were a stale socket.
    private static func isServed(_ path: String) -> Bool {
        var st = stat()
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFSOCK { return true }
        guard var addr = socketAddress(path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { _ = Glibc.close(fd) }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, addressLength(path)) == 0 }
        }
    }
}

extension String {
    /// "tcp---0.0.0.0-3000" → "tcp-0.0.0.0-3000".
    fileprivate func replacingDashRuns() -> String {
        var out = ""
        for c in self where !(c == "-" && out.last == "-") { out.append(c) }
        return out
    }
}
