import Glibc
import SwiftPM2Worker

/// When the manager sets a watchdog (`WATCHDOG_USEC`), sends `WATCHDOG=1` at half the interval
/// from a thread of its own. `HANG_AFTER_MS=N` stops the pings after N ms, to show what the
/// manager does with a hung instance.
enum WatchdogPinger {
    static func startIfAsked() {
        guard let interval = Worker.watchdogInterval else { return }
        let halfMicros = UInt32(max(1000, (interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000) / 2))
        let hangAfterMs = getenv("HANG_AFTER_MS").flatMap { Int(String(cString: $0)) }
        let box = Unmanaged.passRetained(PingPlan(halfMicros: halfMicros, hangAfterMs: hangAfterMs)).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let plan = Unmanaged<PingPlan>.fromOpaque(raw!).takeRetainedValue()
            var elapsedMs = 0
            while plan.hangAfterMs.map({ elapsedMs < $0 }) ?? true {
                Worker.watchdog()
                usleep(plan.halfMicros)
                elapsedMs += Int(plan.halfMicros / 1000)
            }
            return nil
        }, box)
        pthread_detach(thread)
    }

    final class PingPlan: Sendable {
        let halfMicros: UInt32
        let hangAfterMs: Int?
        init(halfMicros: UInt32, hangAfterMs: Int?) {
            self.halfMicros = halfMicros
            self.hangAfterMs = hangAfterMs
        }
    }
}
