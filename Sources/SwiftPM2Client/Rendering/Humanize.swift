/// Short human forms of durations and sizes for tables.
public enum Humanize {
    /// "850ms", "12s", "5m", "3h", "2d".
    public static func duration(ms: Int) -> String {
        if ms < 1000 { return "\(ms)ms" }
        let s = ms / 1000
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    /// "512b", "12.5kb", "120.3mb", "1.2gb".
    public static func bytes(_ n: UInt64) -> String {
        let units = ["b", "kb", "mb", "gb", "tb"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(n)b" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(units[unit])"
    }

    /// "3.5%".
    public static func percent(_ p: Double) -> String {
        let tenths = Int((p * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
