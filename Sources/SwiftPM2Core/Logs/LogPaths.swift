/// Where an instance's stdout and stderr go.
public struct LogPaths: Sendable, Equatable {
    public var out: String
    public var err: String

    public init(out: String, err: String) {
        self.out = out
        self.err = err
    }

    /// The log files of instance `index` of `spec`, run with `instanceCount` instances.
    ///
    /// Defaults are `logs/<name>-<index>-out.log` and `-err.log` (PM2 names them by process id;
    /// we name them by instance number, which stays the same across restarts). With
    /// `merge_logs`, every instance shares `logs/<name>-out.log`. An explicit `out_file` or
    /// `error_file` with several instances gets `-<index>` before its extension unless
    /// `merge_logs` is set, as PM2 does; `/dev/null` is kept as is.
    public static func resolve(_ spec: AppSpec, index: Int, instanceCount: Int, logsDirectory: String) -> LogPaths {
        func path(_ explicit: String?, _ stream: String) -> String {
            if let explicit {
                if explicit == "/dev/null" || spec.mergeLogs || instanceCount == 1 { return explicit }
                return insertSuffix("-\(index)", into: explicit)
            }
            let stem = spec.mergeLogs ? spec.name : "\(spec.name)-\(index)"
            return "\(logsDirectory)/\(stem)-\(stream).log"
        }
        return LogPaths(out: path(spec.outFile, "out"), err: path(spec.errorFile, "err"))
    }

    /// "a/b.log" + "-1" → "a/b-1.log"; "a/b" → "a/b-1"; "a.d/b" → "a.d/b-1".
    static func insertSuffix(_ suffix: String, into path: String) -> String {
        let slash = path.lastIndex(of: "/")
        if let dot = path.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true, dot != path.startIndex,
           slash.map({ path.index(after: $0) != dot }) ?? true {
            return String(path[..<dot]) + suffix + String(path[dot...])
        }
        return path + suffix
    }
}
