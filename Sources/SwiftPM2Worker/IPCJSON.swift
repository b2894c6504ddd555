extension Worker {
    /// A JSON value: what ``Worker/IPC`` messages, actions and pongs carry.
    ///
    /// Literals build one directly:
    ///
    /// ```swift
    /// let data: Worker.JSON = ["rotated": true, "keys": [1, 2], "note": nil]
    /// let pid = Worker.JSON(getpid())
    /// ```
    ///
    /// Numbers are `Double`s, as in JavaScript: integers beyond ±2^53 lose precision. An
    /// object's keys are unordered; its text has them sorted. Encodes and decodes with any
    /// `Codable` coder as the same JSON.
    public enum JSON: Sendable, Hashable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSON])
        case object([String: JSON])

        /// A number from any integer (a pid, a count).
        public init(_ value: some BinaryInteger) { self = .number(Double(value)) }
        /// A number.
        public init(_ value: Double) { self = .number(value) }
        /// A string.
        public init(_ value: String) { self = .string(value) }
        /// A boolean.
        public init(_ value: Bool) { self = .bool(value) }

        /// The member `key` of an object; nil when there is none or this is not an object.
        public subscript(key: String) -> JSON? {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }

        /// The element at `index` of an array; nil when out of range or this is not an array.
        public subscript(index: Int) -> JSON? {
            guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
            return elements[index]
        }

        /// True for `null`.
        public var isNull: Bool { self == .null }

        /// The boolean, when this is one.
        public var boolValue: Bool? {
            guard case .bool(let value) = self else { return nil }
            return value
        }

        /// The number, when this is one.
        public var doubleValue: Double? {
            guard case .number(let value) = self else { return nil }
            return value
        }

        /// The number, when this is one with no fraction that fits an `Int`.
        public var intValue: Int? {
            guard case .number(let value) = self else { return nil }
            return Int(exactly: value)
        }

        /// The string, when this is one.
        public var stringValue: String? {
            guard case .string(let value) = self else { return nil }
            return value
        }

        /// The elements, when this is an array.
        public var arrayValue: [JSON]? {
            guard case .array(let value) = self else { return nil }
            return value
        }

        /// The members, when this is an object.
        public var objectValue: [String: JSON]? {
            guard case .object(let value) = self else { return nil }
            return value
        }
    }
}

extension Worker.JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Worker.JSON...) { self = .array(elements) }

    /// An object; of repeated keys the last one counts.
    public init(dictionaryLiteral elements: (String, Worker.JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}

extension Worker.JSON: CustomStringConvertible {
    /// The compact JSON text (object keys sorted).
    public var description: String { String(decoding: serialized(), as: UTF8.self) }
}

extension Worker.JSON: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([Worker.JSON].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: Worker.JSON].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
