import FoundationEssentials
import Glibc
import SwiftPM2Core

/// Surviving a daemon crash: `state.json` says what runs, the `DescriptorStore` keeps the
/// sockets and log pipes, and the next daemon takes the instances back (`adopt`).
extension Supervisor {
    /// Schedules a write of `state.json` and a sync of the descriptor store, coalescing the
    /// changes of one turn of the actor into one write.
    func markDurable() {
        guard store != nil, !durableDirty else { return }
        durableDirty = true
        Task { [weak self] in await self?.flushDurable() }
    }

    /// Writes `state.json` (write a temporary file, rename over) and makes the store hold
    /// exactly the sockets of the running apps.
    func flushDurable() {
        guard durableDirty, let store else { return }
        durableDirty = false
        var wanted: [String: Int32] = [:]
        var snapshot = DurableState(daemonPID: getpid(), nextAppID: nextAppID, apps: [])
        for id in order {
            guard let app = apps[id] else { continue }
            for (k, socket) in app.sockets.enumerated() { wanted[StoredName.shared(app: id, address: k)] = socket.fd }
            for (i, slot) in app.slotSockets.enumerated() {
                for (k, socket) in slot.enumerated() { wanted[StoredName.slot(app: id, slot: i, address: k)] = socket.fd }
            }
            snapshot.apps.append(DurableState.App(
                id: id, spec: app.spec,
                instances: app.instances.map { inst in
                    DurableState.Instance(
                        index: inst.index, pid: inst.pid, pgid: inst.pgid,
                        processStart: inst.pid.flatMap(processStartTime), startedAtWallMs: inst.startedAtWallMs,
                        restarts: inst.restarts, state: inst.state, status: inst.statusText, message: inst.message,
                        lastExit: inst.lastExit)
                },
                slots: app.slotSockets.count))
        }
        store.sync(wanted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(snapshot) else { return }
        let temporary = home.statePath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            logger.warning("cannot write \(temporary): \(String(cString: strerror(errno)))")
            return
        }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        if written == data.count { rename(temporary, home.statePath) } else { unlink(temporary) }
    }

    /// The daemon stops for good: nothing is left to take back.
    func forgetDurable() {
        store?.release()
        store = nil
        unlink(home.statePath)
    }

    /// Puts the read ends of a new process's log pipes in the store (then closes them here).
    func keepLogPipes(_ readEnds: [(stream: String, fd: Int32)], of pid: pid_t) {
        guard !readEnds.isEmpty else { return }
        if let store {
            for end in readEnds { store.keep(StoredName.logPipe(pid: pid, stream: end.stream), end.fd) }
            storedLogPipes.insert(pid)
        }
        readEnds.forEach { close($0.fd) }
    }

    func dropLogPipes(of pid: pid_t) {
        guard storedLogPipes.remove(pid) != nil else { return }
        for stream in ["out", "err"] { store?.discard(StoredName.logPipe(pid: pid, stream: stream)) }
    }

