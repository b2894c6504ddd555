import Glibc
import NIOHTTP1
import SwiftPM2Worker

/// `/health` for swiftpm2's `health` checks: `200 ok`, or `500 failing` while the file
/// `$HEALTH_FAIL_DIR/<own pid>` exists. The failure is injected per process, so a test (or a
/// demo) can make one instance sick and see that its replacement, a new pid, is healthy.
///
/// Served on the app's port (`RequestHandler` routes it) and, when swiftpm2 gives the process
/// a health port of its own (`SWIFTPM2_HEALTH_PORT`, from `health.port`), on a second
/// listener that this process binds on 127.0.0.1: in cluster mode every instance shares the
/// app's socket, so only this one reaches a given instance.
enum HealthEndpoint {
    /// Whether `uri` asks for the health endpoint (`/health`, with or without a query).
    static func matches(_ uri: String) -> Bool {
        uri == "/health" || uri.hasPrefix("/health?")
    }

    /// The answer right now: 500 while this process's failure file exists.
    static func answer() -> (status: HTTPResponseStatus, body: String) {
        if let dir = getenv("HEALTH_FAIL_DIR").map({ String(cString: $0) }), !dir.isEmpty,
           access("\(dir)/\(getpid())", F_OK) == 0 {
            return (.internalServerError, "failing\n")
        }
        return (.ok, "ok\n")
    }

    /// Binds 127.0.0.1:`$SWIFTPM2_HEALTH_PORT` and hands its connections to `serve` (the same
    /// HTTP pipeline as the app's port); nil when the variable is not set. Exits the process
    /// when the port cannot be bound, as for the app's own port: a health endpoint that is not
    /// there would only be found out by failing checks.
    static func startIfAsked(serve: @escaping @Sendable (Worker.AcceptLoop.Connection) -> Void) -> Worker.AcceptLoop? {
        guard let text = getenv("SWIFTPM2_HEALTH_PORT").map({ String(cString: $0) }) else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            fail("SWIFTPM2_HEALTH_PORT=\(text) is not a port")
        }
        do {
            let listener = try Worker.listen(host: "127.0.0.1", port: port)
            let loop = try Worker.AcceptLoop.start(listener: listener, handler: serve)
            write("example-server pid \(getpid()): /health on 127.0.0.1:\(port)\n")
            return loop
        } catch {
            fail("health endpoint: \(error)")
        }
    }

    private static func fail(_ text: String) -> Never {
        write("example-server: \(text)\n")
        exit(1)
    }

    private static func write(_ text: String) {
        _ = text.withCString { Glibc.write(1, $0, strlen($0)) }
    }
}
