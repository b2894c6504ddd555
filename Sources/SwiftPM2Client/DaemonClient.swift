import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftPM2Core

/// A client of the daemon's control API over its Unix socket: one connection per request.
public struct DaemonClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    // MARK: - Typed calls

    public func ping() async throws(ClientError) -> PingResponse {
        try await call(.GET, "/v1/ping")
    }

    public func apps(_ selector: String? = nil) async throws(ClientError) -> AppList {
        try await call(.GET, selector.map { "/v1/apps/\(Self.escape($0))" } ?? "/v1/apps")
    }

    /// Starts the apps of an ecosystem document (JSON bytes); relative paths resolve against `base`.
    public func start(document: [UInt8], base: String, env: String?, source: String) async throws(ClientError) -> AppList {
        var query = "base=\(Self.escape(base))&source=\(Self.escape(source))"
        if let env { query += "&env=\(Self.escape(env))" }
        return try await call(.POST, "/v1/apps?\(query)", body: document)
    }

    /// Converges the running apps to a document; `prune` deletes apps not in it.
    public func apply(document: [UInt8], base: String, env: String?, source: String, prune: Bool) async throws(ClientError) -> ApplyResult {
        var query = "base=\(Self.escape(base))&source=\(Self.escape(source))&prune=\(prune)"
        if let env { query += "&env=\(Self.escape(env))" }
        return try await call(.POST, "/v1/apply?\(query)", body: document)
    }

    /// `stop`, `restart`.
    public func action(_ action: String, _ selector: String) async throws(ClientError) -> AppList {
        try await call(.POST, "/v1/apps/\(Self.escape(selector))/\(action)", body: [])
    }

    /// `scale`: `target` is "4", "+2" or "-1".
    public func scale(_ selector: String, to target: String) async throws(ClientError) -> AppList {
        let body = EcosystemValue.object([("instances", .string(target))]).jsonBytes()
        return try await call(.POST, "/v1/apps/\(Self.escape(selector))/scale", body: body)
    }

    public func delete(_ selector: String) async throws(ClientError) -> AppList {
        try await call(.DELETE, "/v1/apps/\(Self.escape(selector))")
    }

    /// `send`: a message to the selected instances (docs/messages.md).
    public func send(_ selector: String, instance: Int?, data: JSONValue) async throws(ClientError) -> IPCResult {
        var body: [String: JSONValue] = ["data": data]
        if let instance { body["instance"] = .int(Int64(instance)) }
        return try await call(.POST, "/v1/apps/\(Self.escape(selector))/send", body: Array(JSONValue.object(body).description.utf8))
    }

    /// `trigger`: an action on the selected instances, and their replies.
    public func trigger(_ selector: String, action: String, data: JSONValue, instance: Int?, timeoutMs: Int) async throws(ClientError) -> IPCResult {
        var body: [String: JSONValue] = ["action": .string(action), "data": data, "timeoutMs": .int(Int64(timeoutMs))]
        if let instance { body["instance"] = .int(Int64(instance)) }
        return try await call(.POST, "/v1/apps/\(Self.escape(selector))/trigger", body: Array(JSONValue.object(body).description.utf8))
    }

    /// `save`: writes the running apps to the daemon's `dump.json`.
    public func save() async throws(ClientError) -> SaveResult {
        try await call(.POST, "/v1/save", body: [])
    }

    /// `resurrect`: starts the saved apps that do not run.
    public func resurrect() async throws(ClientError) -> AppList {
        try await call(.POST, "/v1/resurrect", body: [])
    }

    public func kill() async throws(ClientError) -> PingResponse {
        try await call(.POST, "/v1/kill", body: [])
    }

    /// Log lines of the selected apps; with `follow`, keeps calling `onLine` until cancelled.
    public func logs(_ selector: String, lines: Int, follow: Bool, onLine: @Sendable (LogLine) -> Void) async throws(ClientError) {
        let path = "/v1/apps/\(Self.escape(selector))/logs?lines=\(lines)&follow=\(follow)"
        try await streamLines(.GET, path) { bytes in
            if let line = try? JSONDecoder().decode(LogLine.self, from: Data(bytes)) { onLine(line) }
        }
    }

    /// Supervisor events as they happen, until cancelled.
    public func events(onEvent: @Sendable (Event) -> Void) async throws(ClientError) {
        try await streamLines(.GET, "/v1/events") { bytes in
            if let event = try? JSONDecoder().decode(Event.self, from: Data(bytes)) { onEvent(event) }
        }
    }

    // MARK: - HTTP

    /// One request; decodes a 2xx body as `T` and anything else as an ``APIError``.
    public func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(ClientError) -> T {
        let (status, bytes) = try await raw(method, path, body: body)
        let decoder = JSONDecoder()
        guard (200..<300).contains(status) else {
            if let error = try? decoder.decode(APIError.self, from: Data(bytes)) {
                throw .api(error, status: status)
            }
            throw .badResponse("status \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch {
            throw .badResponse("\(error)")
        }
    }

    /// Status and whole body of one request (a blocking exchange: quick, no threads).
    public func raw(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(ClientError) -> (Int, [UInt8]) {
        try BlockingExchange.perform(socketPath: socketPath, method: method, path: path, body: body)
    }

    private func streamLines(_ method: HTTPMethod, _ path: String, onLine: (ArraySlice<UInt8>) -> Void) async throws(ClientError) {
        var status = 0
        var pending: [UInt8] = []
        var errorBody: [UInt8] = []
        try await exchange(method, path, body: nil, onHead: { status = $0 }, onBody: { chunk in
            guard (200..<300).contains(status) else { errorBody += chunk; return }
            pending += chunk
            while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                onLine(pending[..<nl])
                pending.removeSubrange(...nl)
            }
        })
        if !(200..<300).contains(status) {
            if let error = try? JSONDecoder().decode(APIError.self, from: Data(errorBody)) { throw .api(error, status: status) }
            throw .badResponse("status \(status)")
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]?,
                          onHead: (Int) -> Void, onBody: ([UInt8]) -> Void) async throws(ClientError) {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .daemonUnavailable("cannot connect to the daemon at \(socketPath): \(error)")
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                // One write: the daemon may answer and close as soon as it has the request, so
                // a separate write of `.end` could meet a closed channel.
                try await outbound.write(contentsOf: Self.requestParts(method, path, body: body))
                for try await part in inbound {
                    switch part {
                    case .head(let head): onHead(Int(head.status.code))
                    case .body(let buffer): onBody(Array(buffer.readableBytesView))
                    case .end: return
                    }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            throw .daemonUnavailable("the daemon closed the connection: \(error)")
        }
    }

    /// The parts of one request to the daemon: head (closing the connection after), body, end.
    static func requestParts(_ method: HTTPMethod, _ path: String, body: [UInt8]?) -> [HTTPClientRequestPart] {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "localhost")
        headers.add(name: "Connection", value: "close")
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        var parts: [HTTPClientRequestPart] = [.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers))]
        if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        parts.append(.end(nil))
        return parts
    }

    /// Percent-encodes a path segment or query value.
    public static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            default:
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
