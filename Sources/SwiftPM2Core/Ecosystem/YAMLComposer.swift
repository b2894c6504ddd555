import CYAML

/// A scalar as written: its text, its tag and where it starts.
struct YAMLScalar {
    /// `nil` for an untagged plain scalar (typed by the core schema); quoted untagged scalars
    /// and the non-specific `!` carry ``YAMLScalars/strTag``; else the explicit tag, expanded.
    var tag: String?
    var text: String
    var position: SourcePosition
}

/// A composed YAML node; an alias is already the node its anchor names (position included).
indirect enum YAMLNode {
    case scalar(YAMLScalar)
    /// `tag` is nil when implicit, else as written (expanded), e.g. `!` or `tag:yaml.org,2002:seq`.
    case sequence([YAMLNode], tag: String?, position: SourcePosition)
    case mapping([(key: YAMLNode, value: YAMLNode)], tag: String?, position: SourcePosition)

    var position: SourcePosition {
        switch self {
        case .scalar(let scalar): return scalar.position
        case .sequence(_, _, let position), .mapping(_, _, let position): return position
        }
    }
}

/// Builds the node tree of a one-document YAML stream from libyaml's events.
///
/// Composing the whole document before typing anything keeps syntax errors (anywhere in the
/// file) ahead of type errors, and aliases cheap: an alias shares its anchor's node, the
/// expansion (and its node budget) is ``YAMLReader``'s.
struct YAMLComposer: ~Copyable {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let text: String
    private let source: String
    private var anchors: [String: YAMLNode] = [:]
    private var depth = 0

    /// Deepest nesting accepted. Debian's libyaml 0.2.5 has no limit of its own (the copy
    /// Yams bundled stopped near 1,000), and composing recurses: this keeps the stack safe.
    static let maxDepth = 1_000

    private init(parser: UnsafeMutablePointer<yaml_parser_t>, text: String, source: String) {
        self.parser = parser
        self.text = text
        self.source = source
    }

    /// The root of the only document in `text`, or nil when the stream holds none.
    static func compose(_ text: String, source: String) throws(EcosystemError) -> YAMLNode? {
        let utf8 = text.utf8
        // libyaml asserts a non-NULL input, so never allocate zero bytes.
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        defer { input.deallocate() }
        _ = input.initialize(from: utf8)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw EcosystemError(EcosystemIssue(source: source, path: "", message: "Memory error"))
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, utf8.count)
        var composer = YAMLComposer(parser: parser, text: text, source: source)
        return try composer.singleDocument()
    }

    private enum Event {
        case streamEnd, other
        case alias(anchor: String)
        case scalar(YAMLScalar, anchor: String?)
        case sequenceStart(tag: String?, anchor: String?)
        case mappingStart(tag: String?, anchor: String?)
        case collectionEnd
    }

    private mutating func singleDocument() throws(EcosystemError) -> YAMLNode? {
        _ = try next()  // stream start
        guard case (.other, _) = try next() else { return nil }  // document start, or stream end
        let root = try node(from: next())
        _ = try next()  // document end
        let (event, position) = try next()
        if case .streamEnd = event { return root }
        throw EcosystemError(YAMLErrorMapping.issue(
            problem: "but found another document",
            context: (text: "expected a single document in the stream", position: SourcePosition(line: 1, column: 1)),
            at: position, text: text, source: source))
    }

    private mutating func node(from first: (Event, SourcePosition)) throws(EcosystemError) -> YAMLNode {
        let (event, position) = first
        switch event {
        case .alias(let anchor):
            guard let node = anchors[anchor] else {
                throw EcosystemError(YAMLErrorMapping.issue(
                    problem: "found undefined alias", context: nil, at: position, text: text, source: source))
            }
            return node
        case .scalar(let scalar, let anchor):
            let node = YAMLNode.scalar(scalar)
            if let anchor { anchors[anchor] = node }
            return node
        case .sequenceStart(let tag, let anchor):
            try enter(position)
            var items: [YAMLNode] = []
            while true {
                let next = try next()
                if case .collectionEnd = next.0 { break }
                items.append(try node(from: next))
            }
            depth -= 1
            let node = YAMLNode.sequence(items, tag: tag, position: position)
            if let anchor { anchors[anchor] = node }
            return node
        case .mappingStart(let tag, let anchor):
            try enter(position)
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            while true {
                let next = try next()
                if case .collectionEnd = next.0 { break }
                let key = try node(from: next)
                pairs.append((key: key, value: try node(from: self.next())))
            }
            depth -= 1
            try checkDuplicates(pairs)
            let node = YAMLNode.mapping(pairs, tag: tag, position: position)
            if let anchor { anchors[anchor] = node }
            return node
        case .streamEnd, .other, .collectionEnd:
            // libyaml's grammar puts a node here; anything else is a libyaml bug.
            throw EcosystemError(YAMLErrorMapping.issue(
                problem: "unexpected YAML event", context: nil, at: position, text: text, source: source))
        }
    }

    private mutating func enter(_ position: SourcePosition) throws(EcosystemError) {
        depth += 1
        if depth > YAMLComposer.maxDepth {
            throw EcosystemError(EcosystemIssue(
                source: source, line: position.line, column: position.column, path: "",
                message: "nesting deeper than \(YAMLComposer.maxDepth) levels"))
        }
    }

    /// Scalar keys that are equal in text and resolved tag (`a` and `"a"` differ here; the
    /// reader catches those). Reports the smallest such key, at its second occurrence.
    private func checkDuplicates(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(EcosystemError) {
        struct Key: Hashable { var text: String; var tag: String? }
        var firsts: [Key: SourcePosition] = [:]
        var found: (key: String, first: SourcePosition, second: SourcePosition)?
        for pair in pairs {
            guard case .scalar(let scalar) = pair.key else { continue }
            let key = Key(text: scalar.text, tag: scalar.tag)
            guard let first = firsts[key] else {
                firsts[key] = scalar.position
                continue
            }
            if found.map({ scalar.text < $0.key }) ?? true {
                found = (key: scalar.text, first: first, second: scalar.position)
            }
        }
        if let found {
            throw EcosystemError(EcosystemIssue(
                source: source, line: found.second.line, column: found.second.column, path: "",
                message: "duplicate key \"\(found.key)\" (first at \(found.first))", hint: "keep one of them"))
        }
    }

    /// The next event, copied out of libyaml's and freed.
    private mutating func next() throws(EcosystemError) -> (Event, SourcePosition) {
        var event = yaml_event_t()
        defer { yaml_event_delete(&event) }
        guard yaml_parser_parse(parser, &event) == 1 else {
            throw EcosystemError(YAMLErrorMapping.issue(for: parser, text: text, source: source))
        }
        let position = SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return (.streamEnd, position)
        case YAML_ALIAS_EVENT:
            return (.alias(anchor: Self.string(event.data.alias.anchor) ?? ""), position)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = data.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self) } ?? ""
            var tag = Self.string(data.tag)
            if data.quoted_implicit != 0 || tag == "!" { tag = YAMLScalars.strTag }
            return (.scalar(YAMLScalar(tag: tag, text: text, position: position), anchor: Self.string(data.anchor)), position)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            return (.sequenceStart(tag: data.implicit != 0 ? nil : Self.string(data.tag), anchor: Self.string(data.anchor)), position)
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            return (.mappingStart(tag: data.implicit != 0 ? nil : Self.string(data.tag), anchor: Self.string(data.anchor)), position)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            return (.collectionEnd, position)
        default:
            return (.other, position)
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
