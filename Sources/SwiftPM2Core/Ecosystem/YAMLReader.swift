/// Reads YAML (libyaml's event parser, through ``YAMLComposer``) into an ``EcosystemValue``
/// and a ``SourceMap``.
///
/// Plain scalars are typed by the YAML 1.2 core schema, as js-yaml (what PM2 uses) does:
/// `yes`/`on` stay strings, quoted scalars are always strings, `<<` merge keys are applied.
/// An explicit `!!str 123` is still told apart from a plain `123`.
struct YAMLReader {
    private let source: String
    private var map = SourceMap()
    private var nodeBudget = 1_000_000

    private init(source: String) {
        self.source = source
    }

    /// Parses one YAML document (valid UTF-8 is checked by the caller); empty input is `null`.
    static func parse(_ text: String, source: String) throws(EcosystemError) -> (EcosystemValue, SourceMap) {
        var reader = YAMLReader(source: source)
        guard let root = try YAMLComposer.compose(text, source: source) else { return (.null, reader.map) }
        let value = try reader.convert(root, path: "")
        return (value, reader.map)
    }

    private mutating func convert(_ node: YAMLNode, path: String) throws(EcosystemError) -> EcosystemValue {
        nodeBudget -= 1
        if nodeBudget < 0 {
            throw EcosystemError(issue(node.position, "the document expands to too many nodes (aliases?)"))
        }
        map.values[path] = node.position
        switch node {
        case .scalar(let scalar):
            return try YAMLScalars.value(of: scalar, source: source)
        case .sequence(let children, let tag, let position):
            try checkCollectionTag(tag, allowed: "tag:yaml.org,2002:seq", position)
            var items: [EcosystemValue] = []
            for child in children {
                items.append(try convert(child, path: JSONPath.index(path, items.count)))
            }
            return .array(items)
        case .mapping(let pairs, let tag, let position):
            try checkCollectionTag(tag, allowed: "tag:yaml.org,2002:map", position)
            return try convertMapping(pairs, path: path)
        }
    }

    private mutating func convertMapping(_ mapping: [(key: YAMLNode, value: YAMLNode)], path: String) throws(EcosystemError) -> EcosystemValue {
        var pairs: [(key: String, value: EcosystemValue)] = []
        var seen: [String: SourcePosition] = [:]
        var merges: [YAMLNode] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                let what = if case .mapping = keyNode { "mappings" } else { "sequences" }
                throw EcosystemError(issue(keyNode.position, "keys must be strings, not \(what)"))
            }
            if keyScalar.text == "<<", keyScalar.tag == nil {
                merges.append(valueNode)
                continue
            }
            let key = keyScalar.text
            if let first = seen[key] {
                throw EcosystemError(issue(keyScalar.position, "duplicate key \"\(key)\" (first at \(first))", hint: "keep one of them"))
            }
            seen[key] = keyScalar.position
            let childPath = JSONPath.key(path, key)
            map.keys[childPath] = keyScalar.position
            pairs.append((key: key, value: try convert(valueNode, path: childPath)))
        }
        // `<<: *base` (or a list of them): keys not given here come from the merged
        // mappings, earlier ones first, as YAML's merge key type says.
        for merge in merges {
            let sources: [YAMLNode] = if case .sequence(let items, _, _) = merge { items } else { [merge] }
            for sourceNode in sources {
                guard case .mapping(let sourcePairs, _, _) = sourceNode else {
                    throw EcosystemError(issue(sourceNode.position, "`<<` merges mappings only"))
                }
                for (keyNode, valueNode) in sourcePairs {
                    guard case .scalar(let keyScalar) = keyNode, seen[keyScalar.text] == nil else { continue }
                    let key = keyScalar.text
                    seen[key] = SourcePosition(line: 0, column: 0)
                    let childPath = JSONPath.key(path, key)
                    map.keys[childPath] = keyScalar.position
                    pairs.append((key: key, value: try convert(valueNode, path: childPath)))
                }
            }
        }
        return .object(pairs)
    }

    private func checkCollectionTag(_ tag: String?, allowed: String, _ position: SourcePosition) throws(EcosystemError) {
        guard let tag, tag != allowed, tag != "!" else { return }
        throw EcosystemError(issue(position, "unsupported YAML tag `\(tag)`"))
    }

    private func issue(_ position: SourcePosition, _ message: String, hint: String? = nil) -> EcosystemIssue {
        EcosystemIssue(source: source, line: position.line, column: position.column, path: "", message: message, hint: hint)
    }
}
