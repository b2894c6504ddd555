/// Where the metrics listener listens: `127.0.0.1:PORT` or `[::1]:PORT`, nothing else.
///
/// Only loopback: the endpoint has no TLS, and whoever scrapes from another machine should go
/// through a proxy that adds it. `localhost` is refused too, since it may resolve to either
/// family or to something else entirely.
struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    /// The two loopback addresses accepted.
    enum Host: String, Sendable, Equatable {
        case ipv4 = "127.0.0.1"
        case ipv6 = "::1"
    }

    var host: Host
    /// 1...65535; 0 (a port the kernel picks) only when built in code, for tests.
    var port: Int

    init(host: Host, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9615` or `[::1]:9615`; errors name `setting`.
    init(parsing text: String, setting: String) throws(DaemonError) {
        let shape = "expected 127.0.0.1:PORT or [::1]:PORT (e.g. 127.0.0.1:9615)"
        let hostText: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw DaemonError(message: "\(setting)=\(text): \(shape)", errno: nil)
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw DaemonError(message: "\(setting)=\(text): no port; \(shape)", errno: nil)
            }
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
            if hostText.contains(":") {
                throw DaemonError(message: "\(setting)=\(text): write an IPv6 address in brackets; \(shape)", errno: nil)
            }
        }
        // Brackets around ::1 and only around it.
        guard let host = Host(rawValue: String(hostText)), (host == .ipv6) == text.hasPrefix("[") else {
            let shown = text.hasPrefix("[") ? "[\(hostText)]" : String(hostText)
            throw DaemonError(message: "\(setting)=\(text): the metrics endpoint listens only on loopback, 127.0.0.1 or [::1], not `\(shown)`; put a proxy in front of it to scrape from elsewhere", errno: nil)
        }
        guard portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = Int(portText), (1...65535).contains(port) else {
            throw DaemonError(message: "\(setting)=\(text): the port must be a number from 1 to 65535; \(shape)", errno: nil)
        }
        self.init(host: host, port: port)
    }

    var description: String {
        host == .ipv6 ? "[::1]:\(port)" : "127.0.0.1:\(port)"
    }
}
