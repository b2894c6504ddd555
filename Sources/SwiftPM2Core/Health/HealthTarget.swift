/// Where an `http` or `tcp` check connects.
public struct HealthTarget: Sendable, Equatable, CustomStringConvertible {
    /// A numeric address (`127.0.0.1`, `::1`) or a host name from `listen`.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:9100`, `[::1]:9100`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
