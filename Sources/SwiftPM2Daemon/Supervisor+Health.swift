import Glibc
import SwiftPM2Core

/// One process's health checks (`health`): its tracker, its health port, the task that runs
/// the checks. Per process, so that a replacement has its own.
struct HealthRun {
    let ref: InstanceRef
    var tracker: HealthTracker
    let port: Int?
    var task: Task<Void, Never>?
}

/// Health checks for apps that do not speak sd_notify: run at an interval from a task per
/// process, decided by `HealthTracker`, carried out here (ready, not ready, recycle).
extension Supervisor {
    /// The health port for a new process of `ref`'s slot (`health.port` + instance, or a
    /// spare one while the slot's previous process still holds it); nil without `health.port`.
    func healthPort(for ref: InstanceRef, spec: AppSpec) throws(DaemonError) -> Int? {
        guard let check = spec.health, check.port != nil else { return nil }
        let taken = Set(healthRuns.values.filter { $0.ref.appID == ref.appID }.compactMap(\.port))
        guard let port = check.assignPort(index: ref.index, instances: apps[ref.appID]?.instances.count ?? 1, taken: taken) else {
            throw DaemonError(message: "no free health port for \(spec.name)[\(ref.index)] from \(check.port!) (health.port)", errno: nil)
        }
        return port
    }

    /// Starts checking a new (or adopted) process.
    func beginHealth(pid: pid_t, ref: InstanceRef, port: Int?, spec: AppSpec, adopted: Bool = false) {
        guard let check = spec.health else { return }
        var tracker = HealthTracker(settings: .init(check: check, waitReady: spec.waitReady, listenTimeoutMs: spec.listenTimeoutMs))
        tracker.started(at: now)
        if adopted { tracker.becameReady() }
        let subject = HealthSubject(app: spec.name, instance: ref.index, pid: pid,
                                    target: check.target(assignedPort: port, spec: spec),
                                    environment: daemonEnvironment().merging(spec.env) { $1 }, cwd: spec.cwd)
        var run = HealthRun(ref: ref, tracker: tracker, port: port)
        run.task = Task { [weak self] in await self?.healthLoop(pid, check: check, subject: subject) }
        healthRuns[pid] = run
    }

    func endHealth(of pid: pid_t) {
        healthRuns.removeValue(forKey: pid)?.task?.cancel()
    }

    /// True when `spec`'s readiness comes from its health check, not from `READY=1`.
    func healthGatesReadiness(_ spec: AppSpec) -> Bool {
        spec.health != nil && spec.waitReady
    }

    /// `READY=1` from a process: ends the start period of its checks.
    func healthNoteReady(_ pid: pid_t) {
        healthRuns[pid]?.tracker.becameReady()
    }

    /// The reason a process with health-gated readiness was not ready in time, if it has one.
    func healthNotReadyReason(_ pid: pid_t) -> String? {
        guard case .notReady(let reason)? = healthRuns[pid]?.tracker.readinessTimedOut() else { return nil }
        return reason
    }

    private func healthLoop(_ pid: pid_t, check: HealthCheck, subject: HealthSubject) async {
        while !Task.isCancelled {
            guard let delay = healthRuns[pid]?.tracker.nextCheckDelay else { return }
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled, healthRuns[pid] != nil else { return }
            let result = await healthProbe.run(check, on: subject)
            guard !Task.isCancelled, var run = healthRuns[pid] else { return }
            let action = run.tracker.result(result, at: now)
            healthRuns[pid] = run
            applyHealth(action, pid: pid, ref: run.ref)
        }
    }

    private func applyHealth(_ action: HealthTracker.Action, pid: pid_t, ref: InstanceRef) {
        switch action {
        case .none:
            break
        case .ready:
            if replacements[pid] != nil {
                finishReplacement(pid, .ready)
            } else if var inst = apps[ref.appID]?.instances[ref.index], inst.pid == pid, inst.state == .launching {
                inst.state = .online
                inst.timer?.cancel()
                inst.timer = nil
                apps[ref.appID]?.instances[ref.index] = inst
                publish(ref, kind: "ready", "online (health check passed)")
            }
        case .notReady(let reason):
            if replacements[pid] != nil {
                kill(-pid, SIGKILL)
                finishReplacement(pid, .failed(reason))
            } else if var inst = apps[ref.appID]?.instances[ref.index], inst.pid == pid, inst.state == .launching,
                      let pgid = inst.pgid {
                inst.failReason = reason
                inst.stopRequested = true
                inst.state = .stopping
                apps[ref.appID]?.instances[ref.index] = inst
                kill(-pgid, SIGKILL)
                publish(ref, kind: "not-ready", reason)
            }
        case .recycle(let reason):
            guard apps[ref.appID]?.instances[ref.index].pid == pid else { return }
            startRecycle(ref, kind: "health", why: reason)
        }
    }
}
