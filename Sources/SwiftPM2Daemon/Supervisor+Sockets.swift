import Glibc
import SwiftPM2Core

/// The listening sockets of cluster-mode apps: binding, per-slot sockets, and the
/// round-robin rotation of `balance: roundrobin`.
extension Supervisor {
    /// True when `spec`'s instances each get sockets of their own: `reuseport`, and
    /// `roundrobin` where this daemon may load its BPF program (else it shares one socket).
    func perSlotSockets(_ spec: AppSpec) -> Bool {
        switch spec.balance {
        case .shared: return false
        case .reuseport: return true
        case .roundRobin: return steeringAvailable
        }
    }

    var steeringAvailable: Bool {
        if case .success = ConnectionSteering.isAvailable { return true }
        return false
    }

    /// What start says when round-robin falls back to one shared socket.
    func balanceWarnings(_ spec: AppSpec) -> [String] {
        guard spec.execMode == .cluster, !spec.listen.isEmpty, spec.balance == .roundRobin,
              case .failure(let error) = ConnectionSteering.isAvailable else { return [] }
        return ["\(spec.name): balance \"roundrobin\" needs the daemon to load a BPF program (\(error.description); it needs CAP_BPF or root), so its instances share one socket (balance \"shared\") instead"]
    }

    /// Binds every `listen` address of `spec` once (SO_REUSEPORT for per-slot sockets).
    func bindAll(_ spec: AppSpec) throws(DaemonError) -> [ListenSocket] {
        var sockets: [ListenSocket] = []
        for address in spec.listen {
            do {
                sockets.append(try ListenSocket.bind(address, reusePort: perSlotSockets(spec)))
            } catch {
                sockets.forEach { $0.close() }
                throw error
            }
        }
        return sockets
    }

    /// Binds a cluster app's sockets again if it holds none (a failed start that replaced
    /// them, say), so that its instances never start without them.
    func ensureSockets(of id: Int) throws(APIError) {
        guard let app = apps[id], app.spec.execMode == .cluster, !app.spec.listen.isEmpty,
              app.sockets.isEmpty, app.slotSockets.isEmpty else { return }
        do throws(DaemonError) {
            if perSlotSockets(app.spec) {
                apps[id]?.slotSockets = try bindSlots(app.spec, count: app.instances.count)
            } else {
                apps[id]?.sockets = try bindAll(app.spec)
            }
        } catch {
            throw APIError(.conflict, "\(app.spec.name): \(error.description)")
        }
    }

    /// The sockets of `count` instance slots (one `bindAll` each); on a failure, those already
    /// bound are closed.
    func bindSlots(_ spec: AppSpec, count: Int) throws(DaemonError) -> [[ListenSocket]] {
        var slots: [[ListenSocket]] = []
        do throws(DaemonError) {
            for _ in 0..<count { slots.append(try bindAll(spec)) }
        } catch {
            slots.joined().forEach { $0.close() }
            throw error
        }
        return slots
    }

    /// Closes the listening sockets of an app (delete, replacement, shutdown).
    func closeSockets(of id: Int) {
        apps[id]?.sockets.forEach { $0.close() }
        apps[id]?.sockets = []
        apps[id]?.slotSockets.joined().forEach { $0.close() }
        apps[id]?.slotSockets = []
        apps[id]?.steering = []
        markDurable()
    }

    /// `balance: roundrobin`: puts exactly the slots whose instance is online (and not being
    /// drained) in each address's rotation, attaching the program first if the app has none.
    /// Called after every instance event; writes to the kernel only what changed.
    func refreshSteering(_ id: Int, attempt: Int = 0) {
        guard var app = apps[id], app.spec.balance == .roundRobin, !app.slotSockets.isEmpty, steeringAvailable else { return }
        do throws(DaemonError) {
            if app.steering.count != app.spec.listen.count {
                var made: [ConnectionSteering] = []
                for socket in app.slotSockets[0] {
                    let steering = try ConnectionSteering()
                    try steering.attach(to: socket)
                    made.append(steering)
                }
                app.steering = made
                apps[id] = app
            }
            let serving = app.instances.indices.filter {
                app.instances[$0].state == .online && !app.drainingSlots.contains($0) && $0 < app.slotSockets.count
            }
            for (k, steering) in app.steering.enumerated() {
                try steering.rotate(over: serving.map { app.slotSockets[$0][k].fd })
            }
        } catch {
            // EBUSY after a takeover: the previous daemon's program, just replaced, still holds
            // the sockets until the kernel frees it; try again shortly.
            if error.errno == EBUSY && attempt < 50 {
                Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(20))
                    await self?.refreshSteering(id, attempt: attempt + 1)
                }
                return
            }
            logger.warning("\(app.spec.name): \(error.description); connections are spread by the kernel's hash meanwhile")
        }
    }

    /// `balance: roundrobin`, before scaling down: takes `slots` out of the rotation, then
    /// waits (at most 2 s) until their instances have accepted what was already queued on
    /// their sockets, so that closing those sockets resets no connection.
    func drain(slots: Range<Int>, of id: Int) async {
        guard let app = apps[id], !app.steering.isEmpty else { return }
        apps[id]?.drainingSlots.formUnion(slots)
        refreshSteering(id)
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            guard let now = apps[id] else { return }
            let queued = slots.filter { $0 < now.slotSockets.count }.reduce(0) { sum, slot in
                sum + now.slotSockets[slot].reduce(0) { $0 + $1.queuedConnections }
            }
            if queued == 0 { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
