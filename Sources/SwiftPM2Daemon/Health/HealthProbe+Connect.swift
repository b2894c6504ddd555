import CSpawn
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Core

/// The network checks: a TCP connect, and an HTTP GET over it, both on a NIO event loop with a
/// deadline scheduled there, so the awaiting task holds no thread meanwhile.
extension HealthProbe {
    /// The deadline passed before the check finished.
    struct TimedOut: Error {}

    /// Connects to `target` and closes at once: accepted within `timeout` passes.
    func tcp(target: HealthTarget, timeout: Duration) async -> (ok: Bool, detail: String) {
        let loop = group.next()
        let done = loop.makePromise(of: Void.self)
        let deadline = loop.scheduleTask(in: Self.timeAmount(timeout)) { done.fail(TimedOut()) }
        connect(to: target, on: loop, timeout: timeout, initializer: nil).whenComplete { result in
            switch result {
            case .success(let channel):
                done.succeed(())
                channel.close(promise: nil)
            case .failure(let error):
                done.fail(error)
            }
        }
        do {
            try await done.futureResult.get()
            deadline.cancel()
            return (true, "TCP connect to \(target) accepted")
        } catch {
            deadline.cancel()
            return (false, "TCP connect to \(target): " + Self.describe(error, timeout: timeout, waitingFor: "connection"))
        }
    }

    /// `GET path` on `target`; passes when the status is `expectedStatus`. The whole exchange
    /// (connect, request, answer head) must fit in `timeout`.
    func http(path: String, expectedStatus: Int, target: HealthTarget, timeout: Duration) async -> (ok: Bool, detail: String) {
        let loop = group.next()
        let answer = loop.makePromise(of: HealthHTTPAnswer.self)
        let deadline = loop.scheduleTask(in: Self.timeAmount(timeout)) { answer.fail(TimedOut()) }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.description)
        headers.add(name: "User-Agent", value: "swiftpm2-health")
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Connection", value: "close")
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        connect(to: target, on: loop, timeout: timeout) { channel in
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(
                HealthHTTPHandler(request: request, expectedStatus: expectedStatus, answer: answer))
        }.whenComplete { result in
            switch result {
            case .success(let channel):
                // However the answer completes (status, deadline, error), the connection goes.
                answer.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                answer.fail(error)
            }
        }
        do {
            let got = try await answer.futureResult.get()
            deadline.cancel()
            if got.status == expectedStatus { return (true, "GET \(path) answered \(got.status)") }
            let expected = expectedStatus == HealthCheck.defaultStatus ? "" : ", expected \(expectedStatus)"
            return (false, "GET \(path) answered \(got.status)\(expected)" + (got.body.isEmpty ? "" : ": \(got.body)"))
        } catch {
            deadline.cancel()
            return (false, "GET \(path) on \(target): " + Self.describe(error, timeout: timeout, waitingFor: "answer"))
        }
    }

    /// A connected channel to `target`, set up by `initializer` (on the channel's loop).
    private func connect(to target: HealthTarget, on loop: any EventLoop, timeout: Duration,
                         initializer: (@Sendable (any Channel) throws -> Void)?) -> EventLoopFuture<any Channel> {
        var bootstrap = ClientBootstrap(group: loop).connectTimeout(Self.timeAmount(timeout))
        if let initializer {
            bootstrap = bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel) }
            }
        }
        if let address = try? SocketAddress(ipAddress: target.host, port: target.port) {
            return bootstrap.connect(to: address)
        }
        return bootstrap.connect(host: target.host, port: target.port)
    }

    /// "connection refused (ECONNREFUSED)", "no answer within 1s", "cannot resolve localhostx".
    static func describe(_ error: any Error, timeout: Duration, waitingFor what: String) -> String {
        switch error {
        case is TimedOut:
            return "no \(what) within \(RestartPolicy.describe(timeout))"
        case ChannelError.connectTimeout:
            return "no connection within \(RestartPolicy.describe(timeout))"
        case is HealthHTTPNoAnswer, ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.outputClosed:
            return "the connection closed without an answer"
        case let io as IOError:
            return errnoText(io.errnoCode)
        case let connection as NIOConnectionError:
            if let failure = connection.connectionErrors.first { return describe(failure.error, timeout: timeout, waitingFor: what) }
            return "cannot resolve \(connection.host)"
        case let parser as HTTPParserError:
            return "not an HTTP answer (\(parser))"
        default:
            return "\(error)"
        }
    }

    /// "connection refused (ECONNREFUSED)": strerror in lower case, then the errno's name.
    static func errnoText(_ code: Int32) -> String {
        var text = String(cString: strerror(code))
        if let first = text.first, text.dropFirst().first?.isLowercase ?? true {
            text = first.lowercased() + text.dropFirst()
        }
        return "\(text) (\(SpawnError.errnoName(code)))"
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}
