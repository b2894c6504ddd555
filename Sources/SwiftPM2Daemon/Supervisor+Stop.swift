import Glibc
import SwiftPM2Core

extension Supervisor {
    /// Stops the selected apps and returns once every process of theirs is gone.
    public func stop(_ selector: AppSelector) async throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        await stopAll(ids)
        return ids.compactMap { apps[$0].map(info) }
    }

    /// Stop, then start again, every instance of the selected apps (`restart`).
    public func restart(_ selector: AppSelector) async throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        await stopAll(ids)
        var failures: [String] = []
        for id in ids {
            guard let app = apps[id] else { continue } // deleted meanwhile
            do { try ensureSockets(of: id) } catch {
                failures.append(error.message)
                continue
            }
            for index in app.instances.indices where apps[id]?.instances[index].pid == nil {
                apps[id]?.instances[index].policy.reset()
                let hadRun = apps[id]?.instances[index].lastExit != nil
                if let error = launch(InstanceRef(appID: id, index: index), isRestart: hadRun) {
                    failures.append("\(app.spec.name)[\(index)]: \(error)")
                }
            }
        }
        if !failures.isEmpty { throw APIError(.spawnFailed, failures.joined(separator: "; ")) }
        return ids.compactMap { apps[$0].map(info) }
    }

    /// Stops the selected apps and forgets them.
    public func delete(_ selector: AppSelector) async throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        await stopAll(ids)
        var gone: [AppInfo] = []
        for id in ids {
            disarmTriggers(id)
            closeSockets(of: id)
            guard let app = apps.removeValue(forKey: id) else { continue }
            order.removeAll { $0 == id }
            gone.append(info(app))
            bus.publish(Event(atMs: wallClockMs(), app: app.spec.name, appId: id, instance: nil, pid: nil,
                              kind: "delete", state: nil, message: "deleted"))
        }
        if notifier.isEnabled { notifier.status(summary()) }
        return gone
    }

    /// Stops everything (daemon shutdown).
    func stopEverything() async {
        for id in order { disarmTriggers(id) }
        await stopAll(order)
        for id in order { closeSockets(of: id) }
    }

    private func stopAll(_ ids: [Int]) async {
        var waits: [InstanceRef] = []
        for id in ids {
            guard let app = apps[id] else { continue }
            for index in app.instances.indices {
                let ref = InstanceRef(appID: id, index: index)
                if beginStop(ref) { waits.append(ref) }
            }
        }
        for ref in waits {
            await waitStopped(ref)
        }
    }

    /// Sends the stop signal to the instance's group and arms the SIGKILL timer; returns true
    /// when there is a process to wait for.
    func beginStop(_ ref: InstanceRef) -> Bool {
        guard var inst = apps[ref.appID]?.instances[ref.index] else { return false }
        inst.timer?.cancel()
        inst.timer = nil
        inst.watchdogTimer?.cancel()
        inst.watchdogTimer = nil
        guard inst.isActive else { return false }
        if inst.stopRequested { return true } // already stopping: wait with the others
        inst.stopRequested = true
        guard let pid = inst.pid else {
            // waiting-restart: no process, just cancel the restart
            inst.state = .stopped
            inst.message = nil
            inst.generation += 1
            apps[ref.appID]?.instances[ref.index] = inst
            publish(ref, kind: "stop", "stopped")
            return false
        }
        let spec = apps[ref.appID]!.spec
        inst.state = .stopping
        inst.stopDeadline = now + .milliseconds(spec.killTimeoutMs)
        let pgid = inst.pgid ?? pid
        let generation = inst.generation
        kill(-pgid, spec.killSignal)
        inst.timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(spec.killTimeoutMs))
            guard !Task.isCancelled else { return }
            await self?.killTimerFired(ref, generation: generation)
        }
        apps[ref.appID]?.instances[ref.index] = inst
        publish(ref, kind: "stopping", "sent \(signalName(spec.killSignal)) to process group \(pgid)")
        return true
    }

    private func killTimerFired(_ ref: InstanceRef, generation: Int) {
        guard let inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation,
              inst.state == .stopping, let pgid = inst.pgid else { return }
        kill(-pgid, SIGKILL)
        publish(ref, kind: "kill", "kill_timeout passed: sent SIGKILL to process group \(pgid)")
    }

    /// The leader of a stopping instance exited; the stop is done when its whole process group
    /// is gone too (grandchildren of a shell script, say). Those get until `kill_timeout`, then
    /// SIGKILL, as the leader did.
    func finishStop(_ ref: InstanceRef, pgid: pid_t) {
        if processGroupExists(pgid) {
            let generation = apps[ref.appID]?.instances[ref.index].generation ?? 0
            Task { [weak self] in
                // Bounded: the kill timer SIGKILLs the group at the deadline; the subreaper
                // reaps what dies, so the group empties soon after.
                await self?.waitGone(pgid: pgid, killAfter: nil, giveUpAfter: .seconds(30))
                await self?.markStopped(ref, generation: generation)
            }
            return
        }
        markStopped(ref, generation: apps[ref.appID]?.instances[ref.index].generation ?? 0)
    }

    private func markStopped(_ ref: InstanceRef, generation: Int) {
        guard var inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation,
              inst.state == .stopping else { return }
        if let pgid = inst.pgid, processGroupExists(pgid) { kill(-pgid, SIGKILL) }
        inst.timer?.cancel()
        inst.timer = nil
        inst.state = inst.failReason == nil ? .stopped : .errored
        inst.message = inst.failReason
        inst.generation += 1
        let waiters = inst.stopWaiters
        inst.stopWaiters = []
        apps[ref.appID]?.instances[ref.index] = inst
        publish(ref, kind: "stop", "stopped (\(inst.lastExit?.reason ?? "no process"))")
        for w in waiters { w.resume() }
    }

    func waitStopped(_ ref: InstanceRef) async {
        guard let inst = apps[ref.appID]?.instances[ref.index], inst.state == .stopping else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            apps[ref.appID]?.instances[ref.index].stopWaiters.append(c)
        }
    }
}

/// True while any process (zombies included) is in group `pgid`.
func processGroupExists(_ pgid: pid_t) -> Bool {
    guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
    // The group has members, but zombies count too: those of instances taken over from a
    // previous daemon are not ours to reap. A live leader settles it; else look for a live member.
    if processStartTime(pgid) != nil { return true }
    return liveMemberExists(ofGroup: pgid)
}

/// True when some process of group `pgid` is not a zombie (scans /proc).
private func liveMemberExists(ofGroup pgid: pid_t) -> Bool {
    guard let dir = opendir("/proc") else { return true }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard let pid = pid_t(name), let text = readTextFile("/proc/\(pid)/stat", limit: 1024),
              let close = text.lastIndex(of: ")") else { continue }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0]: state (field 3); fields[2]: process group (field 5).
        if fields.count > 2, fields[2] == Substring(String(pgid)), fields[0] != "Z", fields[0] != "X" { return true }
    }
    return false
}
