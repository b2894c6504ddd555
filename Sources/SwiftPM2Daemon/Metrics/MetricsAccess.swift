import NIOHTTP1

/// Decides what the metrics listener answers to a request head; pure, so that every case is
/// unit-tested without a socket.
///
/// The token is checked before the path and the method, so that a client without it learns
/// nothing about what is served.
struct MetricsAccess: Sendable {
    let token: MetricsToken

    func reply(to head: HTTPRequestHead) -> MetricsReply {
        let length = head.headers["Content-Length"]
        if !head.headers["Transfer-Encoding"].isEmpty || length.contains(where: { $0.trimmingASCIISpaces != "0" }) {
            return .bodyNotAllowed
        }
        guard authorized(head.headers["Authorization"]) else { return .unauthorized }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else { return .notFound }
        guard head.method == .GET else { return .methodNotAllowed }
        return .metrics
    }

    /// Exactly one `Authorization` header, `Bearer` (any case), one or more spaces, the token.
    private func authorized(_ values: [String]) -> Bool {
        guard values.count == 1 else { return false }
        let value = Array(values[0].utf8)
        let scheme = Array("bearer ".utf8)
        guard value.count > scheme.count,
              zip(value, scheme).allSatisfy({ ((0x41...0x5A).contains($0) ? $0 + 0x20 : $0) == $1 }) else { return false }
        let credentials = value.dropFirst(scheme.count).drop { $0 == 0x20 }
        let trimmed = credentials.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        return token.matches(trimmed)
    }
}

private extension String {
    var trimmingASCIISpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}
