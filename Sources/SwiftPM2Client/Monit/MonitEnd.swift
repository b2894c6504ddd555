/// How the live screen ended.
enum MonitEnd: Sendable, Equatable {
    case quit
    case signal(Int32)
}
