import CSpawn
import Glibc
import Logging
import NIOCore
import NIOPosix
import SwiftPM2Core

/// The file descriptors an instance gets as stdout and stderr, and what the parent closes
/// after the spawn.
struct InstanceOutputs {
    var stdout: Int32
    var stderr: Int32
    fileprivate var parentCloses: [Int32]
    /// With a date format: copies of the pipes' read ends ("out", "err"), for the
    /// `DescriptorStore`, so that the output survives a daemon crash; the caller closes them.
    var readEnds: [(stream: String, fd: Int32)] = []

    func closeParentEnds() {
        for fd in parentCloses { close(fd) }
    }
}

/// Connects instances' stdout and stderr to their log files.
///
/// Without `log_date_format` the child writes straight into its log file (`O_APPEND`): no
/// daemon in the path, so a chatty app never waits on the daemon, no line can be lost between
/// them, and output keeps landing in the file while the daemon restarts. With a date format
/// each stream goes through a pipe (1 MiB buffer) that the daemon reads on its event loop,
/// stamping every line before appending it to the file.
final class TimestampingLogPump: Sendable {
    private let group: any EventLoopGroup
    private let logger: Logger
    static let pipeBytes: Int32 = 1 << 20

    init(group: any EventLoopGroup, logger: Logger) {
        self.group = group
        self.logger = logger
    }

    func openOutputs(_ logs: LogPaths, dateFormat: String?, journal: JournalTags? = nil) throws(DaemonError) -> InstanceOutputs {
        if let journal {
            let outPipe = try pipe()
            let errPipe: (read: Int32, write: Int32)
            do throws(DaemonError) { errPipe = try pipe() } catch { close(outPipe.read); close(outPipe.write); throw error }
            var outputs = InstanceOutputs(stdout: outPipe.write, stderr: errPipe.write, parentCloses: [outPipe.write, errPipe.write])
            outputs.readEnds = [("out", dup(outPipe.read)), ("err", dup(errPipe.read))]
            attach(readEnd: outPipe.read, journal: journal, stream: "out")
            attach(readEnd: errPipe.read, journal: journal, stream: "err")
            return outputs
        }
        let out = try openLog(logs.out)
        let err: Int32
        if logs.err == logs.out {
            err = dup(out)
        } else {
            do throws(DaemonError) { err = try openLog(logs.err) } catch { close(out); throw error }
        }
        guard let dateFormat else {
            return InstanceOutputs(stdout: out, stderr: err, parentCloses: [out, err])
        }
        let format = LogDateFormat(dateFormat)
        do throws(DaemonError) {
            let outPipe = try pipe()
            let errPipe: (read: Int32, write: Int32)
            do throws(DaemonError) { errPipe = try pipe() } catch { close(outPipe.read); close(outPipe.write); throw error }
            var outputs = InstanceOutputs(stdout: outPipe.write, stderr: errPipe.write, parentCloses: [outPipe.write, errPipe.write])
            outputs.readEnds = [("out", dup(outPipe.read)), ("err", dup(errPipe.read))]
            attach(readEnd: outPipe.read, into: out, path: logs.out, format: format)
            attach(readEnd: errPipe.read, into: err, path: logs.err, format: format)
            return outputs
        } catch {
            close(out)
            close(err)
            throw error
        }
    }

    private func openLog(_ path: String) throws(DaemonError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw DaemonError.system("cannot open log file \(path)", errno: errno) }
        return fd
    }

    /// A log pipe (1 MiB buffer), close-on-exec.
    private func pipe() throws(DaemonError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pm2_pipe_cloexec(&fds) == 0 else { throw DaemonError.system("cannot create a log pipe", errno: errno) }
        _ = pm2_set_pipe_size(fds[1], Self.pipeBytes)
        return (fds[0], fds[1])
    }

    /// Stamps the lines read from `readEnd` (which it then owns) into the log at `path`; used
    /// for a new instance and for the pipe of one taken over from a previous daemon.
    func attach(readEnd: Int32, logPath path: String, dateFormat: String) throws(DaemonError) {
        attach(readEnd: readEnd, into: try openLog(path), path: path, format: LogDateFormat(dateFormat))
    }

    /// Sends the lines read from `readEnd` (which it then owns) to the journal; `stream` "err"
    /// gives them priority err, "out" info.
    func attach(readEnd: Int32, journal: JournalTags, stream: String) {
        let logger = self.logger
        let priority: Int32 = stream == "err" ? 3 : 6
        NIOPipeBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(JournalForwarder(tags: journal, priority: priority, logger: logger))
                }
            }
            .takingOwnershipOfDescriptor(input: readEnd)
            .whenFailure { error in logger.error("cannot read a log pipe: \(error)") }
    }

    /// Stamps the lines read from `readEnd` into `file`; owns both.
    private func attach(readEnd: Int32, into file: Int32, path: String, format: LogDateFormat) {
        let logger = self.logger
        NIOPipeBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LineStamper(file: file, path: path, format: format, logger: logger))
                }
            }
            .takingOwnershipOfDescriptor(input: readEnd)
            .whenFailure { error in
                logger.error("cannot read a log pipe: \(error)")
                close(file)
            }
    }
}

/// Prefixes each complete line with the time it was read and appends it to the log file.
final class LineStamper: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop, as every ChannelHandler.
    typealias InboundIn = ByteBuffer

    private let file: Int32
    private let path: String
    private let format: LogDateFormat
    private let logger: Logger
    private var partial: [UInt8] = []
    /// Bytes that could not be written (disk full, say): counted and logged, never silent.
    private var lostBytes = 0
    /// A line longer than this is written in pieces rather than held without bound.
    static let maxLine = 64 * 1024

    init(file: Int32, path: String, format: LogDateFormat, logger: Logger) {
        self.file = file
        self.path = path
        self.format = format
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let stamp = Array((format.format(epochMs: wallClockMs(), utcOffsetSeconds: localUTCOffsetSeconds()) + ": ").utf8)
        var out: [UInt8] = []
        out.reserveCapacity(buffer.readableBytes + 64)
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                partial.append(byte)
                if byte == UInt8(ascii: "\n") || partial.count >= Self.maxLine {
                    out += stamp
                    out += partial
                    if byte != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
                    partial.removeAll(keepingCapacity: true)
                }
            }
        }
        writeAll(out)
    }

    func channelInactive(context: ChannelHandlerContext) {
        flushPartial()
        close(file)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func flushPartial() {
        guard !partial.isEmpty else { return }
        let stamp = Array((format.format(epochMs: wallClockMs(), utcOffsetSeconds: localUTCOffsetSeconds()) + ": ").utf8)
        writeAll(stamp + partial + [UInt8(ascii: "\n")])
        partial.removeAll()
    }

    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                lostBytes += bytes.count - offset
                logger.error("cannot write to log \(path): \(String(cString: strerror(errno))); \(lostBytes) bytes lost so far")
                return
            }
            offset += n
        }
    }
}

/// The local time zone's offset from UTC now, in seconds (from `localtime_r`).
func localUTCOffsetSeconds() -> Int {
    var t = time(nil)
    var tmv = tm()
    localtime_r(&t, &tmv)
    return Int(tmv.tm_gmtoff)
}
