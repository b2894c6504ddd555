import SwiftPM2Core

/// The recent readings of one instance slot, kept by the client across refreshes.
///
/// A new pid means a new process of the same slot: its readings continue the same history,
/// with the first one marked, so a restart shows where it happened.
public struct InstanceHistory: Sendable {
    public private(set) var samples: SampleRing<MonitSample>
    /// The last pid seen for the slot (kept while no process runs).
    public private(set) var lastPid: Int32?
    /// New processes seen while watching (pid changes).
    public private(set) var newProcesses = 0

    public init(capacity: Int = InstanceHistory.defaultCapacity) {
        samples = SampleRing(capacity: capacity)
    }

    /// Enough readings for the widest sparkline drawn.
    public static let defaultCapacity = 240

    /// Adds a reading of `instance`.
    public mutating func record(_ instance: InstanceInfo) {
        var isNew = false
        if let pid = instance.pid {
            if let last = lastPid, last != pid {
                isNew = true
                newProcesses += 1
            }
            lastPid = pid
        }
        let running = instance.pid != nil
        samples.append(MonitSample(cpuPercent: running ? instance.cpuPercent : nil,
                                   memoryBytes: running ? instance.memoryBytes : nil,
                                   newProcess: isNew))
    }
}
