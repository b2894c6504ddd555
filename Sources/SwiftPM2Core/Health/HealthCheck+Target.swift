/// Which port each process's checks reach.
///
/// With `health.port` (the base), a process of instance `i` normally serves its health endpoint
/// on `base + i`. A rolling reload (or a graceful recycle) starts the replacement of instance
/// `i` while the old process still holds `base + i`, so the replacement gets a spare port: the
/// lowest from `base + instances` up that no process of the app holds. Every process learns its
/// port from `SWIFTPM2_HEALTH_PORT` and keeps it for its life; the next process of that slot
/// gets `base + i` again once it is free. So at most `2 × instances` ports from the base are
/// in use, and only while replacements overlap.
extension HealthCheck {
    /// The health port for a new process of instance `index`, given the ports that live
    /// processes of the app hold (`taken`); nil without `health.port`, or when the ports
    /// would run past 65535.
    public func assignPort(index: Int, instances: Int, taken: Set<Int>) -> Int? {
        guard let base = port else { return nil }
        let preferred = base + index
        if preferred <= 65535, !taken.contains(preferred) { return preferred }
        var spare = base + max(instances, index + 1)
        while spare <= 65535 {
            if !taken.contains(spare) { return spare }
            spare += 1
        }
        return nil
    }

    /// What a process with health port `assignedPort` gets in its environment:
    /// `SWIFTPM2_HEALTH_PORT`, or nothing without a port of its own.
    public func environment(assignedPort: Int?) -> [String: String] {
        assignedPort.map { [HealthCheck.portVariable: String($0)] } ?? [:]
    }

    /// Where a check of a process reaches: its own health port on 127.0.0.1, else the app's
    /// port (see ``appTarget(of:)``); nil for a `command` check without either, or for an
    /// `http`/`tcp` check of an app with no port (the validator refuses that).
    public func target(assignedPort: Int?, spec: AppSpec) -> HealthTarget? {
        if let assignedPort { return HealthTarget(host: HealthCheck.host, port: assignedPort) }
        return HealthCheck.appTarget(of: spec)
    }

    /// Where the app itself listens, as the daemon tells it: `PORT` from its `env` on
    /// 127.0.0.1, else the first `tcp://` address of `listen` (which `port` adds to), with a
    /// wildcard host (`0.0.0.0`, `[::]`) replaced by loopback.
    public static func appTarget(of spec: AppSpec) -> HealthTarget? {
        if let text = spec.env["PORT"] {
            guard let port = Int(text.trimmingSpaces), (1...65535).contains(port) else { return nil }
            return HealthTarget(host: host, port: port)
        }
        for address in spec.listen where address.hasPrefix("tcp://") {
            let rest = address.dropFirst(6)
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) else { continue }
            var hostPart = String(rest[..<colon])
            if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = String(hostPart.dropFirst().dropLast()) }
            switch hostPart {
            case "0.0.0.0", "": hostPart = host
            case "::": hostPart = "::1"
            default: break
            }
            return HealthTarget(host: hostPart, port: port)
        }
        return nil
    }
}
