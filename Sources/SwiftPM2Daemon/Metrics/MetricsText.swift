import Prometheus
import SwiftPM2Core

/// Renders a `MetricsSnapshot` in the Prometheus text exposition format (0.0.4), with
/// swift-prometheus doing the formatting and the escaping of label values.
///
/// Each call fills a fresh `PrometheusCollectorRegistry`, so nothing outlives a scrape: apps
/// and instances that are gone leave no stale series. A value that is not known (CPU before
/// the second sample, memory of an instance without a process) is left out, not sent as 0.
/// The registry emits in hash order; the text is reordered (`MetricsText.ordered`) so that the
/// same snapshot always gives the same bytes.
enum MetricsText {
    /// The `Content-Type` of the text.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition text of `snapshot`.
    static func render(_ snapshot: MetricsSnapshot) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        record(snapshot.daemon, in: registry)
        for app in snapshot.apps {
            let appLabels = [("app", app.name), ("namespace", app.namespace)]
            set(.appInstances, appLabels, Double(app.instances.count), in: registry)
            for instance in app.instances {
                record(instance, labels: appLabels + [("instance", String(instance.index))], in: registry)
            }
        }
        return ordered(registry.emitToBuffer())
    }

    private static func record(_ daemon: DaemonFigures, in registry: PrometheusCollectorRegistry) {
        set(.daemonInfo, [("version", daemon.version)], 1, in: registry)
        set(.daemonPID, [], Double(daemon.pid), in: registry)
        set(.daemonUptime, [], daemon.uptimeSeconds, in: registry)
        set(.daemonCPU, [], daemon.cpuSecondsTotal, in: registry)
        // `{ Double($0) }`, not `Double.init`: for a UInt64 that picks `init(bitPattern:)`.
        set(.daemonMemory, [], daemon.rssBytes.map { Double($0) }, in: registry)
        set(.daemonOpenFDs, [], daemon.openFDs.map { Double($0) }, in: registry)
    }

    private static func record(_ instance: InstanceInfo, labels: [(String, String)], in registry: PrometheusCollectorRegistry) {
        set(.instanceUp, labels, instance.state == .online ? 1 : 0, in: registry)
        for state in InstanceState.allCases {
            set(.instanceState, labels + [("state", state.rawValue)], instance.state == state ? 1 : 0, in: registry)
        }
        set(.instancePID, labels, instance.pid.map { Double($0) }, in: registry)
        set(.instanceUptime, labels, instance.uptimeMs.map { Double($0) / 1000 }, in: registry)
        set(.instanceCPU, labels, instance.cpuPercent.map { $0 / 100 }, in: registry)
        set(.instanceMemory, labels, instance.memoryBytes.map { Double($0) }, in: registry)
        set(.instanceRestarts, labels, Double(instance.restarts), in: registry)
        set(.instanceUnstableRestarts, labels, Double(instance.unstableRestarts), in: registry)
    }

    /// One sample; nothing when `value` is unknown or not a finite number.
    private static func set(_ family: MetricFamily, _ labels: [(String, String)], _ value: Double?,
                            in registry: PrometheusCollectorRegistry) {
        guard let value, value.isFinite else { return }
        if family.isCounter {
            let counter = registry.makeCounter(descriptor: family.descriptor, labels: labels)
            // Whole numbers as integers (`3`, not `3.0`); a counter never goes below 0.
            if value == value.rounded(), abs(value) < 1e15 {
                counter.increment(by: Int64(max(value, 0)))
            } else {
                counter.increment(by: max(value, 0))
            }
        } else {
            registry.makeGauge(descriptor: family.descriptor, labels: labels).set(to: value)
        }
    }
}
