import Glibc

/// What the sampler needs from one `/proc/PID/stat` line.
///
/// A process is identified by `pid` and `startTime` together: a pid that is reused between
/// two samples comes back with another start time and counts as a different process.
struct ProcStat: Sendable, Equatable {
    var pid: pid_t
    /// The state letter: `R`, `S`, `D`, `Z` (zombie: exited, not yet reaped), ...
    var state: UInt8
    var ppid: pid_t
    /// utime + stime: CPU time of the process itself (all its threads), in clock ticks.
    var ownTicks: UInt64
    /// cutime + cstime: CPU time of the children it has reaped (with theirs), in clock ticks.
    var reapedTicks: UInt64
    var threads: Int
    /// Clock ticks after boot at which the process started.
    var startTime: UInt64
    /// Resident pages (anonymous + file + shared memory).
    var rssPages: UInt64

    var isZombie: Bool { state == UInt8(ascii: "Z") }
    /// A zombie, or dead (`X`): it has exited, whatever its entry still shows.
    var isExited: Bool { isZombie || state == UInt8(ascii: "X") }

    /// Parses one `/proc/PID/stat` text; nil when it is malformed.
    ///
    /// The command name (field 2) is in parentheses and may itself contain spaces and `)`, so
    /// the fields are counted from after the **last** `)`. The name is at most 15 bytes
    /// (`TASK_COMM_LEN`), so that `)` is within the first 64 bytes; the rest is not searched.
    static func parse(_ text: UnsafeRawBufferPointer, pid: pid_t) -> ProcStat? {
        var close = -1
        for index in 0..<min(text.count, 64) where text[index] == UInt8(ascii: ")") { close = index }
        guard close >= 0 else { return nil }
        var stat = ProcStat(pid: pid, state: 0, ppid: 0, ownTicks: 0, reapedTicks: 0, threads: 0, startTime: 0, rssPages: 0)
        var field = 3  // the state letter is field 3 (pid is 1, comm 2)
        var index = close + 1
        var found = 0
        while index < text.count, field <= 24 {
            // Skip the separator, then read one field.
            while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
            let start = index
            while index < text.count, text[index] != UInt8(ascii: " "), text[index] != UInt8(ascii: "\n") { index += 1 }
            guard index > start else { break }
            if field == 3 {
                stat.state = text[start]
                found += 1
            } else if let slot = Self.wanted(field) {
                guard let value = Self.integer(text, start..<index) else { return nil }
                stat.store(value, in: slot)
                found += 1
            }
            field += 1
        }
        return found == 9 ? stat : nil
    }

    private enum Slot { case ppid, utime, stime, cutime, cstime, threads, start, rss }

    private static func wanted(_ field: Int) -> Slot? {
        switch field {
        case 4: .ppid
        case 14: .utime
        case 15: .stime
        case 16: .cutime
        case 17: .cstime
        case 20: .threads
        case 22: .start
        case 24: .rss
        default: nil
        }
    }

    private mutating func store(_ value: Int64, in slot: Slot) {
        let positive = UInt64(max(0, value))
        switch slot {
        case .ppid: ppid = pid_t(truncatingIfNeeded: value)
        case .utime, .stime: ownTicks &+= positive
        case .cutime, .cstime: reapedTicks &+= positive
        case .threads: threads = Int(value)
        case .start: startTime = positive
        case .rss: rssPages = positive
        }
    }

    /// A decimal integer, optionally negative (`cutime` is a signed clock_t).
    static func integer(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        var index = range.lowerBound
        var negative = false
        if index < range.upperBound, text[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < range.upperBound else { return nil }
        var value: Int64 = 0
        while index < range.upperBound {
            let digit = Int64(text[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            value = value &* 10 &+ digit
            index += 1
        }
        return negative ? -value : value
    }
}
