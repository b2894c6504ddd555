/// A bounded ring of the most recent values: appending past the capacity drops the oldest.
public struct SampleRing<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest element is once the ring is full.
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring holds at least one value")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ value: Element) {
        if storage.count < capacity {
            storage.append(value)
        } else {
            storage[head] = value
            head = (head + 1) % capacity
        }
    }

    /// The newest value.
    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(head + storage.count - 1) % storage.count]
    }

    /// The last `n` values, oldest first.
    public func suffix(_ n: Int) -> [Element] {
        let n = min(max(0, n), storage.count)
        return (storage.count - n..<storage.count).map { storage[(head + $0) % storage.count] }
    }

    /// Every value, oldest first.
    public var elements: [Element] { suffix(storage.count) }
}
