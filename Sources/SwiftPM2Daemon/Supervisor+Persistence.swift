import FoundationEssentials
import Glibc
import SwiftPM2Core

/// `save` and `resurrect` (`dump.json`), and what the daemon does at start: take back what a
/// crashed daemon ran, or resurrect what was saved.
extension Supervisor {
    /// Writes every app to `dump.json`: to a temporary file, fsync, the previous dump linked to
    /// `dump.json.bak`, then renamed over, and the folder fsynced; so `dump.json` is always
    /// whole, the old one or the new one.
    public func save() throws(APIError) -> SaveResult {
        let saved = SavedApps(savedAtMs: wallClockMs(), apps: order.compactMap { id in
            guard let app = apps[id] else { return nil }
            var spec = app.spec
            spec.instances = .count(app.instances.count)
            return SavedApp(spec: spec, running: !app.isFullyStopped)
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(saved) else { throw APIError(.internalError, "cannot encode the apps") }
        let path = home.dumpPath
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw APIError(.internalError, "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else {
            unlink(temporary)
            throw APIError(.internalError, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        var backup: String?
        if access(path, F_OK) == 0 {
            unlink(path + ".bak")
            if link(path, path + ".bak") == 0 { backup = path + ".bak" }
        }
        guard rename(temporary, path) == 0 else {
            throw APIError(.internalError, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        let dir = open(home.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
        return SaveResult(path: path, apps: saved.apps.map(\.spec.name), backup: backup)
    }

    /// Starts the apps of `dump.json` that ran when saved and do not run now, so running it
    /// twice never doubles an app. Falls back to `dump.json.bak` when `dump.json` is unreadable.
    public func resurrect() throws(APIError) -> AppList {
        var warnings: [String] = []
        var saved = Self.readDump(home.dumpPath)
        if saved == nil, let backup = Self.readDump(home.dumpPath + ".bak") {
            warnings.append("\(home.dumpPath) is missing or unreadable; used \(home.dumpPath).bak")
            saved = backup
        }
        guard let saved else {
            throw APIError(.notFound, "nothing saved: \(home.dumpPath) does not exist (run `swiftpm2 save` first)")
        }
        var specs: [AppSpec] = []
        for entry in saved.apps where entry.running {
            if let existing = app(named: entry.spec.name), !existing.isFullyStopped {
                warnings.append("\(entry.spec.name): already runs (id \(existing.id)), left as it is")
            } else {
                specs.append(entry.spec)
            }
        }
        guard !specs.isEmpty else { return AppList(apps: [], warnings: warnings) }
        var list = try start(specs)
        list.warnings = warnings + list.warnings
        return list
    }

    static func readDump(_ path: String) -> SavedApps? {
        guard let text = readTextFile(path, limit: 64 << 20), !text.isEmpty else { return nil }
        return try? JSONDecoder().decode(SavedApps.self, from: Data(text.utf8))
    }

    /// At start: keeps descriptors in `store` from now on, takes back what a previous daemon
    /// left running (`state.json`), and with `resurrect` and nothing to take back, starts the
    /// saved apps. Returns a line for the log, or nil when there was nothing.
    func takeOver(store: DescriptorStore, recovered: [String: Int32], resurrect: Bool) -> String? {
        self.store = store
        if let state = Self.loadDurable(home), !state.apps.isEmpty {
            let (adopted, restarted) = adopt(state, fds: recovered)
            let line = "took over from pid \(state.daemonPID): \(adopted) instance(s) still running, \(restarted) started again"
            bus.publish(Event(atMs: wallClockMs(), app: "", appId: -1, instance: nil, pid: nil, kind: "takeover", state: nil, message: line))
            return line
        }
        recovered.values.forEach { close($0) }
        guard resurrect else { return nil }
        do throws(APIError) {
            let list = try self.resurrect()
            return "resurrected \(list.apps.count) app(s) from \(home.dumpPath)"
        } catch {
            logger.warning("resurrect: \(error.message)")
            return nil
        }
    }

    /// The one-line summary for sd_notify STATUS.
    func statusLine() -> String {
        summary()
    }
}
