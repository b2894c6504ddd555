extension HealthTracker {
    /// The settings of one app's checks, in the units the tracker works in.
    public struct Settings: Sendable, Equatable {
        public var interval: Duration
        /// Interval while a `wait_ready` instance waits for its first passing check: short, so
        /// that it is ready soon after it is healthy.
        public var startupInterval: Duration
        public var failures: Int
        /// Without `wait_ready`: failures this soon after the start do not count.
        public var startPeriod: Duration
        /// `wait_ready`: the instance is launching until a check passes.
        public var gatesReadiness: Bool
        public var listenTimeout: Duration

        /// The start-up interval is `interval`, but at most this.
        public static let startupIntervalCap = Duration.milliseconds(250)

        public init(interval: Duration = .milliseconds(HealthCheck.defaultIntervalMs), failures: Int = HealthCheck.defaultFailures,
                    startPeriod: Duration = .zero, gatesReadiness: Bool = false, listenTimeout: Duration = .seconds(3)) {
            self.interval = interval
            self.startupInterval = min(interval, Settings.startupIntervalCap)
            self.failures = max(1, failures)
            self.startPeriod = startPeriod
            self.gatesReadiness = gatesReadiness
            self.listenTimeout = listenTimeout
        }

        /// An app's settings: its `health`, and `wait_ready` and `listen_timeout`.
        public init(check: HealthCheck, waitReady: Bool, listenTimeoutMs: Int) {
            self.init(interval: .milliseconds(check.intervalMs), failures: check.failures,
                      startPeriod: .milliseconds(check.startPeriodMs ?? 0), gatesReadiness: waitReady,
                      listenTimeout: .milliseconds(listenTimeoutMs))
        }
    }
}
