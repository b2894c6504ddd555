import Yams

/// Reads YAML with Yams (libyaml) into an ``EcosystemValue`` and a ``SourceMap``.
///
/// Plain scalars are typed by the YAML 1.2 core schema, as js-yaml (what PM2 uses) does:
/// `yes`/`on` stay strings, quoted scalars are always strings, `<<` merge keys are applied.
/// Yams is asked to leave plain scalars untyped (a resolver with one catch-all rule), so an
/// explicit `!!str 123` is still told apart from a plain `123`.
struct YAMLReader {
    private let source: String
    private let text: String
    private var map = SourceMap()
    private var nodeBudget = 1_000_000

    /// The tag Yams gives every untagged plain scalar under ``resolver``.
    static let plainTag = Tag.Name(rawValue: "tag:swiftpm2,2025:plain")
    // The pattern is a constant that compiles; `try!` cannot fail here.
    static let resolver = Resolver.basic.appending(try! Resolver.Rule(plainTag, "^"))

    private init(source: String, text: String) {
        self.source = source
        self.text = text
    }

    /// Parses one YAML document (valid UTF-8 is checked by the caller); empty input is `null`.
    static func parse(_ text: String, source: String) throws(EcosystemError) -> (EcosystemValue, SourceMap) {
        var reader = YAMLReader(source: source, text: text)
        let root: Node?
        do {
            root = try Parser(yaml: text, resolver: resolver).singleRoot()
        } catch let error as YamlError {
            throw EcosystemError(YAMLErrorMapping.issue(for: error, text: text, source: source))
        } catch {
            throw EcosystemError(EcosystemIssue(source: source, path: "", message: "\(error)"))
        }
        guard let root else { return (.null, reader.map) }
        let value = try reader.convert(root, path: "")
        return (value, reader.map)
    }

    private mutating func convert(_ node: Node, path: String) throws(EcosystemError) -> EcosystemValue {
        nodeBudget -= 1
        if nodeBudget < 0 {
            throw EcosystemError(issue(node.mark, "the document expands to too many nodes (aliases?)"))
        }
        if let mark = node.mark { map.values[path] = SourcePosition(line: mark.line, column: mark.column) }
        switch node {
        case .scalar(let scalar):
            return try YAMLScalars.value(of: scalar, source: source)
        case .sequence(let sequence):
            try checkCollectionTag(sequence.tag.rawValue, allowed: Tag.Name.seq.rawValue, node.mark)
            var items: [EcosystemValue] = []
            for child in sequence {
                items.append(try convert(child, path: JSONPath.index(path, items.count)))
            }
            return .array(items)
        case .mapping(let mapping):
            try checkCollectionTag(mapping.tag.rawValue, allowed: Tag.Name.map.rawValue, node.mark)
            return try convertMapping(mapping, path: path)
        case .alias:
            // Yams resolves aliases to the anchored node while composing; none remain.
            throw EcosystemError(issue(node.mark, "unresolved YAML alias"))
        }
    }

    private mutating func convertMapping(_ mapping: Node.Mapping, path: String) throws(EcosystemError) -> EcosystemValue {
        var pairs: [(key: String, value: EcosystemValue)] = []
        var seen: [String: SourcePosition] = [:]
        var merges: [Node] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw EcosystemError(issue(keyNode.mark, "keys must be strings, not \(keyNode.mapping != nil ? "mappings" : "sequences")"))
            }
            if keyScalar.string == "<<", keyScalar.tag.rawValue == YAMLReader.plainTag.rawValue {
                merges.append(valueNode)
                continue
            }
            let key = keyScalar.string
            let keyAt = keyNode.mark.map { SourcePosition(line: $0.line, column: $0.column) }
            if let first = seen[key] {
                throw EcosystemError(issue(keyNode.mark, "duplicate key \"\(key)\" (first at \(first))", hint: "keep one of them"))
            }
            seen[key] = keyAt ?? SourcePosition(line: 0, column: 0)
            let childPath = JSONPath.key(path, key)
            if let keyAt { map.keys[childPath] = keyAt }
            pairs.append((key: key, value: try convert(valueNode, path: childPath)))
        }
        // `<<: *base` (or a list of them): keys not given here come from the merged
        // mappings, earlier ones first, as YAML's merge key type says.
        for merge in merges {
            let sources: [Node] = merge.sequence.map { Array($0) } ?? [merge]
            for sourceNode in sources {
                guard let sourceMapping = sourceNode.mapping else {
                    throw EcosystemError(issue(sourceNode.mark, "`<<` merges mappings only"))
                }
                for (keyNode, valueNode) in sourceMapping {
                    guard let key = keyNode.scalar?.string, seen[key] == nil else { continue }
                    seen[key] = SourcePosition(line: 0, column: 0)
                    let childPath = JSONPath.key(path, key)
                    if let mark = keyNode.mark { map.keys[childPath] = SourcePosition(line: mark.line, column: mark.column) }
                    pairs.append((key: key, value: try convert(valueNode, path: childPath)))
                }
            }
        }
        return .object(pairs)
    }

    private func checkCollectionTag(_ tag: String, allowed: String, _ mark: Mark?) throws(EcosystemError) {
        guard tag.isEmpty || tag == allowed || tag == "!" || tag == YAMLReader.plainTag.rawValue else {
            throw EcosystemError(issue(mark, "unsupported YAML tag `\(tag)`"))
        }
    }

    private func issue(_ mark: Mark?, _ message: String, hint: String? = nil) -> EcosystemIssue {
        EcosystemIssue(source: source, line: mark?.line, column: mark?.column, path: "", message: message, hint: hint)
    }
}
