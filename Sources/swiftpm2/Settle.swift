import SwiftPM2Client
import SwiftPM2Core

/// Watches instances that were just started for a short while, so that one that fails at once
/// is reported by the command that started it, with the reason.
struct Settle {
    let client: DaemonClient
    /// Selectors of the apps to watch.
    let selectors: [String]
    /// How long instances are watched for a crash once none is launching.
    let window: Duration
    /// How long instances may stay `launching` (waiting for READY=1) at the most.
    var readinessLimit: Duration = .zero

    /// Restart counts when the command's own start was done; more than this is a crash since.
    func watch(from baseline: [AppInfo]) async throws -> (apps: [AppInfo], failures: [String]) {
        let before = Dictionary(baseline.flatMap { app in app.instances.map { ("\(app.id)/\($0.index)", $0.restarts) } }) { a, _ in a }
        let hardLimit = ContinuousClock.now + readinessLimit + window
        var deadline = ContinuousClock.now + window
        while true {
            var apps: [AppInfo] = []
            for selector in selectors {
                apps += try await api { () async throws(ClientError) in try await client.apps(selector) }.apps
            }
            let failures = apps.flatMap { app in
                app.instances.compactMap { Self.failure(app, $0, restartsBefore: before["\(app.id)/\($0.index)"] ?? 0) }
            }
            let launching = apps.contains { $0.instances.contains { $0.state == .launching } }
            if launching { deadline = min(hardLimit, ContinuousClock.now + window) }
            if (!launching && !failures.isEmpty) || ContinuousClock.now >= deadline {
                return (apps, failures)
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// A sentence for an instance that failed or crashed since the command started it.
    static func failure(_ app: AppInfo, _ inst: InstanceInfo, restartsBefore: Int) -> String? {
        let name = "\(app.name)[\(inst.index)]"
        let hint = "see `swiftpm2 logs \(app.name)`"
        if inst.state == .errored {
            return "\(name) failed: \(inst.message ?? "unknown reason"); \(hint)"
        }
        let crashes = inst.restarts - restartsBefore + (inst.state == .waitingRestart ? 1 : 0)
        if crashes > 0, let exit = inst.lastExit {
            return "\(name) \(exit.reason) right after starting (\(crashes) crash\(crashes == 1 ? "" : "es") so far; it is being restarted); \(hint)"
        }
        return nil
    }
}
