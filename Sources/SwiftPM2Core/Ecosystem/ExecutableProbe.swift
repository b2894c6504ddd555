/// What the validator needs to know about the file system (inject a fake in tests).
///
/// Error texts are one short phrase ending with the errno name, e.g.
/// `No such file or directory (ENOENT)`, so that issues read the same for every probe.
public protocol ExecutableProbe: Sendable {
    /// nil when `path` is an existing regular file executable by us; else the OS error text,
    /// e.g. "No such file or directory (ENOENT)", "Permission denied: not executable (EACCES)", "Is a directory (EISDIR)".
    func checkExecutable(_ path: String) -> String?
    /// nil when `path` is an existing readable regular file (a script run through an interpreter).
    func checkReadable(_ path: String) -> String?
    /// nil when `path` is an existing directory.
    func checkDirectory(_ path: String) -> String?
    /// `$PATH` lookup for a bare command name (`python3`) → absolute path, or nil.
    func which(_ name: String) -> String?
}
