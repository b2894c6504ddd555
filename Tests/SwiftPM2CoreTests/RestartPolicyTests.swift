import Testing
@testable import SwiftPM2Core

@Suite struct RestartPolicyTests {
    /// Starts at `start`, crashes after `ran`; returns the decision.
    private func cycle(_ p: inout RestartPolicy, start: Duration, ran: Duration, code: Int32? = 1) -> RestartDecision {
        p.started(at: start)
        return p.exited(at: start + ran, code: code, signal: nil)
    }

    @Test func stableCrashRestartsWithFixedDelay() {
        var p = RestartPolicy(settings: RestartSettings(restartDelay: .milliseconds(250)))
        #expect(cycle(&p, start: .zero, ran: .seconds(120)) == .restart(after: .milliseconds(250)))
        #expect(p.unstableCrashes == 0)
    }

    @Test func fastCrashLoopGivesUpAfterMaxRestarts() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 3, minUptime: .seconds(1)))
        var t = Duration.zero
        for n in 1...3 {
            #expect(cycle(&p, start: t, ran: .milliseconds(10)) == .restart(after: .zero))
            #expect(p.unstableCrashes == n)
            t += .milliseconds(20)
        }
        guard case .giveUp(let reason) = cycle(&p, start: t, ran: .milliseconds(10)) else {
            Issue.record("expected give up"); return
        }
        #expect(reason.contains("4 times"))
        #expect(reason.contains("min_uptime"))
    }

    @Test func lateCrashLoopIsCaughtByCrashWindow() {
        // Each run lasts 30 s, far over min_uptime: PM2 would restart this forever.
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 2, minUptime: .seconds(1), crashWindow: .seconds(60)))
        var t = Duration.zero
        #expect(cycle(&p, start: t, ran: .seconds(30)) == .restart(after: .zero))
        #expect(p.unstableCrashes == 0) // the first crash has no previous one
        t += .seconds(30)
        #expect(cycle(&p, start: t, ran: .seconds(30)) == .restart(after: .zero))
        t += .seconds(30)
        #expect(cycle(&p, start: t, ran: .seconds(30)) == .restart(after: .zero))
        t += .seconds(30)
        guard case .giveUp(let reason) = cycle(&p, start: t, ran: .seconds(30)) else {
            Issue.record("expected give up"); return
        }
        #expect(reason.contains("crash_window"))
    }

    @Test func crashesFarApartNeverAccumulate() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 1, crashWindow: .seconds(60)))
        var t = Duration.zero
        for _ in 0..<10 {
            #expect(cycle(&p, start: t, ran: .seconds(600)) == .restart(after: .zero))
            t += .seconds(600)
        }
        #expect(p.unstableCrashes == 0)
    }

    @Test func stableRunResetsCount() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 2, crashWindow: .seconds(5)))
        _ = cycle(&p, start: .zero, ran: .milliseconds(5))
        _ = cycle(&p, start: .milliseconds(10), ran: .milliseconds(5))
        #expect(p.unstableCrashes == 2)
        _ = cycle(&p, start: .seconds(1), ran: .seconds(100))
        #expect(p.unstableCrashes == 0)
    }

    @Test func zeroMaxRestartsGivesUpOnFirstUnstableCrash() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 0))
        guard case .giveUp = cycle(&p, start: .zero, ran: .milliseconds(1)) else {
            Issue.record("expected give up"); return
        }
    }

    @Test func exponentialBackoffGrowsCapsAndResets() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 100, expBackoffBase: .milliseconds(100), crashWindow: .zero))
        var t = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<20 {
            guard case .restart(let d) = cycle(&p, start: t, ran: .milliseconds(1)) else { Issue.record("no restart"); return }
            delays.append(d)
            t += .seconds(20)
        }
        #expect(delays[0] == .milliseconds(100))
        #expect(delays[1] == .milliseconds(150))
        #expect(delays[2] == .milliseconds(225))
        #expect(delays.last == .seconds(15))
        #expect(delays.allSatisfy { $0 <= .seconds(15) })
        // A stable run brings the delay back to the base.
        #expect(cycle(&p, start: t, ran: .seconds(60)) == .restart(after: .milliseconds(100)))
    }

    @Test func autorestartOffStops() {
        var p = RestartPolicy(settings: RestartSettings(autorestart: false))
        #expect(cycle(&p, start: .zero, ran: .seconds(5)) == .stop(reason: "autorestart is off"))
    }

    @Test func stopExitCodesStopButSignalsRestart() {
        var p = RestartPolicy(settings: RestartSettings(stopExitCodes: [0, 3]))
        #expect(cycle(&p, start: .zero, ran: .seconds(5), code: 3) == .stop(reason: "exit code 3 is in stop_exit_codes"))
        p.started(at: .seconds(10))
        #expect(p.exited(at: .seconds(20), code: nil, signal: 9) == .restart(after: .zero))
    }

    @Test func resetForgetsHistory() {
        var p = RestartPolicy(settings: RestartSettings(maxRestarts: 1))
        _ = cycle(&p, start: .zero, ran: .milliseconds(1))
        #expect(p.unstableCrashes == 1)
        p.reset()
        #expect(p.unstableCrashes == 0)
        #expect(cycle(&p, start: .seconds(100), ran: .milliseconds(1)) == .restart(after: .zero))
    }

    @Test func settingsFromSpec() {
        var spec = AppSpec(name: "a", script: "/bin/true", cwd: "/")
        spec.minUptimeMs = 2500
        spec.expBackoffRestartDelayMs = 100
        spec.stopExitCodes = [0]
        let s = RestartSettings(spec: spec)
        #expect(s.minUptime == .milliseconds(2500))
        #expect(s.expBackoffBase == .milliseconds(100))
        #expect(s.stopExitCodes == [0])
        #expect(RestartPolicy.describe(.milliseconds(1500)) == "1.5s")
        #expect(RestartPolicy.describe(.seconds(120)) == "2m")
    }
}
