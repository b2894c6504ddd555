import Glibc
import SwiftPM2Core

/// Resource sampling and what it decides: every instance's process tree is sampled at a set
/// interval; an instance over `max_memory_restart` for `max_memory_samples` samples in a row
/// is recycled (gracefully in cluster mode: the replacement is ready before the old one stops).
extension Supervisor {
    /// Samples every running instance once (called by the daemon's sampling loop).
    func sampleNow() {
        guard let sampler else { return }
        var roots: [(key: InstanceRef, pid: pid_t)] = []
        for id in order {
            guard let app = apps[id] else { continue }
            for inst in app.instances {
                if let pid = inst.pid { roots.append((InstanceRef(appID: id, index: inst.index), pid)) }
            }
        }
        let results = sampler.sample(roots)
        let atMs = wallClockMs()
        for (ref, sample) in results {
            guard var inst = apps[ref.appID]?.instances[ref.index], inst.pid == sample.rootPID else { continue }
            var fresh = sample
            if fresh.pssBytes == nil { fresh.pssBytes = inst.lastSample?.pssBytes }
            inst.lastSample = fresh
            inst.samples.append(SampleRing.Entry(timeMs: atMs, cpuPercent: sample.cpuPercent ?? 0, rssBytes: sample.rssBytes))
            apps[ref.appID]?.instances[ref.index] = inst
            checkMemory(ref, rss: sample.rssBytes)
        }
    }

    /// Between samples, instances within 75 % of their `max_memory_restart` are measured again
    /// (memory only, about every 100 ms), so that one crossing its limit is seen within a
    /// tenth of a second rather than a whole sampling interval. Cheap when none is near.
    func sampleNearLimit() {
        var roots: [(key: InstanceRef, pid: pid_t)] = []
        for id in order {
            guard let app = apps[id], let limit = app.spec.maxMemoryRestart else { continue }
            for inst in app.instances {
                if let pid = inst.pid, let rss = inst.lastSample?.rssBytes, rss > limit / 4 * 3 {
                    roots.append((InstanceRef(appID: id, index: inst.index), pid))
                }
            }
        }
        guard !roots.isEmpty, let memorySampler else { return }
        for (ref, sample) in memorySampler.sample(roots) {
            guard var inst = apps[ref.appID]?.instances[ref.index], inst.pid == sample.rootPID else { continue }
            inst.lastSample?.rssBytes = sample.rssBytes
            apps[ref.appID]?.instances[ref.index] = inst
            checkMemory(ref, rss: sample.rssBytes)
        }
    }

    /// Counts a sample over `max_memory_restart`; recycles after `max_memory_samples` in a row.
    private func checkMemory(_ ref: InstanceRef, rss: UInt64) {
        guard var inst = apps[ref.appID]?.instances[ref.index], let spec = apps[ref.appID]?.spec,
              let limit = spec.maxMemoryRestart else { return }
        inst.samplesOverMemory = rss > limit ? inst.samplesOverMemory + 1 : 0
        let needed = spec.maxMemorySamples ?? 1
        apps[ref.appID]?.instances[ref.index] = inst
        if inst.samplesOverMemory >= needed, !inst.recycling, inst.state == .online {
            startRecycle(ref, kind: "memory", why: "memory \(Self.megabytes(rss)) > \(Self.megabytes(limit))"
                + (needed > 1 ? " (\(needed) samples in a row)" : ""))
        }
    }

    /// "212M" (mebibytes, as PM2 writes limits).
    static func megabytes(_ bytes: UInt64) -> String {
        "\(bytes / (1 << 20))M"
    }

    /// Recycles one instance in the background (see `recycle`).
    func startRecycle(_ ref: InstanceRef, kind: String, why: String) {
        guard var inst = apps[ref.appID]?.instances[ref.index], !inst.recycling else { return }
        inst.recycling = true
        inst.message = "recycling: \(why)"
        apps[ref.appID]?.instances[ref.index] = inst
        publish(ref, kind: kind, "\(why); recycling")
        Task { [weak self] in await self?.recycle(ref, why: why) }
    }

    /// Replaces one instance's process: in cluster mode a rolling replacement (ready before the
    /// old one stops, so no request fails), in fork mode a stop then a start. The reason stays
    /// on the instance (`describe`) and in the event.
    func recycle(_ ref: InstanceRef, why: String) async {
        guard let app = apps[ref.appID] else { return }
        let oldPID = app.instances[ref.index].pid
        var failure: String?
        if app.spec.execMode == .cluster {
            failure = await reloadSlot(ref, note: "recycled: \(why)")
        } else {
            if beginStop(ref) { await waitStopped(ref) }
            if apps[ref.appID] != nil { failure = launch(ref, isRestart: true) }
        }
        if failure != nil, let oldPID { healthRuns[oldPID]?.tracker.recycleAbandoned() }
        guard var inst = apps[ref.appID]?.instances[ref.index] else { return }
        inst.recycling = false
        inst.samplesOverMemory = 0
        inst.message = failure.map { "recycle failed (\(why)): \($0)" } ?? "recycled: \(why)"
        apps[ref.appID]?.instances[ref.index] = inst
        publish(ref, kind: failure == nil ? "recycled" : "recycle-failed", failure.map { "\(why): \($0)" } ?? why)
    }

    /// Recycles every instance of an app, one after the other (cron, watch).
    func recycleApp(_ id: Int, kind: String, why: String) async {
        guard let app = apps[id], !app.isFullyStopped else { return }
        bus.publish(Event(atMs: wallClockMs(), app: app.spec.name, appId: id, instance: nil, pid: nil,
                          kind: kind, state: nil, message: "\(why); recycling every instance"))
        logger.info("\(app.spec.name): \(why); recycling every instance")
        for index in app.instances.indices {
            let ref = InstanceRef(appID: id, index: index)
            guard var inst = apps[id]?.instances[index], !inst.recycling, inst.isActive else { continue }
            inst.recycling = true
            apps[id]?.instances[index] = inst
            await recycle(ref, why: why)
        }
    }
}
