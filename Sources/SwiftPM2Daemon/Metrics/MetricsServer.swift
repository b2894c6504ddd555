import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The optional Prometheus endpoint: HTTP/1.1 on a loopback TCP address, `GET /metrics` with a
/// bearer token, one request per connection. Configured by `MetricsSettings`; what it answers
/// is decided by `MetricsAccess`, the text rendered by `MetricsText`.
///
/// Limits, since any local user can connect: the request head must arrive within
/// ``defaultRequestTimeout`` and fit in ``maxRequestBytes``; the answer must be written within
/// ``responseTimeout``; at most ``maxConnections`` are served at once (others are closed at once).
final class MetricsServer: Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    /// An accepted connection and the timer that closes it when its request is late.
    typealias Accepted = (connection: Connection, deadline: Scheduled<Void>)

    static let maxRequestBytes = 8 * 1024
    static let defaultRequestTimeout = TimeAmount.seconds(5)
    static let responseTimeout = TimeAmount.seconds(30)
    static let maxConnections = 16

    private let listener: NIOAsyncChannel<Accepted, Never>
    private let access: MetricsAccess
    private let snapshot: @Sendable () async -> MetricsSnapshot
    private let logger: Logger
    private let active = Mutex(0)

    /// The address bound; its port is the one the kernel chose when `address.port` was 0.
    var localAddress: SocketAddress? { listener.channel.localAddress }

    private init(listener: NIOAsyncChannel<Accepted, Never>, token: MetricsToken, logger: Logger,
                 snapshot: @escaping @Sendable () async -> MetricsSnapshot) {
        self.listener = listener
        self.access = MetricsAccess(token: token)
        self.snapshot = snapshot
        self.logger = logger
    }

    /// Binds `address`; `serve()` then answers until `close()`. `requestTimeout` is there for
    /// tests; the daemon keeps the default.
    static func bind(_ address: MetricsAddress, token: MetricsToken, group: any EventLoopGroup, logger: Logger,
                     requestTimeout: TimeAmount = defaultRequestTimeout,
                     snapshot: @escaping @Sendable () async -> MetricsSnapshot) async throws -> MetricsServer {
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address.host.rawValue, port: address.port)
        } catch {
            throw DaemonError(message: "\(MetricsSettings.addressVariable)=\(address): \(error)", errno: nil)
        }
        let listener: NIOAsyncChannel<Accepted, Never>
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(to: socketAddress) { channel in connection(channel, requestTimeout: requestTimeout) }
        } catch let error as IOError {
            throw DaemonError.system("\(MetricsSettings.addressVariable): cannot listen on \(address)", errno: error.errnoCode)
        }
        return MetricsServer(listener: listener, token: token, logger: logger, snapshot: snapshot)
    }

    private static func connection(_ channel: any Channel, requestTimeout: TimeAmount) -> EventLoopFuture<Accepted> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(MetricsRequestLimit(maxBytes: maxRequestBytes))
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            let deadline = channel.eventLoop.scheduleTask(in: requestTimeout) { channel.close(promise: nil) }
            return (try Connection(wrappingChannelSynchronously: channel), deadline)
        }
    }

    /// Serves connections until the listener is closed.
    func serve() async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await accepted in inbound {
                        guard admit() else {
                            accepted.deadline.cancel()
                            accepted.connection.channel.close(promise: nil)
                            continue
                        }
                        group.addTask {
                            await self.handle(accepted.connection, deadline: accepted.deadline)
                            self.active.withLock { $0 -= 1 }
                        }
                    }
                }
            }
        } catch {
            logger.error("metrics listener stopped accepting: \(error)")
        }
    }

    /// Stops accepting; `serve()` returns once the connections being served are done.
    func close() async {
        try? await listener.channel.close()
    }

    private func admit() -> Bool {
        active.withLock { count in
            guard count < Self.maxConnections else { return false }
            count += 1
            return true
        }
    }

    private func handle(_ connection: Connection, deadline: Scheduled<Void>) async {
        let channel = connection.channel
        do {
            try await connection.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                guard case .head(let head)? = try await parts.next() else { return }
                deadline.cancel()
                let late = channel.eventLoop.scheduleTask(in: Self.responseTimeout) { channel.close(promise: nil) }
                defer { late.cancel() }
                let reply = access.reply(to: head)
                if reply == .unauthorized {
                    logger.debug("metrics request without the right token from \(channel.remoteAddress.map { "\($0)" } ?? "?")")
                }
                let body = reply == .metrics ? MetricsText.render(await snapshot()) : Array(reply.message.utf8)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: reply == .metrics ? MetricsText.contentType : "text/plain; charset=utf-8")
                headers.add(name: "Content-Length", value: String(body.count))
                headers.add(name: "Connection", value: "close")
                for (name, value) in reply.extraHeaders { headers.add(name: name, value: value) }
                try await outbound.write(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers)))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
            }
        } catch {
            logger.debug("metrics connection ended: \(error)")
        }
    }
}
