import Glibc
import Logging
import NIOCore
import SwiftPM2Core

/// The one owner of every app and instance.
///
/// Child exits, timers and API calls all arrive here as calls on the actor and are applied in
/// order; nothing else mutates supervision state. After every `await` inside an action the
/// state is looked up again, never assumed.
public actor Supervisor {
    let home: DaemonHome
    let logger: Logger
    let reaper: ChildReaper
    let bus: EventBus
    let logPump: TimestampingLogPump
    let notifier = SystemdNotifier()
    let cores: Int
    /// Given to every instance as `NOTIFY_SOCKET`.
    let notifyPath: String?
    private let origin = ContinuousClock.now
    let startedWallMs = wallClockMs()

    var apps: [Int: ManagedApp] = [:]
    /// App ids in the order they were added.
    var order: [Int] = []
    var nextAppID = 0
    var byPID: [pid_t: InstanceRef] = [:]
    /// Rolling reload: processes started to take over a slot, until ready or failed.
    var replacements: [pid_t: Replacement] = [:]
    /// Rolling reload: processes that handed their slot over and are being stopped.
    var retiring: [pid_t: Retiring] = [:]
    /// STATUS= of replacements that got ready, until they take their slot.
    var replacementStatus: [pid_t: String] = [:]
    /// Descriptors that outlive the daemon (sockets, log pipes), once `run` opened it.
    var store: DescriptorStore?
    /// A write of `state.json` (and a sync of `store`) is pending.
    var durableDirty = false
    /// Exits of instances taken over from a previous daemon (not our children).
    let adoptedExits = ProcessExitWatcher()
    /// Processes whose log pipes' read ends are in `store`.
    var storedLogPipes: Set<pid_t> = []
    /// Samples instances' process trees (nil when /proc cannot be read).
    var sampler: ProcessSampler<InstanceRef>?
    /// Health checks (`health`), by process.
    var healthRuns: [pid_t: HealthRun] = [:]
    let healthProbe: HealthProbe
    /// Message channels (`ipc: true`), by process.
    var ipcChannels: [pid_t: IPCChannel] = [:]
    var ipcInfo: [pid_t: IPCInfo] = [:]
    var ipcPings: [pid_t: IPCPingState] = [:]
    var ipcWaiters: [String: CheckedContinuation<IPCReplyOutcome, Never>] = [:]
    var ipcEarlyReplies: [String: IPCReplyOutcome] = [:]
    /// Ids of trigger requests still waited for.
    var ipcAsked: Set<String> = []
    var ipcNextID = 0
    var ipcMalformedLogged: [pid_t: Duration] = [:]
    /// Everything instances send over their channels, in order.
    let ipcEvents: AsyncStream<IPCEvent>
    let ipcInbox: AsyncStream<IPCEvent>.Continuation
    let group: any EventLoopGroup
    /// Measures instances near their memory limit between samples (`sampleNearLimit`).
    var memorySampler: ProcessSampler<InstanceRef>?

    init(home: DaemonHome, logger: Logger, reaper: ChildReaper, bus: EventBus, group: any EventLoopGroup, notifyPath: String?) {
        self.notifyPath = notifyPath
        self.home = home
        self.logger = logger
        self.reaper = reaper
        self.bus = bus
        self.logPump = TimestampingLogPump(group: group, logger: logger)
        self.group = group
        self.healthProbe = HealthProbe(group: group)
        (self.ipcEvents, self.ipcInbox) = AsyncStream.makeStream(of: IPCEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        self.cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        self.sampler = try? ProcessSampler<InstanceRef>()
        self.memorySampler = try? ProcessSampler<InstanceRef>(pssEvery: 0)
    }

    /// Monotonic time since the supervisor started.
    var now: Duration { ContinuousClock.now - origin }

    /// Applies child exits as they are reaped; returns when the reaper's stream ends.
    func consumeExits() async {
        for await exit in reaper.exits {
            handleExit(exit)
        }
    }

    /// Applies exits of instances taken over from a previous daemon.
    func consumeAdoptedExits() async {
        for await exit in adoptedExits.exits {
            handleExit(exit)
        }
    }

    // MARK: - Events

    func publish(_ ref: InstanceRef, kind: String, _ message: String) {
        guard let app = apps[ref.appID] else { return }
        let inst = app.instances[ref.index]
        bus.publish(Event(atMs: wallClockMs(), app: app.spec.name, appId: app.id, instance: ref.index,
                          pid: inst.pid ?? inst.pgid, kind: kind, state: inst.state, message: message))
        var log = logger
        log[metadataKey: "app"] = "\(app.spec.name)"
        log[metadataKey: "instance"] = "\(ref.index)"
        if let pid = inst.pid ?? inst.pgid { log[metadataKey: "pid"] = "\(pid)" }
        log.info("\(kind): \(message)")
        if notifier.isEnabled { notifier.status(summary()) }
        refreshSteering(ref.appID)
        markDurable()
    }

    // MARK: - Views

    func info(_ app: ManagedApp) -> AppInfo {
        let nowWall = wallClockMs()
        let instances = app.instances.map { inst in
            InstanceInfo(
                index: inst.index, pid: inst.pid, state: inst.state, restarts: inst.restarts,
                unstableRestarts: inst.policy.unstableCrashes, startedAtMs: inst.pid == nil ? nil : inst.startedAtWallMs,
                uptimeMs: inst.pid == nil ? nil : inst.startedAtWallMs.map { Int(nowWall - $0) },
                cpuPercent: inst.pid == nil ? nil : inst.lastSample?.cpuPercent,
                memoryBytes: inst.pid == nil ? nil : (inst.lastSample?.rssBytes ?? inst.pid.flatMap(residentBytes(of:))),
                lastExit: inst.lastExit, message: inst.message, outLog: inst.logs.out, errLog: inst.logs.err,
                status: inst.statusText, pssBytes: inst.pid == nil ? nil : inst.lastSample?.pssBytes,
                processes: inst.pid == nil ? nil : inst.lastSample?.processCount,
                ipc: inst.pid.flatMap { ipcInfo[$0] })
        }
        // Environment values may be secrets: the API shows the names only.
        var shown = app.spec
        shown.env = shown.env.mapValues { _ in AppInfo.hiddenValue }
        return AppInfo(id: app.id, name: app.spec.name, namespace: app.spec.namespace, mode: app.spec.execMode,
                       spec: shown, instances: instances)
    }

    /// The ids `selector` names, or a 404 that says what exists.
    func resolve(_ selector: AppSelector) throws(APIError) -> [Int] {
        let ids = selector.select(from: order.compactMap { id in apps[id].map { (id, $0.spec.name, $0.spec.namespace) } })
        if ids.isEmpty {
            if case .all = selector { return [] }
            let known = order.compactMap { apps[$0]?.spec.name }
            let list = known.isEmpty ? "no apps are running" : "known apps: " + known.joined(separator: ", ")
            throw APIError(.notFound, "no app, id or namespace matches `\(selector)` (\(list))")
        }
        return ids
    }

    public func list(_ selector: AppSelector = .all) throws(APIError) -> [AppInfo] {
        try resolve(selector).compactMap { apps[$0].map(info) }
    }

    /// `online 3, errored 1` for sd_notify STATUS and the ping.
    func summary() -> String {
        var counts: [InstanceState: Int] = [:]
        for app in apps.values { for inst in app.instances { counts[inst.state, default: 0] += 1 } }
        if counts.isEmpty { return "no apps" }
        return InstanceState.allCases.compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
    }
}

/// Resident memory of one process from `/proc/<pid>/statm`; the sampler of the monitoring
/// issue replaces this with whole-tree figures.
func residentBytes(of pid: pid_t) -> UInt64? {
    let fd = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 128)
    let n = read(fd, &buf, buf.count)
    guard n > 0 else { return nil }
    let fields = buf[..<n].split(separator: UInt8(ascii: " "))
    guard fields.count > 1, let pages = UInt64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}
