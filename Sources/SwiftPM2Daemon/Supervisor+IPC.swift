import Glibc
import SwiftPM2Core

/// Messages between the daemon and instances with `ipc: true` (docs/messages.md): send,
/// trigger with replies and a timeout, pings, declared actions, and messages from instances as
/// events. Per process state is keyed by pid, so a replacement starts with a clean channel.
extension Supervisor {
    /// Serves the daemon's end of a new process's channel (the fd store keeps a copy, so
    /// that the channel survives a daemon crash).
    func openIPC(fd: Int32, pid: pid_t) {
        if let store {
            let copy = dup(fd)
            store.keep(StoredName.ipc(pid: pid), copy)
            close(copy)
        }
        ipcChannels[pid] = IPCChannel(fd: fd, pid: pid, group: group, inbox: ipcInbox)
        ipcInfo[pid] = IPCInfo()
    }

    func closeIPC(of pid: pid_t) {
        guard let channel = ipcChannels.removeValue(forKey: pid) else { return }
        channel.close()
        ipcInfo.removeValue(forKey: pid)
        ipcPings.removeValue(forKey: pid)
        store?.discard(StoredName.ipc(pid: pid))
    }

    /// Applies what instances send, in order.
    func consumeIPC() async {
        for await event in ipcEvents {
            switch event {
            case .line(let pid, let message): handleIPC(pid, message)
            case .malformed(let pid, let why):
                ipcInfo[pid]?.malformed += 1
                let now = self.now
                if now - (ipcMalformedLogged[pid] ?? .seconds(-10)) >= .seconds(1) {
                    ipcMalformedLogged[pid] = now
                    logger.warning("pid \(pid): ignored a malformed message (\(why)); \(ipcInfo[pid]?.malformed ?? 1) so far")
                }
            }
        }
    }

    private func handleIPC(_ pid: pid_t, _ message: IPCInbound) {
        guard ipcInfo[pid] != nil else { return }
        ipcInfo[pid]?.received += 1
        switch message.type {
        case "reply":
            if let id = message.id, let waiter = ipcWaiters.removeValue(forKey: id) {
                waiter.resume(returning: .answered(message.data ?? .null, error: message.error))
            } else if let id = message.id, ipcAsked.contains(id) {
                ipcEarlyReplies[id] = .answered(message.data ?? .null, error: message.error)
            } else {
                publishMessage(pid, kind: "reply", (message.data ?? .null).description)
            }
        case "pong":
            ipcInfo[pid]?.lastPong = message.data ?? .null
            ipcInfo[pid]?.lastPongAtMs = wallClockMs()
            ipcInfo[pid]?.missedPings = 0
            if ipcPings[pid]?.outstanding == message.id { ipcPings[pid]?.outstanding = nil }
        case "actions":
            ipcInfo[pid]?.actions = message.actions ?? []
        case "message":
            publishMessage(pid, kind: "message", (message.data ?? .null).description)
        default:
            break // unknown types are ignored (forward compatibility)
        }
    }

    /// A `message` or unmatched `reply` from an instance, as an event.
    private func publishMessage(_ pid: pid_t, kind: String, _ text: String) {
        let ref = byPID[pid] ?? replacements[pid]?.ref
        let name = ref.flatMap { apps[$0.appID]?.spec.name } ?? ""
        bus.publish(Event(atMs: wallClockMs(), app: name, appId: ref?.appID ?? -1, instance: ref?.index, pid: pid,
                          kind: kind, state: nil, message: text))
    }

    /// The instances a send or trigger goes to: the running instances of the selected apps
    /// (one, with `instance`), with why each one cannot take part, if so.
    private func ipcTargets(_ selector: AppSelector, instance: Int?) throws(APIError) -> [(entry: IPCResult.Entry, channel: IPCChannel?)] {
        var out: [(IPCResult.Entry, IPCChannel?)] = []
        var ids = try resolve(selector)
        // Several apps (`all`, a namespace): those without a channel are left out, unless no
        // selected app has one (then each says why).
        let withChannel = ids.filter { apps[$0]?.spec.ipc == true }
        if ids.count > 1 && !withChannel.isEmpty { ids = withChannel }
        for id in ids {
            guard let app = apps[id] else { continue }
            if let instance, !app.instances.indices.contains(instance) {
                throw APIError(.notFound, "\(app.spec.name) has no instance \(instance) (it has \(app.instances.count))")
            }
            for inst in app.instances where instance == nil || inst.index == instance {
                var entry = IPCResult.Entry(app: app.spec.name, instance: inst.index, pid: inst.pid)
                var channel: IPCChannel?
                if app.spec.ipc != true {
                    entry.reason = "no message channel (set \"ipc\": true for \(app.spec.name))"
                } else if let pid = inst.pid, let ch = ipcChannels[pid] {
                    channel = ch
                } else {
                    entry.reason = "not running (\(inst.state.rawValue))"
                }
                out.append((entry, channel))
            }
        }
        return out
    }

