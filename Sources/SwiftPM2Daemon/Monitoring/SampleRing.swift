/// The recent history of one instance: a fixed number of samples, oldest dropped first.
///
/// Storage is allocated once, at the full capacity; appending never allocates. With the default
/// 300 entries of 24 bytes an instance costs about 7 KB; one sample a second keeps 5 minutes.
struct SampleRing: Sendable {
    /// One point of history.
    struct Entry: Sendable, Equatable {
        /// Wall-clock milliseconds since the Unix epoch (for display; order is append order).
        var timeMs: Int64
        var cpuPercent: Double
        var rssBytes: UInt64
    }

    static let defaultCapacity = 300

    let capacity: Int
    private var storage: [Entry]
    /// Where the next entry goes once the ring is full (the oldest entry's slot).
    private var next = 0

    /// - Parameter capacity: how many entries are kept, at least 1.
    init(capacity: Int = Self.defaultCapacity) {
        self.capacity = max(1, capacity)
        storage = []
        storage.reserveCapacity(self.capacity)
    }

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }

    /// Adds an entry, dropping the oldest when full.
    mutating func append(_ entry: Entry) {
        if storage.count < capacity {
            storage.append(entry)
        } else {
            storage[next] = entry
            next = (next + 1) % capacity
        }
    }

    /// The newest entry.
    var last: Entry? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(next + capacity - 1) % capacity]
    }

    /// All entries, oldest first.
    var entries: [Entry] { suffix(capacity) }

    /// The newest `n` entries (fewer when there are fewer), oldest first.
    func suffix(_ n: Int) -> [Entry] {
        let take = min(max(0, n), storage.count)
        guard storage.count == capacity else { return Array(storage[(storage.count - take)...]) }
        var result: [Entry] = []
        result.reserveCapacity(take)
        for offset in (capacity - take)..<capacity { result.append(storage[(next + offset) % capacity]) }
        return result
    }

    /// Removes every entry; the capacity stays.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        next = 0
    }
}
