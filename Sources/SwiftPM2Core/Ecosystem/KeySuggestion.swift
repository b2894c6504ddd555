/// Finds the known key closest to a misspelt one, for "did you mean `instances`?".
enum KeySuggestion {
    /// The best of `candidates` for `key`: same letters ignoring case and `_`/`-`, else
    /// edit distance ≤ 2 (transpositions count once), else a shared prefix of four or more.
    static func closest(to key: String, in candidates: [String]) -> String? {
        let folded = fold(key)
        if let same = candidates.first(where: { fold($0) == folded }) { return same }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let d = distance(Array(folded), Array(fold(candidate)))
            let limit = min(2, max(1, folded.count / 3))
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        if let best { return best.candidate }
        guard folded.count >= 4 else { return nil }
        return candidates
            .filter { fold($0).hasPrefix(folded) || (folded.hasPrefix(fold($0)) && $0.count >= 4) }
            .min { $0.count < $1.count }
    }

    /// "did you mean `x`?" or nil.
    static func hint(for key: String, in candidates: [String]) -> String? {
        closest(to: key, in: candidates).map { "did you mean `\($0)`?" }
    }

    private static func fold(_ s: String) -> String {
        String(s.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal string alignment distance (Damerau-Levenshtein without repeated edits).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
