import Glibc
import SwiftPM2Core

/// A process started to take over an instance's slot during a rolling reload.
struct Replacement {
    let ref: InstanceRef
    /// Its last STATUS=, carried into the slot when it takes over.
    var status: String?
    var continuation: CheckedContinuation<ReplacementOutcome, Never>?
    var timer: Task<Void, Never>?
}

enum ReplacementOutcome: Sendable, Equatable {
    case ready
    case failed(String)
}

/// A process that handed its slot over and is being stopped gracefully.
struct Retiring {
    let pgid: pid_t
    var waiters: [CheckedContinuation<Void, Never>] = []
    var timer: Task<Void, Never>?
}

extension Supervisor {
    /// Rolling reload: one instance at a time, start a replacement, wait until it is ready,
    /// then stop the old process gracefully. The listening sockets stay bound throughout,
    /// so a connection is either accepted by an old or a new process, or waits in the
    /// kernel's queue. A replacement that fails to get ready is killed and the old process
    /// keeps its slot; the reload stops there and says why. Fork-mode apps restart instead.
    public func reload(_ selector: AppSelector) async throws(APIError) -> [AppInfo] {
        let ids = try resolve(selector)
        var failures: [String] = []
        for id in ids {
            guard let app = apps[id] else { continue }
            if app.spec.execMode == .fork {
                do { _ = try await restart(.id(id)) } catch { failures.append(error.message) }
                continue
            }
            for index in app.instances.indices {
                if let failure = await reloadSlot(InstanceRef(appID: id, index: index)) {
                    failures.append("\(app.spec.name)[\(index)]: \(failure); the old process keeps serving, reload stopped")
                    break
                }
            }
        }
        if !failures.isEmpty { throw APIError(.spawnFailed, failures.joined(separator: "; ")) }
        return ids.compactMap { apps[$0].map(info) }
    }

    /// Replaces one slot's process; returns why it could not, or nil.
    func reloadSlot(_ ref: InstanceRef, note: String? = nil) async -> String? {
        guard let app = apps[ref.appID] else { return nil }
        let inst = app.instances[ref.index]
        guard let oldPID = inst.pid, inst.state == .online else {
            // Nothing serves in this slot: a plain (re)start is all there is to do.
            if !inst.isActive || inst.state == .waitingRestart {
                apps[ref.appID]?.instances[ref.index].policy.reset()
                return launch(ref, isRestart: inst.lastExit != nil)
            }
            return nil
        }
        let spec = app.spec
        let newPID: pid_t
        do {
            let port = try healthPort(for: ref, spec: spec)
            newPID = try spawnProcess(spec: spec, index: ref.index, logs: inst.logs, sockets: app.sockets(for: ref.index), healthPort: port)
            beginHealth(pid: newPID, ref: ref, port: port, spec: spec)
        } catch {
            return error.description
        }
        publish(ref, kind: "reload", "replacement pid \(newPID) started")
        let outcome = await withCheckedContinuation { (c: CheckedContinuation<ReplacementOutcome, Never>) in
            // Without wait_ready there is no signal: a replacement that stays up for a grace
            // period (listen_timeout, at most 1 s) counts as ready.
            let grace = Duration.milliseconds(spec.waitReady ? spec.listenTimeoutMs : min(spec.listenTimeoutMs, 1000))
            let timer = Task { [weak self] in
                try? await Task.sleep(for: grace)
                guard !Task.isCancelled else { return }
                await self?.replacementTimedOut(newPID, waitReady: spec.waitReady, grace: grace)
            }
            replacements[newPID] = Replacement(ref: ref, continuation: c, timer: timer)
        }
        if case .failed(let why) = outcome {
            replacementStatus.removeValue(forKey: newPID)
            await waitGone(pgid: newPID)
            publish(ref, kind: "reload-failed", why)
            return why
        }
        // Swap: the replacement takes the slot, the old process retires.
        guard var current = apps[ref.appID]?.instances[ref.index], current.pid == oldPID else {
            kill(-newPID, SIGKILL) // the slot changed meanwhile (stopped, crashed): drop ours
            return "the instance changed during the reload"
        }
        byPID.removeValue(forKey: oldPID)
        byPID[newPID] = ref
        current.policy.reset()
        current.began(pid: newPID, at: now, wallMs: wallClockMs(), spec: spec)
        current.restarts += 1
        current.generation += 1
        current.statusText = replacementStatus.removeValue(forKey: newPID)
        current.message = note
        apps[ref.appID]?.instances[ref.index] = current
        armWatchdog(ref)
        publish(ref, kind: "reload", "pid \(newPID) took over from \(oldPID)")
        await retire(pid: oldPID, signal: spec.killSignal, killTimeout: .milliseconds(spec.killTimeoutMs))
        return nil
    }

    private func replacementTimedOut(_ pid: pid_t, waitReady: Bool, grace: Duration) {
        if waitReady {
            kill(-pid, SIGKILL)
            finishReplacement(pid, .failed(healthNotReadyReason(pid).map { "the replacement: \($0)" }
                ?? "the replacement did not send READY=1 within listen_timeout \(RestartPolicy.describe(grace))"))
        } else {
            finishReplacement(pid, .ready)
        }
    }

    func finishReplacement(_ pid: pid_t, _ outcome: ReplacementOutcome) {
        guard var r = replacements.removeValue(forKey: pid) else { return }
        if outcome == .ready, let status = r.status { replacementStatus[pid] = status }
        r.timer?.cancel()
        r.continuation?.resume(returning: outcome)
        r.continuation = nil
    }

    /// Stops a process that no longer owns a slot: its stop signal, SIGKILL after the timeout.
    private func retire(pid: pid_t, signal: Int32, killTimeout: Duration) async {
        var entry = Retiring(pgid: pid)
        kill(-pid, signal)
        entry.timer = Task {
            try? await Task.sleep(for: killTimeout)
            guard !Task.isCancelled else { return }
            kill(-pid, SIGKILL)
        }
        retiring[pid] = entry
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            retiring[pid]?.waiters.append(c)
        }
    }

    /// A retiring leader exited: the rest of its group goes too (after the same timeout).
    func retired(_ pid: pid_t) {
        guard let entry = retiring[pid] else { return }
        Task { [weak self] in
            await self?.waitGone(pgid: entry.pgid)
            await self?.finishRetiring(pid)
        }
    }

    private func finishRetiring(_ pid: pid_t) {
        guard let entry = retiring.removeValue(forKey: pid) else { return }
        entry.timer?.cancel()
        for w in entry.waiters { w.resume() }
    }

    /// Waits until no process of group `pgid` is left, polling every 10 ms, at most
    /// `giveUpAfter`; with `killAfter`, SIGKILLs what is still there from then on.
    func waitGone(pgid: pid_t, killAfter: Duration? = .seconds(5), giveUpAfter: Duration = .seconds(10)) async {
        let start = ContinuousClock.now
        while processGroupExists(pgid), ContinuousClock.now - start < giveUpAfter {
            if let killAfter, ContinuousClock.now - start > killAfter { kill(-pgid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
