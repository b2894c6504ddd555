/// Checks and normalizes the `listen` addresses the daemon binds for cluster mode.
enum ListenAddress {
    static let what = "an address like \"tcp://0.0.0.0:3000\", \"tcp://[::1]:3000\" or \"unix:/run/app.sock\""

    /// The longest Unix socket path (`sun_path` holds 108 bytes with the final NUL).
    static let maxUnixPathBytes = 107

    /// `tcp://HOST:PORT` (IPv6 hosts in brackets) or `unix:/path`; a relative Unix path is
    /// made absolute against `baseDirectory`, and `unix:@name` (Linux abstract) is kept.
    static func normalize(_ text: String, baseDirectory: String) throws(ValueProblem) -> String {
        if text.hasPrefix("unix:") {
            var path = String(text.dropFirst(5))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // unix:///run/x.sock
            guard !path.isEmpty else { throw ValueProblem("`\(text)` has no socket path", hint: "write unix:/run/app.sock") }
            if path.hasPrefix("@") { return "unix:" + path }
            let absolute = PathResolution.resolve(path, against: baseDirectory)
            guard absolute.utf8.count <= maxUnixPathBytes else {
                throw ValueProblem("the socket path \(absolute) is longer than \(maxUnixPathBytes) bytes", hint: "Unix sockets need a shorter path")
            }
            return "unix:" + absolute
        }
        guard text.hasPrefix("tcp://") else {
            throw .expected(what, got: .string(text))
        }
        let rest = text.dropFirst(6)
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw ValueProblem("`\(text)`: an IPv6 host is written [::1]:PORT")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" || $0.isLetter || $0.isNumber }) else {
                throw ValueProblem("`\(text)`: `\(host)` is not an IPv6 address")
            }
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                throw ValueProblem("`\(text)` has no port", hint: "write tcp://HOST:PORT")
            }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
            guard !host.isEmpty else { throw ValueProblem("`\(text)` has no host", hint: "write tcp://0.0.0.0:PORT for all interfaces") }
            guard !host.contains(":") else { throw ValueProblem("`\(text)`: write an IPv6 host in brackets, like tcp://[::1]:PORT") }
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }) else {
                throw ValueProblem("`\(text)`: `\(host)` is not a host name or address")
            }
        }
        guard let port = Int(portText), (1...65535).contains(port), portText.allSatisfy(\.isASCIIDigit) else {
            throw ValueProblem("`\(text)`: the port must be 1...65535")
        }
        return text
    }
}
