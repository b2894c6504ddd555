/// The one error shape of the control API: `{"error":{"code":"...","message":"..."}}`.
public struct APIError: Error, Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public var error: Body

    public init(_ code: Code, _ message: String) {
        self.error = Body(code: code.rawValue, message: message)
    }

    public var code: String { error.code }
    public var message: String { error.message }

    /// Error codes, each with its HTTP status.
    public enum Code: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case invalidEcosystem = "invalid_ecosystem"
        case notFound = "not_found"
        case conflict = "conflict"
        case tooLarge = "too_large"
        case forbidden = "forbidden"
        case methodNotAllowed = "method_not_allowed"
        case spawnFailed = "spawn_failed"
        case internalError = "internal"

        public var httpStatus: Int {
            switch self {
            case .badRequest, .invalidEcosystem: return 400
            case .forbidden: return 403
            case .notFound: return 404
            case .methodNotAllowed: return 405
            case .conflict: return 409
            case .tooLarge: return 413
            case .spawnFailed: return 422
            case .internalError: return 500
            }
        }
    }
}
