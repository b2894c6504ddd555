/// A row of block characters (▁▂▃▄▅▆▇█) drawing recent values. Pure.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values, newest on the right, scaled so that `ceiling` (or more) is a
    /// full block and `floor` (or less) the lowest one. Missing values (nil) are spaces; so is
    /// the room left of the first value while the history is shorter than `width`. Values in
    /// `marked` positions (counted in `values`) are drawn in `markStyle`.
    public static func line(_ values: [Double?], width: Int, floor: Double = 0, ceiling: Double,
                            marked: Set<Int> = [], markStyle: TextStyle = .colored(.yellow),
                            style: TextStyle = .plain) -> StyledLine {
        guard width > 0 else { return StyledLine() }
        let shown = values.suffix(width)
        var out = StyledLine(String(repeating: " ", count: width - shown.count))
        for (position, value) in zip(shown.indices, shown) {
            let c = value.map { String(block(for: $0, floor: floor, ceiling: ceiling)) } ?? " "
            out.append(c, marked.contains(position) ? markStyle : style)
        }
        return out
    }

    /// The block for one value.
    static func block(for value: Double, floor: Double, ceiling: Double) -> Character {
        guard value.isFinite, value > floor else { return blocks[0] }
        guard ceiling > floor else { return blocks[blocks.count - 1] }
        let level = Int(((value - floor) / (ceiling - floor) * Double(blocks.count - 1)).rounded())
        return blocks[min(blocks.count - 1, max(0, level))]
    }
}
