import Glibc
import SwiftPM2Core

/// `signal` and `flush`: small actions on running apps.
extension Supervisor {
    /// Sends `signal` to the main process of each running instance of the selected apps
    /// (as `pm2 sendSignal`; use `stop` for the whole group). Returns the apps.
    public func signal(_ selector: AppSelector, _ signal: Int32) throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        var sent = 0
        for id in ids {
            guard let app = apps[id] else { continue }
            for inst in app.instances {
                guard let pid = inst.pid, kill(pid, signal) == 0 else { continue }
                sent += 1
                publish(InstanceRef(appID: id, index: inst.index), kind: "signal", "sent \(signalName(signal))")
            }
        }
        if sent == 0 { throw APIError(.conflict, "no running instance to signal in `\(selector)`") }
        return ids.compactMap { apps[$0].map(info) }
    }

    /// Empties the log files of the selected apps (`flush`); the instances keep writing to them
    /// (they append). Returns the files emptied.
    public func flush(_ selector: AppSelector) throws(APIError) -> [String] {
        var files: Set<String> = []
        for id in try resolve(selector) {
            guard let app = apps[id] else { continue }
            for inst in app.instances { files.formUnion([inst.logs.out, inst.logs.err].filter { $0 != "/dev/null" }) }
        }
        var emptied: [String] = []
        for path in files.sorted() where truncate(path, 0) == 0 { emptied.append(path) }
        return emptied
    }
}
