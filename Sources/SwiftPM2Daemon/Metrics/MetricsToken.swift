/// The bearer token the metrics listener requires, compared in constant time.
struct MetricsToken: Sendable {
    private let bytes: [UInt8]

    /// Shortest token accepted; a generated one has 64 characters.
    static let minimumLength = 16

    /// Checks `text` (visible ASCII, no spaces, at least 16 characters); errors name `source`,
    /// the variable or the file it came from.
    init(_ text: String, source: String) throws(DaemonError) {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw DaemonError(message: "\(source): the metrics token may hold only visible ASCII characters, no spaces", errno: nil)
        }
        guard bytes.count >= Self.minimumLength else {
            throw DaemonError(message: "\(source): the metrics token is \(bytes.count) characters long; use at least \(Self.minimumLength) (`openssl rand -hex 32` makes one)", errno: nil)
        }
        self.bytes = bytes
    }

    /// True when `presented` is the token. The time taken depends on the lengths only, never on
    /// where the first difference is.
    func matches(_ presented: some Collection<UInt8>) -> Bool {
        let presented = Array(presented)
        var difference: UInt8 = presented.count == bytes.count ? 0 : 1
        for index in bytes.indices {
            difference |= bytes[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }

    /// 32 random bytes from the system's generator (`getrandom`), as 64 hex digits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
        return String(decoding: text, as: UTF8.self)
    }
}
