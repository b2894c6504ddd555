import Testing
import SwiftPM2Core

@Suite struct AppSelectorTests {
    let apps: [(id: Int, name: String, namespace: String)] = [
        (0, "api", "web"), (1, "worker", "jobs"), (2, "web", "default"), (3, "cron", "jobs"),
    ]

    @Test func parses() {
        #expect(AppSelector("all") == .all)
        #expect(AppSelector("12") == .id(12))
        #expect(AppSelector("+1") == .named("+1"))
        #expect(AppSelector("api") == .named("api"))
    }

    @Test func selects() {
        #expect(AppSelector("all").select(from: apps) == [0, 1, 2, 3])
        #expect(AppSelector("2").select(from: apps) == [2])
        #expect(AppSelector("9").select(from: apps) == [])
        #expect(AppSelector("jobs").select(from: apps) == [1, 3])
        // A name wins over a namespace of the same spelling.
        #expect(AppSelector("web").select(from: apps) == [2])
        #expect(AppSelector("nothing").select(from: apps) == [])
    }
}

import FoundationEssentials

@Suite struct InstanceCountCodingTests {
    @Test func encodesAsTheFileWritesIt() throws {
        let encoded = try JSONEncoder().encode([InstanceCount.count(3), .max, .allBut(1)])
        #expect(String(decoding: encoded, as: UTF8.self) == #"[3,"max",-1]"#)
        #expect(try JSONDecoder().decode([InstanceCount].self, from: encoded) == [.count(3), .max, .allBut(1)])
        #expect(InstanceCount.allBut(1).resolve(cores: 2) == 1)
        #expect(InstanceCount.allBut(5).resolve(cores: 2) == 1)
        #expect(InstanceCount.max.resolve(cores: 2) == 2)
    }
}

@Suite struct ScaleTargetTests {
    @Test func parsesAndResolves() {
        #expect(ScaleTarget("4") == .exactly(4))
        #expect(ScaleTarget("+2") == .by(2))
        #expect(ScaleTarget("-1") == .by(-1))
        #expect(ScaleTarget("lots") == nil)
        #expect(ScaleTarget("+x") == nil)
        #expect(ScaleTarget("4").map { $0.resolve(current: 2) } == 4)
        #expect(ScaleTarget("-5").map { $0.resolve(current: 2) } == 1)
        #expect(ScaleTarget("+3").map { $0.resolve(current: 2) } == 5)
        #expect(ScaleTarget("0").map { $0.resolve(current: 2) } == 1)
    }
}
