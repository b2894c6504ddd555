import Glibc
import SwiftPM2Core

/// What recycles a whole app by itself: `cron_restart` (on schedule) and `watch` (on file
/// changes, once per burst). Both recycle gracefully: a rolling replacement in cluster mode.
extension Supervisor {
    /// (Re)arms the app's cron timer and file watcher from its spec.
    func armTriggers(_ id: Int) async {
        disarmTriggers(id)
        guard let spec = apps[id]?.spec else { return }
        if let source = spec.cronRestart, let schedule = try? CronSchedule(parsing: source) {
            apps[id]?.cronTask = Task { [weak self] in
                await self?.runCron(schedule, app: id)
            }
        }
        if !spec.watch.isEmpty {
            let delay = Duration.milliseconds(spec.watchDelayMs ?? 1000)
            do {
                let watcher = try await FileWatcher.start(folders: spec.watch, ignore: spec.ignoreWatch, delay: delay,
                                                          maxWait: delay * 10, logger: logger)
                guard apps[id]?.spec == spec else { watcher.stop(); return } // changed meanwhile
                apps[id]?.watcher = watcher
                apps[id]?.watchTask = Task { [weak self] in
                    for await change in watcher.changes {
                        let first = change.paths.first ?? "a watched folder"
                        let more = change.count > 1 ? " and \(change.count - 1) more change(s)" : ""
                        await self?.recycleApp(id, kind: "watch", why: "watch: \(first) changed\(more)")
                    }
                }
            } catch {
                logger.warning("\(spec.name): cannot watch \(spec.watch.joined(separator: ", ")): \(error.description)")
                bus.publish(Event(atMs: wallClockMs(), app: spec.name, appId: id, instance: nil, pid: nil,
                                  kind: "watch-failed", state: nil, message: error.description))
            }
        }
    }

    func disarmTriggers(_ id: Int) {
        apps[id]?.cronTask?.cancel()
        apps[id]?.cronTask = nil
        apps[id]?.watcher?.stop()
        apps[id]?.watcher = nil
        apps[id]?.watchTask?.cancel()
        apps[id]?.watchTask = nil
    }

    /// Sleeps until each next fire time of `schedule` (local time, wall clock) and recycles the
    /// app then. The wall clock is read again after every sleep, so a clock set back does not
    /// fire early and one set forward fires at the first wake-up after the time.
    private func runCron(_ schedule: CronSchedule, app id: Int) async {
        var after = Int64(wallClockMs() / 1000)
        while !Task.isCancelled {
            guard let next = schedule.nextFire(after: after, utcOffset: LogDateFormat.localUTCOffsetSeconds(atEpochSeconds:)) else { return }
            while !Task.isCancelled {
                let nowMs = wallClockMs()
                if nowMs >= next * 1000 { break }
                try? await Task.sleep(for: .milliseconds(min(next * 1000 - nowMs, 60_000)))
            }
            guard !Task.isCancelled else { return }
            await recycleApp(id, kind: "cron", why: "cron_restart \"\(schedule.source)\"")
            after = max(next, Int64(wallClockMs() / 1000))
        }
    }
}
