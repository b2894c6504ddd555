import CSystemd
import Glibc
import Logging
import NIOCore
import Synchronization

/// Who wrote the lines a `JournalForwarder` sends: the app, the instance, and the pid, which
/// is known only once the process is spawned (0 until then).
final class JournalTags: Sendable {
    let app: String
    let instance: Int
    let pid = Atomic<Int32>(0)

    init(app: String, instance: Int, pid: Int32 = 0) {
        self.app = app
        self.instance = instance
        self.pid.store(pid, ordering: .relaxed)
    }
}

/// `log_type: "journal"`: each line an instance writes becomes a journal entry
/// (`SYSLOG_IDENTIFIER` and `SWIFTPM2_APP` the app, `SWIFTPM2_INSTANCE`, `SWIFTPM2_PID`;
/// priority info for stdout, err for stderr), sent with `sd_journal_sendv`.
final class JournalForwarder: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop, as every ChannelHandler.
    typealias InboundIn = ByteBuffer

    private let tags: JournalTags
    private let priority: Int32
    private let logger: Logger
    private var partial: [UInt8] = Array("MESSAGE=".utf8)
    private static let prefix = 8
    private var failures = 0

    init(tags: JournalTags, priority: Int32, logger: Logger) {
        self.tags = tags
        self.priority = priority
        self.logger = logger
    }

    /// Complete lines waiting for the pid (a process may write before `spawn` returns).
    private var waiting: [[UInt8]] = []
    private var waitedTicks = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    finishLine()
                } else {
                    partial.append(byte)
                    if partial.count >= LineStamper.maxLine { finishLine() }
                }
            }
        }
        drain(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if partial.count > Self.prefix { finishLine() }
        waitedTicks = Int.max
        drain(context)
    }

    private func finishLine() {
        waiting.append(partial)
        partial.removeSubrange(Self.prefix...)
    }

    /// Sends the waiting lines once the pid is known (or after 1 s without it).
    private func drain(_ context: ChannelHandlerContext) {
        guard !waiting.isEmpty else { return }
        if tags.pid.load(ordering: .relaxed) == 0 && waitedTicks < 500 {
            waitedTicks += 1
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(2)) { loopBound.value.0.drain(loopBound.value.1) }
            return
        }
        for line in waiting { send(line) }
        waiting.removeAll()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(_ line: [UInt8]) {
        let rc = line.withUnsafeBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) {
                pm2_journal_line($0.baseAddress, $0.count, priority, tags.app, Int32(tags.instance), tags.pid.load(ordering: .relaxed))
            }
        }
        if rc < 0 {
            failures += 1
            if failures == 1 || failures % 1000 == 0 {
                logger.error("\(tags.app)[\(tags.instance)]: cannot send to the journal: \(String(cString: strerror(-rc))); \(failures) line(s) lost so far")
            }
        }
    }
}
