import Glibc
import SwiftPM2Core

extension Supervisor {
    /// Starts the apps of a validated document; an app whose name exists and still runs is a
    /// conflict, one that exists but is stopped is started again with the new spec.
    ///
    /// Exec failures are reported here, with the OS error, not found later as a crash loop.
    public func start(_ specs: [AppSpec]) throws(APIError) -> AppList {
        for spec in specs {
            if let existing = app(named: spec.name), !existing.isFullyStopped {
                throw APIError(.conflict, "app `\(spec.name)` already runs (id \(existing.id)); nothing was started. `swiftpm2 apply FILE` converges the running apps to a file, `swiftpm2 reload \(spec.name)` replaces its instances")
            }
        }
        // Cluster mode: bind every app's addresses before anything starts, so that a port in
        // use fails the whole start cleanly.
        var bound: [String: [[ListenSocket]]] = [:]
        var reused: Set<String> = []
        for spec in specs {
            if let existing = app(named: spec.name) {
                let old = existing.spec
                let perSlot = perSlotSockets(spec)
                let slots = perSlot ? spec.instances.resolve(cores: cores) : 1
                if old.execMode == spec.execMode, old.listen == spec.listen, old.balance == spec.balance,
                   !perSlot || existing.slotSockets.count == slots {
                    // Same addresses: keep the sockets the app holds (and its queued connections).
                    bound[spec.name] = perSlot ? existing.slotSockets : [existing.sockets]
                    reused.insert(spec.name)
                    continue
                }
                closeSockets(of: existing.id)
            }
            guard spec.execMode == .cluster, !spec.listen.isEmpty else { continue }
            if spec.balance.perSlotSockets, let unix = spec.listen.first(where: { $0.hasPrefix("unix:") }) {
                bound.filter { !reused.contains($0.key) }.values.joined().joined().forEach { $0.close() }
                throw APIError(.badRequest, "\(spec.name): balance \"\(spec.balance.rawValue)\" needs tcp:// addresses; `\(unix)` is a Unix socket (use balance \"shared\")")
            }
            let slots = perSlotSockets(spec) ? spec.instances.resolve(cores: cores) : 1
            do throws(DaemonError) {
                bound[spec.name] = try bindSlots(spec, count: slots)
            } catch {
                bound.filter { !reused.contains($0.key) }.values.joined().joined().forEach { $0.close() }
                throw APIError(.conflict, "\(spec.name): \(error.description)")
            }
        }
        var warnings: [String] = []
        var started: [Int] = []
        var failures: [String] = []
        for spec in specs {
            warnings += unsupportedWarnings(spec) + balanceWarnings(spec)
            let id: Int
            if let existing = app(named: spec.name) {
                id = existing.id
                apps[id] = makeApp(id: id, spec: spec)
            } else {
                id = nextAppID
                nextAppID += 1
                apps[id] = makeApp(id: id, spec: spec)
                order.append(id)
            }
            if perSlotSockets(spec) {
                apps[id]!.slotSockets = bound[spec.name] ?? []
            } else {
                apps[id]!.sockets = bound[spec.name]?.first ?? []
            }
            started.append(id)
            Task { await self.armTriggers(id) }
            for index in apps[id]!.instances.indices {
                if let error = launch(InstanceRef(appID: id, index: index), isRestart: false) {
                    failures.append("\(spec.name)[\(index)]: \(error)")
                    break
                }
            }
        }
        if !failures.isEmpty {
            throw APIError(.spawnFailed, failures.joined(separator: "; "))
        }
        return AppList(apps: started.compactMap { apps[$0].map(info) }, warnings: warnings)
    }

    func app(named name: String) -> ManagedApp? {
        order.lazy.compactMap { self.apps[$0] }.first { $0.spec.name == name }
    }

    private func makeApp(id: Int, spec: AppSpec) -> ManagedApp {
        let count = spec.instances.resolve(cores: cores)
        let instances = (0..<count).map { index in
            ManagedInstance(index: index, spec: spec,
                            logs: LogPaths.resolve(spec, index: index, instanceCount: count, logsDirectory: home.logsDirectory))
        }
        return ManagedApp(id: id, spec: spec, instances: instances)
    }

    /// Keys this build parses but does not act on yet, so that nobody relies on them unknowingly.
    private func unsupportedWarnings(_ spec: AppSpec) -> [String] {
        var w: [String] = []
        if !spec.listen.isEmpty && spec.execMode == .fork {
            w.append("\(spec.name): in fork mode the daemon does not bind `listen`/`port`; the app gets PORT and binds it itself (use exec_mode cluster to share one socket)")
        }
        if !spec.ignoreWatch.isEmpty && spec.watch.isEmpty {
            w.append("\(spec.name): `ignore_watch` has no effect without `watch`")
        }
        if spec.execMode == .cluster && spec.listen.isEmpty {
            w.append("\(spec.name): cluster mode without `listen` or `port`: the daemon has no socket to share, each instance binds its own")
        }
        return w
    }

