/// Reads the proportional set size out of `/proc/PID/smaps_rollup`.
///
/// PSS divides each shared page among the processes that map it, so the PSS of a tree's members
/// adds up to what the tree really costs, where RSS counts shared pages (libraries, a forked
/// parent's copy-on-write memory) once per process. The kernel computes it by walking every page
/// table of the process on each read, which is why the sampler reads it only now and then.
enum SmapsRollup {
    /// The `Pss:` value in bytes, or nil when the text has none (a zombie or kernel thread has
    /// an empty rollup).
    static func pssBytes(_ text: UnsafeRawBufferPointer) -> UInt64? {
        let key: [UInt8] = Array("\nPss:".utf8)
        var index = 0
        outer: while index + key.count <= text.count {
            for offset in 0..<key.count where text[index + offset] != key[offset] {
                index += 1
                continue outer
            }
            var cursor = index + key.count
            while cursor < text.count, text[cursor] == UInt8(ascii: " ") { cursor += 1 }
            var kib: UInt64 = 0
            var digits = 0
            while cursor < text.count, text[cursor] >= 48, text[cursor] <= 57 {
                kib = kib &* 10 &+ UInt64(text[cursor] - 48)
                cursor += 1
                digits += 1
            }
            return digits > 0 ? kib * 1024 : nil
        }
        return nil
    }
}
