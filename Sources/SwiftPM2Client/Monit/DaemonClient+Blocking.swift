import FoundationEssentials
import NIOHTTP1
import SwiftPM2Core

/// The requests `swiftpm2 monit` makes, without `async`, for a thread of their own
/// (``BlockingThread``). Same routes, same answers and errors as the async calls.
extension DaemonClient {
    /// `call(_:_:body:)` on the calling thread.
    func callBlocking<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) throws(ClientError) -> T {
        let (status, bytes) = try BlockingExchange.perform(socketPath: socketPath, method: method, path: path, body: body)
        let decoder = JSONDecoder()
        guard (200..<300).contains(status) else {
            if let error = try? decoder.decode(APIError.self, from: Data(bytes)) { throw .api(error, status: status) }
            throw .badResponse("status \(status): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch {
            throw .badResponse("\(error)")
        }
    }

    /// `GET /v1/apps`.
    func appsBlocking() throws(ClientError) -> AppList {
        try callBlocking(.GET, "/v1/apps")
    }

    /// `POST /v1/apps/{selector}/{action}`: `stop`, `restart`, `reload`.
    func actionBlocking(_ action: String, _ selector: String) throws(ClientError) -> AppList {
        try callBlocking(.POST, "/v1/apps/\(Self.escape(selector))/\(action)", body: [])
    }

    /// The last `lines` lines of each log file of the selected apps (no follow).
    func logTailBlocking(_ selector: String, lines: Int) throws(ClientError) -> [LogLine] {
        let path = "/v1/apps/\(Self.escape(selector))/logs?lines=\(lines)&follow=false"
        let (status, bytes) = try BlockingExchange.perform(socketPath: socketPath, method: .GET, path: path, body: nil)
        guard (200..<300).contains(status) else {
            if let error = try? JSONDecoder().decode(APIError.self, from: Data(bytes)) { throw .api(error, status: status) }
            throw .badResponse("status \(status)")
        }
        let decoder = JSONDecoder()
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(LogLine.self, from: Data($0)) }
    }
}