    /// Spawns the instance's process; on failure marks it errored and returns the reason.
    @discardableResult
    func launch(_ ref: InstanceRef, isRestart: Bool) -> String? {
        guard var app = apps[ref.appID] else { return "app is gone" }
        let spec = app.spec
        var inst = app.instances[ref.index]
        // Never a second process for one slot: two requests that both waited for a stop
        // (concurrent restarts) must not both start it again.
        if inst.pid != nil { return nil }
        inst.timer?.cancel()
        inst.timer = nil
        inst.stopRequested = false
        inst.generation += 1
        do {
            let port = try healthPort(for: ref, spec: spec)
            let pid = try spawnProcess(spec: spec, index: ref.index, logs: inst.logs, sockets: app.sockets(for: ref.index), healthPort: port)
            beginHealth(pid: pid, ref: ref, port: port, spec: spec)
            inst.began(pid: pid, at: now, wallMs: wallClockMs(), spec: spec)
            inst.state = spec.waitReady ? .launching : .online
            if spec.waitReady {
                let generation = inst.generation
                let timeout = Duration.milliseconds(spec.listenTimeoutMs)
                inst.timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    await self?.readinessTimedOut(ref, generation: generation)
                }
            }
            if isRestart { inst.restarts += 1 }
            byPID[pid] = ref
            app.instances[ref.index] = inst
            apps[ref.appID] = app
            armWatchdog(ref)
            publish(ref, kind: isRestart ? "restart" : "start", spec.waitReady ? "launching, waiting for READY=1" : "online")
            return nil
        } catch {
            inst.pid = nil
            inst.state = .errored
            inst.message = error.description
            inst.lastExit = ExitInfo(code: nil, signal: nil, atMs: wallClockMs(), reason: error.description)
            app.instances[ref.index] = inst
            apps[ref.appID] = app
            publish(ref, kind: "errored", error.description)
            return error.description
        }
    }

    /// fork/exec with the worker contract's environment and the instance's log files as 1 and 2.
    func spawnProcess(spec: AppSpec, index: Int, logs: LogPaths, sockets: [ListenSocket], healthPort: Int? = nil) throws(DaemonError) -> pid_t {
        var env = daemonEnvironment()
        for (k, v) in spec.env { env[k] = v }
        if let healthPort, let check = spec.health { env.merge(check.environment(assignedPort: healthPort)) { $1 } }
        env["SWIFTPM2_APP"] = spec.name
        env["SWIFTPM2_INSTANCE"] = String(index)
        env[spec.instanceVar] = String(index)
        env["SWIFTPM2_HOME"] = home.root
        if let notifyPath { env["NOTIFY_SOCKET"] = notifyPath }
        if let ms = spec.watchdogMs { env["WATCHDOG_USEC"] = String(ms * 1000) }
        if !sockets.isEmpty {
            // systemd's socket activation: fds 3.., LISTEN_PID written by the child itself.
            env["LISTEN_FDS"] = String(sockets.count)
            env["LISTEN_FDNAMES"] = sockets.map(\.name).joined(separator: ":")
        }
        if env["PORT"] == nil, let port = spec.listen.lazy.compactMap(tcpPort(of:)).first {
            env["PORT"] = String(port)
        }

        // ipc: one end of a socket pair, after the listening sockets (docs/messages.md).
        var ipcPair: [Int32] = [-1, -1]
        if spec.ipc == true {
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ipcPair) == 0 else {
                throw DaemonError.system("cannot create the message channel", errno: errno)
            }
            env["SWIFTPM2_IPC_FD"] = String(3 + sockets.count)
        }
        defer { if ipcPair[1] >= 0 { close(ipcPair[1]) } }

        let journal = spec.logType == .journal ? JournalTags(app: spec.name, instance: index) : nil
        let outputs: InstanceOutputs
        do throws(DaemonError) {
            outputs = try logPump.openOutputs(logs, dateFormat: spec.logDateFormat, journal: journal)
        } catch {
            if ipcPair[0] >= 0 { close(ipcPair[0]) }
            throw error
        }
        defer { outputs.closeParentEnds() }
        let executable = spec.interpreter ?? spec.script
        let arguments = spec.interpreter == nil ? spec.args : spec.interpreterArgs + [spec.script] + spec.args
        let request = SpawnRequest(
            executable: executable, arguments: arguments, argv0: nil, environment: env, cwd: spec.cwd,
            stdout: outputs.stdout, stderr: outputs.stderr, stdin: nil,
            inheritedFDs: sockets.map(\.fd) + (ipcPair[1] >= 0 ? [ipcPair[1]] : []),
            setListenPID: !sockets.isEmpty)
        do {
            let pid = try Spawner.spawn(request)
            reaper.noteSpawned()
            journal?.pid.store(pid, ordering: .relaxed)
            keepLogPipes(outputs.readEnds, of: pid)
            if ipcPair[0] >= 0 { openIPC(fd: ipcPair[0], pid: pid) }
            return pid
        } catch {
            outputs.readEnds.forEach { close($0.fd) }
            if ipcPair[0] >= 0 { close(ipcPair[0]) }
            throw DaemonError(message: error.description, errno: nil)
        }
    }

    // MARK: - Exits

    /// A child was reaped: finish a stop, or apply the restart policy to a crash.
    func handleExit(_ exit: ChildExit) {
        dropLogPipes(of: exit.pid)
        endHealth(of: exit.pid)
        closeIPC(of: exit.pid)
        if replacements[exit.pid] != nil {
            kill(-exit.pid, SIGKILL)
            finishReplacement(exit.pid, .failed("the replacement " + describeExit(code: exit.code, signal: exit.signal, coreDumped: exit.coreDumped)))
            return
        }
        if retiring[exit.pid] != nil {
            retired(exit.pid)
            return
        }
        guard let ref = byPID.removeValue(forKey: exit.pid), var app = apps[ref.appID] else {
            return // an orphaned grandchild we reaped as subreaper, or a failed exec
        }
        var inst = app.instances[ref.index]
        guard inst.pid == exit.pid else { return }
        inst.watchdogTimer?.cancel()
        inst.watchdogTimer = nil
        let reason = (inst.exitCause.map { $0 + "; " } ?? "") + describeExit(code: exit.code, signal: exit.signal, coreDumped: exit.coreDumped)
        inst.exitCause = nil
        inst.pid = nil
        inst.lastExit = ExitInfo(code: exit.code, signal: exit.signal, atMs: wallClockMs(), reason: reason)
        let pgid = inst.pgid ?? exit.pid

        if inst.stopRequested {
            app.instances[ref.index] = inst
            apps[ref.appID] = app
            finishStop(ref, pgid: pgid)
            return
        }
        // The leader crashed: what it left in its group goes with it, so nothing holds its
        // ports or files when the replacement starts.
        kill(-pgid, SIGKILL)
        inst.timer?.cancel()
        let decision = inst.policy.exited(at: now, code: exit.code, signal: exit.signal)
        switch decision {
        case .restart(let delay):
            inst.state = .waitingRestart
            inst.message = "\(reason); restarting" + (delay > .zero ? " in \(RestartPolicy.describe(delay))" : "")
            let generation = inst.generation
            inst.timer = Task { [weak self] in
                if delay > .zero { try? await Task.sleep(for: delay) }
                guard !Task.isCancelled else { return }
                await self?.restartTimerFired(ref, generation: generation)
            }
        case .stop(let why):
            inst.state = .stopped
            inst.message = "\(reason); not restarted: \(why)"
        case .giveUp(let why):
            inst.state = .errored
            inst.message = "\(reason); \(why)"
        }
        app.instances[ref.index] = inst
        apps[ref.appID] = app
        publish(ref, kind: "exit", inst.message ?? reason)
    }

    /// An sd_notify datagram from an instance (its main process, or one of its process group).
    func handleNotify(_ message: NotifyMessage) {
        for pid in [message.pid, getpgid(message.pid)] where replacements[pid] != nil {
            if let status = message.fields["STATUS"] { replacements[pid]?.status = status }
            if message.fields["READY"] == "1" {
                healthNoteReady(pid)
                // With a health check as the readiness signal, READY=1 is not enough.
                let gated = replacements[pid].flatMap { apps[$0.ref.appID]?.spec }.map(healthGatesReadiness) ?? false
                if !gated { finishReplacement(pid, .ready) }
            }
            return
        }
        var ref = byPID[message.pid]
        if ref == nil { ref = byPID[getpgid(message.pid)] }
        guard let ref, var inst = apps[ref.appID]?.instances[ref.index] else { return }
        if let status = message.fields["STATUS"] { inst.statusText = status }
        if message.fields["STOPPING"] == "1", !inst.stopRequested {
            inst.message = "the app said it is stopping (STOPPING=1)"
        }
        if let usec = message.fields["WATCHDOG_USEC"].flatMap(Int64.init) {
            inst.watchdogInterval = usec > 0 ? .microseconds(usec) : nil
        }
        let watchdogPing = message.fields["WATCHDOG"] == "1" || message.fields["WATCHDOG_USEC"] != nil
        let watchdogTrigger = message.fields["WATCHDOG"] == "trigger"
        var becameReady = false
        if message.fields["READY"] == "1", let pid = inst.pid { healthNoteReady(pid) }
        let gated = apps[ref.appID].map { healthGatesReadiness($0.spec) } ?? false
        if message.fields["READY"] == "1", inst.state == .launching, !gated {
            inst.state = .online
            inst.timer?.cancel()
            inst.timer = nil
            becameReady = true
        }
        apps[ref.appID]?.instances[ref.index] = inst
        if becameReady { publish(ref, kind: "ready", "online (READY=1)") }
        if watchdogTrigger {
            watchdogFired(ref, generation: inst.generation, why: "the app asked for it (WATCHDOG=trigger)")
        } else if watchdogPing {
            armWatchdog(ref)
        }
    }

    /// (Re)starts the instance's watchdog timer, when it has one.
    func armWatchdog(_ ref: InstanceRef) {
        guard var inst = apps[ref.appID]?.instances[ref.index] else { return }
        inst.watchdogTimer?.cancel()
        inst.watchdogTimer = nil
        if let interval = inst.watchdogInterval, inst.pid != nil {
            let generation = inst.generation
            inst.watchdogTimer = Task { [weak self] in
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                await self?.watchdogFired(ref, generation: generation,
                                          why: "no WATCHDOG=1 for \(RestartPolicy.describe(interval))")
            }
        }
        apps[ref.appID]?.instances[ref.index] = inst
    }

    /// A hung instance (as systemd does): SIGABRT to its group so that a core dump can show
    /// where it hung, SIGKILL after kill_timeout; its exit then goes through the restart policy.
    private func watchdogFired(_ ref: InstanceRef, generation: Int, why: String) {
        guard var inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation,
              !inst.stopRequested, let pgid = inst.pgid, inst.pid != nil,
              let timeout = apps[ref.appID]?.spec.killTimeoutMs else { return }
        inst.exitCause = "watchdog: \(why)"
        inst.watchdogTimer = nil
        apps[ref.appID]?.instances[ref.index] = inst
        publish(ref, kind: "watchdog", "\(why); sending SIGABRT")
        kill(-pgid, SIGABRT)
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(timeout))
            await self?.killIfStill(ref, generation: generation, pgid: pgid)
        }
    }

    private func killIfStill(_ ref: InstanceRef, generation: Int, pgid: pid_t) {
        guard let inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation, inst.pid != nil else { return }
        kill(-pgid, SIGKILL)
    }

    /// `wait_ready` and no READY=1 within `listen_timeout`: the start failed; stop it for good.
    private func readinessTimedOut(_ ref: InstanceRef, generation: Int) {
        guard var inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation,
              inst.state == .launching, let spec = apps[ref.appID]?.spec, let pgid = inst.pgid else { return }
        inst.failReason = inst.pid.flatMap(healthNotReadyReason)
            ?? "did not send READY=1 within listen_timeout \(RestartPolicy.describe(.milliseconds(spec.listenTimeoutMs))) (wait_ready is set; see docs/cluster-mode.md)"
        inst.stopRequested = true
        inst.state = .stopping
        apps[ref.appID]?.instances[ref.index] = inst
        kill(-pgid, SIGKILL)
        publish(ref, kind: "not-ready", inst.failReason!)
    }

    private func restartTimerFired(_ ref: InstanceRef, generation: Int) {
        guard let inst = apps[ref.appID]?.instances[ref.index], inst.generation == generation,
              inst.state == .waitingRestart else { return }
        launch(ref, isRestart: true)
    }
}

/// The port of a `tcp://HOST:PORT` address, or nil.
func tcpPort(of address: String) -> Int? {
    guard address.hasPrefix("tcp://"), let colon = address.lastIndex(of: ":") else { return nil }
    return Int(address[address.index(after: colon)...])
}

/// The daemon's own environment, which every instance starts from (as systemd and PM2 do).
func daemonEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") {
            env[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        p += 1
    }
    for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "SWIFTPM2_READY_FD",
                "SWIFTPM2_METRICS_TOKEN", "SWIFTPM2_METRICS_ADDRESS", "FDSTORE", "SWIFTPM2_SAMPLE_INTERVAL"] {
        env.removeValue(forKey: key)
    }
    return env
}
