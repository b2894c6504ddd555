/// How a run of text looks on the terminal: a colour and a few attributes.
public struct TextStyle: Sendable, Equatable {
    public enum Color: Int, Sendable { case red = 31, green = 32, yellow = 33, blue = 34, magenta = 35, cyan = 36 }

    public var color: Color?
    public var bold = false
    public var dim = false
    public var inverse = false

    public init(color: Color? = nil, bold: Bool = false, dim: Bool = false, inverse: Bool = false) {
        self.color = color
        self.bold = bold
        self.dim = dim
        self.inverse = inverse
    }

    public static let plain = TextStyle()
    public static let bold = TextStyle(bold: true)
    public static let dim = TextStyle(dim: true)
    public static let inverse = TextStyle(inverse: true)
    public static func colored(_ color: Color) -> TextStyle { TextStyle(color: color) }

    /// This style with `other`'s attributes added (its colour wins when it has one).
    public func merged(with other: TextStyle) -> TextStyle {
        TextStyle(color: other.color ?? color, bold: bold || other.bold, dim: dim || other.dim, inverse: inverse || other.inverse)
    }

    /// The SGR sequence that sets this style from a reset terminal ("" for plain).
    var sgr: String {
        var codes: [String] = []
        if bold { codes.append("1") }
        if dim { codes.append("2") }
        if inverse { codes.append("7") }
        if let color { codes.append(String(color.rawValue)) }
        return codes.isEmpty ? "" : "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
