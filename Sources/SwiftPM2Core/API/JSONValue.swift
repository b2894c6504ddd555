/// Any JSON value: what instances and clients exchange as message data (docs/messages.md).
public enum JSONValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Compact JSON text (keys sorted).
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .string(let s): return Self.quote(s)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { Self.quote($0) + ":" + o[$0]!.description }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// An instance's side of the message channel, as `describe` and `jlist` show it.
public struct IPCInfo: Codable, Sendable, Equatable {
    /// The actions it declared (`actions` message).
    public var actions: [String]
    /// Its last `pong`, and when it came (wall clock, ms).
    public var lastPong: JSONValue?
    public var lastPongAtMs: Int64?
    /// Pings sent since the last pong.
    public var missedPings: Int
    public var received: Int
    public var sent: Int
    /// Messages to it dropped because its queue was full (it does not read).
    public var dropped: Int
    /// Lines from it that were not a JSON object or too long.
    public var malformed: Int

    public init(actions: [String] = [], lastPong: JSONValue? = nil, lastPongAtMs: Int64? = nil, missedPings: Int = 0,
                received: Int = 0, sent: Int = 0, dropped: Int = 0, malformed: Int = 0) {
        self.actions = actions
        self.lastPong = lastPong
        self.lastPongAtMs = lastPongAtMs
        self.missedPings = missedPings
        self.received = received
        self.sent = sent
        self.dropped = dropped
        self.malformed = malformed
    }
}

/// `POST /v1/apps/{sel}/send` and `/trigger`: which instance answered what.
public struct IPCResult: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var app: String
        public var instance: Int
        public var pid: Int32?
        /// The reply's data (trigger), or nil.
        public var data: JSONValue?
        /// Why there is no reply, or the error the instance answered.
        public var reason: String?

        public init(app: String, instance: Int, pid: Int32?, data: JSONValue? = nil, reason: String? = nil) {
            self.app = app
            self.instance = instance
            self.pid = pid
            self.data = data
            self.reason = reason
        }
    }

    /// send: the instances it went to; trigger: the replies.
    public var done: [Entry]
    /// Instances it did not reach or that did not answer, with the reason.
    public var missing: [Entry]

    public init(done: [Entry] = [], missing: [Entry] = []) {
        self.done = done
        self.missing = missing
    }
}
