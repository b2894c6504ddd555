import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import Synchronization
import SwiftPM2Core

/// One line an instance sent over its message channel (docs/messages.md), decoded.
struct IPCInbound: Decodable, Sendable {
    var type: String
    var id: String?
    var data: JSONValue?
    var actions: [String]?
    var error: String?
}

/// What the channel reports to the supervisor, in order (one stream for all instances).
enum IPCEvent: Sendable {
    case line(pid: pid_t, IPCInbound)
    case malformed(pid: pid_t, why: String)
}

/// The daemon's end of one process's message channel: newline-delimited JSON over a Unix
/// stream socket. Writes never block the daemon: at most 256 messages or 1 MiB wait for a
/// process; beyond that a message is dropped (and counted by the caller).
final class IPCChannel: Sendable {
    let pid: pid_t
    private let channel: EventLoopFuture<any Channel>
    /// Messages and bytes written but not yet taken by the socket.
    private let pending = Mutex<(count: Int, bytes: Int)>((0, 0))
    static let maxPending = 256
    static let maxPendingBytes = 1 << 20
    static let maxLine = 64 * 1024

    /// Serves the daemon's end `fd` (which it then owns) for process `pid`; what the process
    /// sends goes to `inbox`.
    init(fd: Int32, pid: pid_t, group: any EventLoopGroup, inbox: AsyncStream<IPCEvent>.Continuation) {
        self.pid = pid
        channel = ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IPCLineReader(pid: pid, inbox: inbox))
                }
            }
            .withConnectedSocket(fd)
    }

    /// Queues one message (a JSON object, no newline); false when it was dropped.
    @discardableResult
    func send(_ object: [String: JSONValue]) -> Bool {
        var line = Array(JSONValue.object(object).description.utf8)
        line.append(UInt8(ascii: "\n"))
        let size = line.count
        let admitted = pending.withLock { p -> Bool in
            guard p.count < Self.maxPending, p.bytes + size <= Self.maxPendingBytes else { return false }
            p.count += 1
            p.bytes += size
            return true
        }
        guard admitted else { return false }
        channel.whenComplete { result in
            guard case .success(let ch) = result else {
                self.pending.withLock { $0.count -= 1; $0.bytes -= size }
                return
            }
            var buffer = ch.allocator.buffer(capacity: size)
            buffer.writeBytes(line)
            ch.writeAndFlush(buffer).whenComplete { _ in
                self.pending.withLock { $0.count -= 1; $0.bytes -= size }
            }
        }
        return true
    }

    func close() {
        channel.whenSuccess { $0.close(promise: nil) }
    }
}

/// Splits the bytes from a process into lines and decodes each as an `IPCInbound`.
final class IPCLineReader: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop, as every ChannelHandler.
    typealias InboundIn = ByteBuffer

    private let pid: pid_t
    private let inbox: AsyncStream<IPCEvent>.Continuation
    private var partial: [UInt8] = []
    /// Inside a line that grew past the limit: skip to its end.
    private var skipping = false

    init(pid: pid_t, inbox: AsyncStream<IPCEvent>.Continuation) {
        self.pid = pid
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    if skipping { skipping = false } else { finish() }
                    partial.removeAll(keepingCapacity: true)
                } else if !skipping {
                    partial.append(byte)
                    if partial.count > IPCChannel.maxLine {
                        inbox.yield(.malformed(pid: pid, why: "a line longer than 64 KiB"))
                        partial.removeAll()
                        skipping = true
                    }
                }
            }
        }
    }

    private func finish() {
        guard !partial.isEmpty else { return }
        do {
            inbox.yield(.line(pid: pid, try JSONDecoder().decode(IPCInbound.self, from: Data(partial))))
        } catch {
            let sample = String(decoding: partial.prefix(60), as: UTF8.self)
            inbox.yield(.malformed(pid: pid, why: "not a JSON object with a \"type\": \(sample)"))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
