extension MetricsText {
    /// The registry's text with its families in `MetricFamily` order (unknown names last, by
    /// name) and each family's samples sorted by their bytes.
    ///
    /// The text is split at line feeds, which is safe: a line feed in a label value is escaped
    /// as `\n` and help texts have none. A family is its `# HELP` and `# TYPE` lines and the
    /// samples after them.
    static func ordered(_ text: [UInt8]) -> [UInt8] {
        var families: [Family] = []
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if let name = metadataName(line) {
                if families.last?.name != name || !families[families.count - 1].samples.isEmpty {
                    families.append(Family(name: name))
                }
                families[families.count - 1].metadata.append(line)
            } else if !families.isEmpty {
                families[families.count - 1].samples.append(line)
            } else {
                families.append(Family(name: [], samples: [line]))
            }
        }
        families.sort { a, b in a.rank != b.rank ? a.rank < b.rank : a.name.lexicographicallyPrecedes(b.name) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for family in families {
            for line in family.metadata + family.samples.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                out += line
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    private struct Family {
        var name: [UInt8]
        var metadata: [ArraySlice<UInt8>] = []
        var samples: [ArraySlice<UInt8>] = []
        /// Position in `MetricFamily.allCases`; unknown names after all of them.
        let rank: Int

        init(name: [UInt8], samples: [ArraySlice<UInt8>] = []) {
            self.name = name
            self.samples = samples
            let text = String(decoding: name, as: UTF8.self)
            rank = MetricFamily.allCases.firstIndex { $0.name == text } ?? MetricFamily.allCases.count
        }
    }

    /// The metric name of a `# HELP name ...` or `# TYPE name ...` line.
    private static func metadataName(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        let prefixes: [[UInt8]] = [Array("# HELP ".utf8), Array("# TYPE ".utf8)]
        guard let prefix = prefixes.first(where: { line.starts(with: $0) }) else { return nil }
        return Array(line.dropFirst(prefix.count).prefix { $0 != UInt8(ascii: " ") })
    }
}
