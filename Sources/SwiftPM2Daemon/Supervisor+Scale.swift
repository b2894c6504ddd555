import Glibc
import SwiftPM2Core

extension Supervisor {
    /// Changes the number of instances live: new ones are started (and, in cluster mode,
    /// accept on the same sockets at once); surplus ones, highest numbers first, are stopped
    /// gracefully while the others keep serving.
    public func scale(_ selector: AppSelector, to target: ScaleTarget) async throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        var failures: [String] = []
        for id in ids {
            guard let app = apps[id] else { continue }
            let current = app.instances.count
            let wanted = target.resolve(current: current)
            if wanted > current {
                if perSlotSockets(app.spec) && app.spec.execMode == .cluster && !app.spec.listen.isEmpty {
                    do throws(DaemonError) {
                        let missing = wanted - (apps[id]?.slotSockets.count ?? wanted)
                        apps[id]?.slotSockets += try bindSlots(app.spec, count: max(0, missing))
                    } catch {
                        throw APIError(.conflict, "\(app.spec.name): \(error.description)")
                    }
                }
                for index in current..<wanted {
                    var spec = app.spec
                    spec.instances = .count(wanted)
                    apps[id]?.spec = spec
                    apps[id]?.instances.append(ManagedInstance(
                        index: index, spec: spec,
                        logs: LogPaths.resolve(spec, index: index, instanceCount: wanted, logsDirectory: home.logsDirectory)))
                    if let error = launch(InstanceRef(appID: id, index: index), isRestart: false) {
                        failures.append("\(spec.name)[\(index)]: \(error)")
                    }
                }
            } else if wanted < current {
                let surplus = (wanted..<current).map { InstanceRef(appID: id, index: $0) }
                await drain(slots: wanted..<current, of: id)
                var waits: [InstanceRef] = []
                for ref in surplus where beginStop(ref) { waits.append(ref) }
                for ref in waits { await waitStopped(ref) }
                // Re-check after the awaits: only drop the tail if it is still ours to drop.
                guard var now = apps[id] else { continue }
                if now.instances.count == current {
                    now.instances.removeLast(current - wanted)
                    // A slot's sockets go with its instance (roundrobin drained them first;
                    // with reuseport, connections still queued there are reset).
                    while now.slotSockets.count > wanted { now.slotSockets.removeLast().forEach { $0.close() } }
                    now.drainingSlots.subtract(wanted..<current)
                    now.spec.instances = .count(wanted)
                    apps[id] = now
                }
                refreshSteering(id)
            }
            publishScale(id, from: current, to: apps[id]?.instances.count ?? wanted)
        }
        if !failures.isEmpty { throw APIError(.spawnFailed, failures.joined(separator: "; ")) }
        return ids.compactMap { apps[$0].map(info) }
    }

    private func publishScale(_ id: Int, from: Int, to: Int) {
        guard let app = apps[id], from != to else { return }
        bus.publish(Event(atMs: wallClockMs(), app: app.spec.name, appId: id, instance: nil, pid: nil,
                          kind: "scale", state: nil, message: "scaled from \(from) to \(to) instances"))
        logger.info("\(app.spec.name): scaled from \(from) to \(to) instances")
        if notifier.isEnabled { notifier.status(summary()) }
    }
}
