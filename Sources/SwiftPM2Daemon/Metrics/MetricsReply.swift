import NIOHTTP1

/// What the metrics listener answers to one request (decided by `MetricsAccess`).
enum MetricsReply: Equatable, Sendable {
    /// `200` with the exposition text.
    case metrics
    /// `401`: no `Authorization: Bearer` header, or another token.
    case unauthorized
    /// `404`: a path other than `/metrics`.
    case notFound
    /// `405`: a method other than `GET` on `/metrics`.
    case methodNotAllowed
    /// `413`: the request announces a body.
    case bodyNotAllowed

    var status: HTTPResponseStatus {
        switch self {
        case .metrics: .ok
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .bodyNotAllowed: .payloadTooLarge
        }
    }

    /// Headers besides `Content-Type`, `Content-Length` and `Connection`.
    var extraHeaders: [(String, String)] {
        switch self {
        case .unauthorized: [("WWW-Authenticate", "Bearer")]
        case .methodNotAllowed: [("Allow", "GET")]
        default: []
        }
    }

    /// The plain-text body of a refusal (one sentence); `.metrics` has the rendered text instead.
    var message: String {
        switch self {
        case .metrics: ""
        case .unauthorized: "unauthorized: send Authorization: Bearer TOKEN (SWIFTPM2_METRICS_TOKEN or $SWIFTPM2_HOME/metrics.token)\n"
        case .notFound: "not found: only /metrics is served here\n"
        case .methodNotAllowed: "method not allowed: use GET\n"
        case .bodyNotAllowed: "a request to /metrics may not have a body\n"
        }
    }
}
