import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Core

/// HTTP/1.1 over the daemon's Unix socket: accepts connections, checks the peer's uid, reads
/// requests (bodies up to ``maxBody``), and writes what the router answers.
struct APIServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    let router: Router
    let logger: Logger
    static let maxBody = 1 << 20

    /// Binds `path` (removing a stale socket file first) and returns the listening channel.
    static func bind(path: String, group: any EventLoopGroup) async throws -> NIOAsyncChannel<(Connection, PeerCredentials?), Never> {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: connection)
    }

    /// Serves on a listening socket systemd passed (socket activation of `swiftpm2d.socket`).
    static func adopt(listening fd: Int32, group: any EventLoopGroup) async throws -> NIOAsyncChannel<(Connection, PeerCredentials?), Never> {
        try await ServerBootstrap(group: group).bind(NIOBSDSocket.Handle(fd), cleanupExistingSocketFile: false, childChannelInitializer: connection)
    }

    @Sendable private static func connection(_ channel: any Channel) -> EventLoopFuture<(Connection, PeerCredentials?)> {
        PeerCredentials.of(channel).flatMapThrowing { peer in
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            // Outbound half-closure: finishing the writer shuts our side down once everything
            // written has been handed to the socket, so a client that reads to the end sees it.
            return (try Connection(wrappingChannelSynchronously: channel,
                                   configuration: .init(isOutboundHalfClosureEnabled: true)), peer)
        }
    }

    /// Serves connections until the listening channel closes.
    func serve(_ listener: NIOAsyncChannel<(Connection, PeerCredentials?), Never>) async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await (connection, peer) in inbound {
                        group.addTask { await self.handle(connection, peer: peer) }
                    }
                }
            }
        } catch {
            logger.error("control socket stopped accepting: \(error)")
        }
    }

    private func handle(_ connection: Connection, peer: PeerCredentials?) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var requests = inbound.makeAsyncIterator()
                while let part = try await requests.next() {
                    guard case .head(let head) = part else { continue }
                    var body: [UInt8] = []
                    var tooLarge = false
                    reading: while let next = try await requests.next() {
                        switch next {
                        case .body(let buffer):
                            if body.count + buffer.readableBytes > Self.maxBody { tooLarge = true } else {
                                body += buffer.readableBytesView
                            }
                        case .end: break reading
                        case .head: break reading
                        }
                    }
                    let response: APIResponse
                    if let peer, !peer.isAllowed() {
                        logger.warning("refused control API request from uid \(peer.uid) pid \(peer.pid)")
                        response = .error(APIError(.forbidden, "uid \(peer.uid) may not use this daemon; only uid \(getuid()) and root may"))
                    } else if peer == nil {
                        response = .error(APIError(.forbidden, "cannot read the peer's credentials (SO_PEERCRED)"))
                    } else if tooLarge {
                        response = .error(APIError(.tooLarge, "request body over \(Self.maxBody) bytes"))
                    } else {
                        response = await router.handle(method: head.method, uri: head.uri, body: body)
                    }
                    let keepAlive = head.isKeepAlive && response.stream == nil && response.afterWrite == nil && !tooLarge && (peer?.isAllowed() ?? false)
                    try await write(response, to: outbound, version: head.version, keepAlive: keepAlive, inbound: &requests)
                    response.afterWrite?()
                    if !keepAlive {
                        // Closing now would drop what NIO has not yet handed to the socket (a
                        // large answer fills the socket buffer, ~200 KB): finish (a half-close
                        // once all is written, so a client reading to the end sees the end),
                        // then let the client close first, at most 10 s.
                        outbound.finish()
                        let channel = connection.channel
                        let deadline = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
                        try? await channel.closeFuture.get()
                        deadline.cancel()
                        return
                    }
                }
            }
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }

    private func write(_ response: APIResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                       version: HTTPVersion, keepAlive: Bool,
                       inbound: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.stream == nil ? response.contentType : "application/x-ndjson")
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        guard let stream = response.stream else {
            headers.add(name: "Content-Length", value: String(response.body.count))
            try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
            try await outbound.write(.end(nil))
            return
        }
        headers.add(name: "Transfer-Encoding", value: "chunked")
        try await outbound.write(.head(HTTPResponseHead(version: version, status: response.status, headers: headers)))
        // Stream until the source ends or the client hangs up, whichever comes first: the
        // writer half-closes when the source ends, which makes the client close, which ends
        // the read below.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await chunk in stream {
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
                }
                try await outbound.write(.end(nil))
                outbound.finish()
            }
            while (try? await inbound.next()) != nil {}
            group.cancelAll()
        }
    }
}
