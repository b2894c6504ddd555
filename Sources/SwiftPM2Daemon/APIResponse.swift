import FoundationEssentials
import NIOHTTP1
import SwiftPM2Core

/// What a route answers: a JSON body, or a stream of newline-delimited JSON.
struct APIResponse: Sendable {
    var status: HTTPResponseStatus
    var body: [UInt8]
    /// Chunks written after the head until the stream ends or the client goes away.
    var stream: AsyncStream<[UInt8]>?
    /// Runs once the response is written (the `kill` route shuts the daemon down here).
    var afterWrite: (@Sendable () -> Void)?
    /// `Content-Type` of a body response; streams are always NDJSON.
    var contentType = "application/json"

    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> APIResponse {
        APIResponse(status: status, body: encodeJSON(value) + [UInt8(ascii: "\n")])
    }

    static func error(_ error: APIError) -> APIResponse {
        json(error, status: HTTPResponseStatus(statusCode: status(of: error)))
    }

    /// A body that is not JSON (`GET /metrics`: Prometheus text).
    static func text(_ body: [UInt8], contentType: String) -> APIResponse {
        APIResponse(status: .ok, body: body, contentType: contentType)
    }

    static func ndjson(_ stream: AsyncStream<[UInt8]>) -> APIResponse {
        APIResponse(status: .ok, body: [], stream: stream)
    }

    private static func status(of error: APIError) -> Int {
        APIError.Code(rawValue: error.code)?.httpStatus ?? 500
    }
}

/// Compact JSON with sorted keys, so output is stable for people and tests.
func encodeJSON<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? Array(encoder.encode(value))) ?? Array(#"{"error":{"code":"internal","message":"cannot encode the response"}}"#.utf8)
}

/// One NDJSON line.
func ndjsonLine<T: Encodable>(_ value: T) -> [UInt8] {
    encodeJSON(value) + [UInt8(ascii: "\n")]
}
