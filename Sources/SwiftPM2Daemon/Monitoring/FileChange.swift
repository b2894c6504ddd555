/// One debounced report of changes under watched folders: a burst of changes gives one.
struct FileChange: Sendable, Equatable {
    /// The first few changed paths (absolute, without repeats), in the order they changed.
    var paths: [String]
    /// How many change notifications were merged into this report.
    var count: Int
    /// The kernel's queue overflowed: some changes are not listed (but something did change).
    var overflowed: Bool

    init(paths: [String] = [], count: Int = 0, overflowed: Bool = false) {
        self.paths = paths
        self.count = count
        self.overflowed = overflowed
    }
}
