#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The real probe (stat/access from Glibc).
///
/// This is the only I/O in SwiftPM2Core: read-only `stat(2)` and `access(2)` calls, so that a
/// missing or non-executable `script` is reported when the file is loaded instead of showing
/// up later as a crash loop. Everything else in Core stays pure.
public struct SystemExecutableProbe: ExecutableProbe {
    /// Colon-separated folders searched by ``which(_:)``.
    public let searchPath: String

    /// - Parameter searchPath: the `$PATH` to search; default: `getenv("PATH")`, or
    ///   `/usr/local/bin:/usr/bin:/bin` when it is unset.
    public init(searchPath: String? = nil) {
        if let searchPath {
            self.searchPath = searchPath
        } else if let value = getenv("PATH") {
            self.searchPath = String(cString: value)
        } else {
            self.searchPath = "/usr/local/bin:/usr/bin:/bin"
        }
    }

    public func checkExecutable(_ path: String) -> String? {
        if let problem = checkRegularFile(path) { return problem }
        if access(path, X_OK) != 0 {
            return errno == EACCES ? "Permission denied: not executable (EACCES)" : Self.describe(errno)
        }
        return nil
    }

    public func checkReadable(_ path: String) -> String? {
        if let problem = checkRegularFile(path) { return problem }
        if access(path, R_OK) != 0 {
            return errno == EACCES ? "Permission denied: not readable (EACCES)" : Self.describe(errno)
        }
        return nil
    }

    public func checkDirectory(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return Self.describe(errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "Not a directory (ENOTDIR)" }
        return nil
    }

    public func which(_ name: String) -> String? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        for folder in searchPath.split(separator: ":") where folder.hasPrefix("/") {
            let candidate = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            if checkExecutable(String(candidate)) == nil { return String(candidate) }
        }
        return nil
    }

    private func checkRegularFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return Self.describe(errno) }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { return "Is a directory (EISDIR)" }
        if type != S_IFREG { return "Not a regular file" }
        return nil
    }

    /// `strerror` text with the errno name: `No such file or directory (ENOENT)`.
    static func describe(_ code: Int32) -> String {
        let names: [Int32: String] = [
            ENOENT: "ENOENT", EACCES: "EACCES", ENOTDIR: "ENOTDIR", ELOOP: "ELOOP",
            ENAMETOOLONG: "ENAMETOOLONG", EISDIR: "EISDIR", EPERM: "EPERM", EIO: "EIO",
        ]
        let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return names[code].map { "\(text) (\($0))" } ?? text
    }
}