    /// Takes back what a previous daemon ran: its apps, with their ids and settings; instances
    /// whose process still runs (same pid and start time) are adopted as they are, with their
    /// restart counts and logs, and watched through pidfds; the others are started again.
    /// `fds` are the descriptors the store gave back; those not used are closed.
    func adopt(_ state: DurableState, fds: [String: Int32]) -> (adopted: Int, restarted: Int) {
        var unused = fds
        func take(_ name: String) -> Int32? { unused.removeValue(forKey: name) }
        var adopted = 0
        var restarted: [InstanceRef] = []
        let wallNow = wallClockMs()
        for saved in state.apps where apps[saved.id] == nil {
            var spec = saved.spec
            spec.instances = .count(saved.instances.count)
            var app = ManagedApp(id: saved.id, spec: spec, instances: saved.instances.map { s in
                ManagedInstance(index: s.index, spec: spec,
                                logs: LogPaths.resolve(spec, index: s.index, instanceCount: saved.instances.count, logsDirectory: home.logsDirectory))
            })
            if spec.execMode == .cluster && !spec.listen.isEmpty {
                if saved.slots > 0 {
                    let slots = (0..<saved.slots).map { i in
                        spec.listen.indices.map { k in take(StoredName.slot(app: saved.id, slot: i, address: k)) }
                    }
                    if slots.allSatisfy({ $0.allSatisfy { $0 != nil } }) {
                        app.slotSockets = slots.map { slot in zip(spec.listen, slot).map { ListenSocket(address: $0, fd: $1!) } }
                    } else {
                        slots.joined().compactMap { $0 }.forEach { close($0) }
                    }
                } else {
                    let shared = spec.listen.indices.map { take(StoredName.shared(app: saved.id, address: $0)) }
                    if shared.allSatisfy({ $0 != nil }) {
                        app.sockets = zip(spec.listen, shared).map { ListenSocket(address: $0, fd: $1!) }
                    } else {
                        shared.compactMap { $0 }.forEach { close($0) }
                    }
                }
            }
            for s in saved.instances {
                var inst = app.instances[s.index]
                inst.restarts = s.restarts
                inst.lastExit = s.lastExit
                inst.statusText = s.status
                inst.message = s.message
                inst.state = s.state
                if let pid = s.pid, let start = s.processStart, processStartTime(pid) == start, adoptedExits.watch(pid) {
                    let age = Duration.milliseconds(max(0, wallNow - (s.startedAtWallMs ?? wallNow)))
                    inst.began(pid: pid, at: now > age ? now - age : .zero, wallMs: s.startedAtWallMs ?? wallNow, spec: spec)
                    inst.pgid = s.pgid ?? pid
                    inst.statusText = s.status
                    inst.state = s.state == .launching ? .online : s.state
                    inst.generation += 1
                    byPID[pid] = InstanceRef(appID: saved.id, index: s.index)
                    if spec.logDateFormat != nil || spec.logType == .journal {
                        var pipes: [(stream: String, fd: Int32)] = []
                        let tags = JournalTags(app: spec.name, instance: s.index, pid: pid)
                        for (stream, path) in [("out", inst.logs.out), ("err", inst.logs.err)] {
                            guard let fd = take(StoredName.logPipe(pid: pid, stream: stream)) else { continue }
                            pipes.append((stream, dup(fd)))
                            if spec.logType == .journal {
                                logPump.attach(readEnd: fd, journal: tags, stream: stream)
                            } else if let format = spec.logDateFormat {
                                do { try logPump.attach(readEnd: fd, logPath: path, dateFormat: format) } catch {
                                    logger.warning("\(spec.name)[\(s.index)]: \(error.description)")
                                }
                            }
                        }
                        keepLogPipes(pipes, of: pid)
                    }
                    if spec.ipc == true, let fd = take(StoredName.ipc(pid: pid)) { openIPC(fd: fd, pid: pid) }
                    if spec.health != nil {
                        let port = processEnvironment(pid)["SWIFTPM2_HEALTH_PORT"].flatMap { Int($0) }
                        beginHealth(pid: pid, ref: InstanceRef(appID: saved.id, index: s.index), port: port, spec: spec, adopted: true)
                    }
                    adopted += 1
                } else if s.pid != nil || s.state == .waitingRestart || s.state == .launching {
                    inst.pid = nil
                    inst.state = .waitingRestart
                    if s.pid != nil {
                        inst.lastExit = ExitInfo(code: nil, signal: nil, atMs: wallNow,
                                                 reason: "gone when the daemon restarted (it ended while no daemon watched)")
                    }
                    restarted.append(InstanceRef(appID: saved.id, index: s.index))
                }
                app.instances[s.index] = inst
            }
            apps[saved.id] = app
            order.append(saved.id)
        }
        nextAppID = max(nextAppID, state.nextAppID)
        unused.values.forEach { close($0) }
        for id in order {
            do throws(APIError) { try ensureSockets(of: id) } catch { logger.error("\(error.message)") }
            refreshSteering(id)
            for index in apps[id]?.instances.indices ?? 0..<0 where apps[id]?.instances[index].pid != nil {
                armWatchdog(InstanceRef(appID: id, index: index))
            }
        }
        for ref in restarted { launch(ref, isRestart: true) }
        for id in order { Task { await self.armTriggers(id) } }
        markDurable()
        return (adopted, restarted.count)
    }

    /// Reads `state.json`, when a previous daemon left one.
    static func loadDurable(_ home: DaemonHome) -> DurableState? {
        guard let text = readTextFile(home.statePath, limit: 64 << 20), !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(DurableState.self, from: Data(text.utf8))
    }
}
