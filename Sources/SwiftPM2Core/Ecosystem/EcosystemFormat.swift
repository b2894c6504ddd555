/// The syntax of an ecosystem file.
public enum EcosystemFormat: Sendable {
    case json
    case yaml

    /// .yaml for *.yaml/*.yml, .json for *.json; other extensions: sniff (first non-space char `{` or `[` → json, else yaml).
    public static func guess(path: String, bytes: [UInt8]) -> EcosystemFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
        if lower.hasSuffix(".json") { return .json }
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // UTF-8 byte order mark
        for byte in bytes[start...] {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return .json
            default: return .yaml
            }
        }
        return .yaml
    }

    /// True for the JavaScript files PM2 reads (`ecosystem.config.js`, `.cjs`, `.mjs`).
    static func isJavaScript(path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".js") || lower.hasSuffix(".cjs") || lower.hasSuffix(".mjs")
    }
}
