import Glibc
import Synchronization

/// `LEAK_MB_PER_SEC=N`: the server leaks N MiB of touched memory a second, on a thread of its
/// own, to show `max_memory_restart` at work (`ecosystem-examples/leaky.json`). Stops at
/// `LEAK_LIMIT_MB` (default 1024) so that a manager that does nothing cannot exhaust the machine.
enum Leak {
    /// What was leaked, kept reachable.
    static let blocks = Mutex<[UInt]>([])

    static func startIfAsked() {
        guard let rate = getenv("LEAK_MB_PER_SEC").flatMap({ Int(String(cString: $0)) }), rate > 0 else { return }
        let limit = getenv("LEAK_LIMIT_MB").flatMap { Int(String(cString: $0)) } ?? 1024
        let plan = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        plan[0] = rate
        plan[1] = limit
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let plan = raw!.assumingMemoryBound(to: Int.self)
            let (rate, limit) = (plan[0], plan[1])
            plan.deallocate()
            // Ten steps a second, each touching every page so that it counts as resident.
            let step = max(1, rate * (1 << 20) / 10)
            var leaked = 0
            while leaked < limit << 20 {
                // Kept (the pointers escape to a global) and written page by page, so that an
                // optimised build neither drops the allocation nor leaves the pages untouched.
                if let block = malloc(step) {
                    let bytes = block.assumingMemoryBound(to: UInt8.self)
                    for offset in stride(from: 0, to: step, by: 4096) { bytes[offset] = UInt8(truncatingIfNeeded: offset >> 12) | 1 }
                    let address = UInt(bitPattern: block)
                    Leak.blocks.withLock { $0.append(address) }
                }
                leaked += step
                usleep(100_000)
            }
            return nil
        }, plan)
        pthread_detach(thread)
    }
}
