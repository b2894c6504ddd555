/// Merges a burst of file changes into one report, sent once nothing has changed for `quiet`.
///
/// A pure state machine on the caller's monotonic clock (times are offsets from any origin):
/// `record` each change, sleep until `deadline`, then `fire`. Every change pushes the deadline
/// back to `quiet` after it, so 50 writes in a row give one report after the last. With
/// `maxWait` set, a report is also sent that long after the first change of a burst that never
/// goes quiet (a program writing into its own watched folder would otherwise never restart).
struct ChangeDebouncer: Sendable, Equatable {
    let quiet: Duration
    let maxWait: Duration?
    /// How many paths a report lists at most.
    let maxPaths: Int

    private var pending: FileChange?
    private var firstAt: Duration = .zero
    private var lastAt: Duration = .zero

    init(quiet: Duration, maxWait: Duration? = nil, maxPaths: Int = 10) {
        self.quiet = max(.zero, quiet)
        self.maxWait = maxWait
        self.maxPaths = max(1, maxPaths)
    }

    /// Whether a report is waiting for quiet.
    var isPending: Bool { pending != nil }

    /// A change to `path` at `now`.
    mutating func record(_ path: String, at now: Duration) {
        var change = begin(at: now)
        change.count += 1
        if change.paths.count < maxPaths, !change.paths.contains(path) { change.paths.append(path) }
        pending = change
    }

    /// Changes were lost (the kernel queue overflowed) at `now`.
    mutating func recordOverflow(at now: Duration) {
        var change = begin(at: now)
        change.count += 1
        change.overflowed = true
        pending = change
    }

    /// When the pending report is due; nil when there is none.
    var deadline: Duration? {
        guard pending != nil else { return nil }
        let calm = lastAt + quiet
        guard let maxWait else { return calm }
        return min(calm, firstAt + maxWait)
    }

    /// The pending report when it is due at `now` (and forgets it); else nil.
    mutating func fire(at now: Duration) -> FileChange? {
        guard let due = deadline, now >= due, let change = pending else { return nil }
        pending = nil
        return change
    }

    private mutating func begin(at now: Duration) -> FileChange {
        if pending == nil { firstAt = now }
        lastAt = max(lastAt, now)
        return pending ?? FileChange()
    }
}
