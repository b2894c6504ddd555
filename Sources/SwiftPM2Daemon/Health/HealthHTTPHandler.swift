import NIOCore
import NIOHTTP1

/// What an HTTP health endpoint answered: its status, and the start of its body when the
/// status was not the expected one (for the failure's detail).
struct HealthHTTPAnswer: Sendable, Equatable {
    var status: Int
    var body: String
}

/// The connection closed before any answer.
struct HealthHTTPNoAnswer: Error {}

/// Sends one `GET` once connected and completes `answer` with the response's status: at the
/// head when it is the expected one, else at the end of the body (its first bytes are kept).
/// The connection is closed by the probe once `answer` is complete, whatever completed it.
final class HealthHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// Body bytes kept for the failure detail.
    static let bodyLimit = 160

    private let request: HTTPRequestHead
    private let expectedStatus: Int
    private let answer: EventLoopPromise<HealthHTTPAnswer>
    private var status: Int?
    private var body: [UInt8] = []

    init(request: HTTPRequestHead, expectedStatus: Int, answer: EventLoopPromise<HealthHTTPAnswer>) {
        self.request = request
        self.expectedStatus = expectedStatus
        self.answer = answer
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            if status == expectedStatus { finish() }
        case .body(var buffer):
            let room = Self.bodyLimit - body.count
            if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { body += bytes }
        case .end:
            finish()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if status != nil { finish() } else { answer.fail(HealthHTTPNoAnswer()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Once the head is in, a broken body does not change the answer.
        if status != nil { finish() } else { answer.fail(error) }
        context.close(promise: nil)
    }

    /// Completes `answer` (a second completion is ignored by NIO).
    private func finish() {
        guard let status else { return }
        answer.succeed(HealthHTTPAnswer(status: status, body: Self.firstLine(body)))
    }

    /// The body's first non-empty line, trimmed, as text.
    static func firstLine(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).lazy
            .map { $0.trimmingCharacters(in: " \t") }
            .first { !$0.isEmpty }
        return line.map(String.init) ?? ""
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
