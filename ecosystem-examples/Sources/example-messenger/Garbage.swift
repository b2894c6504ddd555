import Glibc

/// MESSENGER_GARBAGE=1: lines the daemon must drop and count without losing the channel.
enum Garbage {
    static let lines: [[UInt8]] = [
        Array("this is not JSON\n".utf8),
        Array("[\"an array\", \"not an object\"]\n".utf8),
        Array("{\"type\": \"message\", \"data\": \n".utf8), // cut short
        [UInt8](repeating: UInt8(ascii: "x"), count: 70_000) + [0x0A], // longer than 64 KiB
        [0xFF, 0xFE, 0x7B, 0x7D, 0x0A], // not UTF-8
    ]

    /// Writes ``lines`` straight to `SWIFTPM2_IPC_FD`, each whole.
    static func write() {
        guard let fd = getenv("SWIFTPM2_IPC_FD").flatMap({ Int32(String(cString: $0)) }) else { return }
        for line in lines {
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { return }
                }
            }
        }
    }
}
