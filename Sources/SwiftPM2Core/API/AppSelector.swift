/// Which apps an API call or a CLI command acts on: `all`, an id, a name or a namespace.
public enum AppSelector: Sendable, Equatable, CustomStringConvertible {
    case all
    case id(Int)
    /// A name or a namespace; names win when both match.
    case named(String)

    public init(_ text: String) {
        if text == "all" {
            self = .all
        } else if let id = Int(text), id >= 0, !text.hasPrefix("+") {
            self = .id(id)
        } else {
            self = .named(text)
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .id(let id): return String(id)
        case .named(let name): return name
        }
    }

    /// The ids of the apps this selector picks among `apps` (id, name, namespace), in order.
    public func select(from apps: [(id: Int, name: String, namespace: String)]) -> [Int] {
        switch self {
        case .all:
            return apps.map(\.id)
        case .id(let id):
            return apps.filter { $0.id == id }.map(\.id)
        case .named(let text):
            let byName = apps.filter { $0.name == text }
            if !byName.isEmpty { return byName.map(\.id) }
            return apps.filter { $0.namespace == text }.map(\.id)
        }
    }
}
