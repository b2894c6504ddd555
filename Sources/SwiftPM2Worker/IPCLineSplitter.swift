/// Cuts the bytes read from the IPC socket into `\n`-terminated lines of at most
/// ``Worker/IPC/maxLineLength`` bytes (the newline not counted). A longer line is reported once
/// as ``Piece/tooLong`` and its bytes are skipped up to the next newline, so that a runaway
/// writer costs at most one line's worth of memory.
struct IPCLineSplitter {
    enum Piece: Equatable {
        case line([UInt8])
        case tooLong
    }

    let maxLength: Int
    private var pending: [UInt8] = []
    private var skipping = false

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    /// Takes the next bytes; returns the lines they complete, in order.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Piece] {
        var pieces: [Piece] = []
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline ?? bytes.count
            if !skipping {
                pending.append(contentsOf: bytes[start..<end])
                if pending.count > maxLength {
                    pending = []
                    skipping = true
                    pieces.append(.tooLong)
                }
            }
            if newline != nil {
                if !skipping { pieces.append(.line(pending)) }
                pending = []
                skipping = false
            }
            start = end + 1
        }
        return pieces
    }
}
