import Glibc
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// One request and its whole response over a blocking Unix socket, with SwiftNIO's HTTP/1.1
/// codec driven through an `EmbeddedChannel`.
///
/// A CLI command makes one or two calls and exits; starting NIO's event loop threads for that
/// cost about 2 ms of the 4 ms a `swiftpm2 list` may take. The codec is the same one the
/// daemon uses, only without threads. Streams (`logs --follow`, events) keep the async path.
enum BlockingExchange {
    static func perform(socketPath: String, method: HTTPMethod, path: String, body: [UInt8]?) throws(ClientError) -> (Int, [UInt8]) {
        let fd = try connectUnix(socketPath)
        defer { close(fd) }
        do {
            return try exchange(fd, method: method, path: path, body: body)
        } catch let error as ClientError {
            throw error
        } catch {
            throw .badResponse("\(error)")
        }
    }

    private static func exchange(_ fd: Int32, method: HTTPMethod, path: String, body: [UInt8]?) throws -> (Int, [UInt8]) {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        for part in DaemonClient.requestParts(method, path, body: body) { try channel.writeOutbound(part) }
        var request: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { request += buffer.readableBytesView }
        try writeAll(fd, request)

        var status = 0
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError.daemonUnavailable("reading from the daemon failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            try channel.writeInbound(ByteBuffer(bytes: chunk[..<n]))
            while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
                switch part {
                case .head(let head): status = Int(head.status.code)
                case .body(let buffer): response += buffer.readableBytesView
                case .end: return (status, response)
                }
            }
        }
        throw ClientError.daemonUnavailable("the daemon closed the connection before answering")
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ClientError.daemonUnavailable("writing to the daemon failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// A connected, blocking, close-on-exec Unix stream socket.
    static func connectUnix(_ path: String) throws(ClientError) -> Int32 {
        guard var addr = unixAddress(path) else { throw .daemonUnavailable("socket path too long: \(path)") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .daemonUnavailable("cannot create a socket: \(String(cString: strerror(errno)))") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .daemonUnavailable("cannot connect to the daemon at \(path): \(why)")
        }
        return fd
    }
}

/// `sockaddr_un` for a path, or nil when the path does not fit.
func unixAddress(_ path: String) -> sockaddr_un? {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
    }
    return addr
}