    /// `send`: a `message` to each selected instance.
    public func send(_ selector: AppSelector, instance: Int?, data: JSONValue) throws(APIError) -> IPCResult {
        var result = IPCResult()
        for (entry, channel) in try ipcTargets(selector, instance: instance) {
            guard let channel, let pid = entry.pid else { result.missing.append(entry); continue }
            if channel.send(["type": .string("message"), "data": data]) {
                ipcInfo[pid]?.sent += 1
                result.done.append(entry)
            } else {
                ipcInfo[pid]?.dropped += 1
                var dropped = entry
                dropped.reason = "dropped: its queue is full (it does not read its channel)"
                result.missing.append(dropped)
            }
        }
        return result
    }

    /// `trigger`: an `action` to each selected instance, and their replies within `timeout`.
    public func trigger(_ selector: AppSelector, instance: Int?, action: String, data: JSONValue,
                        timeout: Duration) async throws(APIError) -> IPCResult {
        var result = IPCResult()
        var asked: [(IPCResult.Entry, String)] = []
        for (entry, channel) in try ipcTargets(selector, instance: instance) {
            guard let channel, let pid = entry.pid else { result.missing.append(entry); continue }
            let declared = ipcInfo[pid]?.actions ?? []
            if !declared.isEmpty && !declared.contains(action) {
                var missing = entry
                missing.reason = "does not offer \"\(action)\" (it offers \(declared.joined(separator: ", ")))"
                result.missing.append(missing)
                continue
            }
            ipcNextID += 1
            let id = "t\(ipcNextID)"
            ipcAsked.insert(id)
            if channel.send(["type": .string("action"), "id": .string(id), "action": .string(action), "data": data]) {
                ipcInfo[pid]?.sent += 1
                asked.append((entry, id))
            } else {
                ipcInfo[pid]?.dropped += 1
                var dropped = entry
                dropped.reason = "dropped: its queue is full (it does not read its channel)"
                result.missing.append(dropped)
            }
        }
        let deadline = ContinuousClock.now + timeout
        for (entry, id) in asked {
            var answered = entry
            let outcome = await reply(to: id, until: deadline)
            ipcAsked.remove(id)
            switch outcome {
            case .answered(let data, let error?):
                answered.data = data
                answered.reason = "it answered with an error: \(error)"
                result.missing.append(answered)
            case .answered(let data, nil):
                answered.data = data
                result.done.append(answered)
            case .timedOut:
                answered.reason = "no reply within \(RestartPolicy.describe(timeout))"
                result.missing.append(answered)
            }
        }
        return result
    }

    /// Waits for the `reply` with `id` until `deadline` (one deadline for every instance a
    /// trigger asked, counted from when it sent the actions); replies that came earlier wait
    /// in `ipcEarlyReplies`.
    private func reply(to id: String, until deadline: ContinuousClock.Instant) async -> IPCReplyOutcome {
        if let early = ipcEarlyReplies.removeValue(forKey: id) { return early }
        guard deadline > .now else { return .timedOut }
        return await withCheckedContinuation { (c: CheckedContinuation<IPCReplyOutcome, Never>) in
            ipcWaiters[id] = c
            Task { [weak self] in
                try? await Task.sleep(until: deadline)
                await self?.expire(id)
            }
        }
    }

    private func expire(_ id: String) {
        ipcWaiters.removeValue(forKey: id)?.resume(returning: .timedOut)
    }

    /// Pings the instances whose `ipc_ping` interval has passed (called every second).
    func pingDue() {
        let now = self.now
        for id in order {
            guard let app = apps[id], app.spec.ipc == true else { continue }
            let interval = Duration.milliseconds(app.spec.ipcPingMs ?? 30_000)
            guard interval > .zero else { continue }
            for inst in app.instances {
                guard let pid = inst.pid, let channel = ipcChannels[pid] else { continue }
                var state = ipcPings[pid] ?? IPCPingState(lastAt: now - interval)
                guard now - state.lastAt >= interval else { continue }
                if state.outstanding != nil { ipcInfo[pid]?.missedPings += 1 }
                ipcNextID += 1
                let pingID = "p\(ipcNextID)"
                if channel.send(["type": .string("ping"), "id": .string(pingID)]) {
                    ipcInfo[pid]?.sent += 1
                } else {
                    ipcInfo[pid]?.dropped += 1
                }
                state.lastAt = now
                state.outstanding = pingID
                ipcPings[pid] = state
            }
        }
    }
}

enum IPCReplyOutcome: Sendable {
    case answered(JSONValue, error: String?)
    case timedOut
}

struct IPCPingState {
    var lastAt: Duration
    var outstanding: String?
}
