import Glibc
import SwiftPM2Core

extension Supervisor {
    /// Converges the running set to a document, idempotently: new apps start, changed apps
    /// reload (cluster) or restart (fork), a changed instance count scales, unchanged apps are
    /// left alone, and with `prune` apps that are not in the document are deleted.
    /// A change of `listen`, `balance` or `exec_mode` needs new sockets: that app is replaced (delete,
    /// then start).
    public func apply(_ specs: [AppSpec], prune: Bool) async throws(APIError) -> ApplyResult {
        var result = ApplyResult()
        var toStart: [AppSpec] = []
        for spec in specs {
            guard let existing = app(named: spec.name), !existing.isFullyStopped else {
                toStart.append(spec)
                continue
            }
            let id = existing.id
            let oldCount = existing.instances.count
            let newCount = spec.instances.resolve(cores: cores)
            if Self.sameIgnoringCount(existing.spec, spec) {
                if oldCount != newCount {
                    _ = try await scale(.id(id), to: .exactly(newCount))
                    result.scaled.append(spec.name)
                } else {
                    result.unchanged.append(spec.name)
                }
                continue
            }
            if existing.spec.listen != spec.listen || existing.spec.execMode != spec.execMode
                || existing.spec.balance != spec.balance {
                _ = try await delete(.id(id))
                toStart.append(spec)
                result.restarted.append(spec.name)
                continue
            }
            // Fewer instances: remove first, so that fewer are replaced. More: add after the
            // replacement, so that the added ones start with the new settings too.
            if newCount < oldCount { _ = try await scale(.id(id), to: .exactly(newCount)) }
            adopt(spec, into: id)
            if spec.execMode == .cluster {
                _ = try await reload(.id(id))
                result.reloaded.append(spec.name)
            } else {
                _ = try await restart(.id(id))
                result.restarted.append(spec.name)
            }
            if newCount > oldCount { _ = try await scale(.id(id), to: .exactly(newCount)) }
            await armTriggers(id)
        }
        if !toStart.isEmpty {
            let list = try start(toStart)
            result.warnings += list.warnings
            result.started += toStart.map(\.name).filter { !result.restarted.contains($0) }
        }
        if prune {
            let wanted = Set(specs.map(\.name))
            for id in order where !(apps[id].map { wanted.contains($0.spec.name) } ?? true) {
                let name = apps[id]?.spec.name ?? ""
                _ = try await delete(.id(id))
                result.deleted.append(name)
            }
        }
        result.apps = specs.compactMap { spec in app(named: spec.name).map(info) }
        return result
    }

    /// Equal apart from the instance count.
    static func sameIgnoringCount(_ a: AppSpec, _ b: AppSpec) -> Bool {
        var a = a
        var b = b
        a.instances = .count(1)
        b.instances = .count(1)
        return a == b
    }

    /// Takes a changed spec into a running app: its instances get the new restart settings
    /// and log paths; their processes change at the reload or restart that follows.
    private func adopt(_ spec: AppSpec, into id: Int) {
        guard var app = apps[id] else { return }
        var spec = spec
        spec.instances = .count(app.instances.count)
        app.spec = spec
        let count = app.instances.count
        for i in app.instances.indices {
            let unstable = app.instances[i].policy
            app.instances[i].policy = RestartPolicy(settings: RestartSettings(spec: spec))
            if unstable.unstableCrashes == 0 { app.instances[i].policy.started(at: app.instances[i].startedAt ?? now) }
            app.instances[i].logs = LogPaths.resolve(spec, index: i, instanceCount: count, logsDirectory: home.logsDirectory)
        }
        apps[id] = app
    }
}
