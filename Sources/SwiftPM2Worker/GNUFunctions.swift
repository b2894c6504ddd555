import Glibc

/// glibc functions that Swift's Glibc module does not import, because their declarations need
/// `_GNU_SOURCE`: looked up once by name in the running process (glibc always has them).
/// A C target would do the same but would be one more module for a library that has none.
enum GNUFunctions {
    typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32
    typealias SetThreadName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32

    /// `accept4(2)`: accepts and sets close-on-exec in one call, so that no fork in another
    /// thread can slip in between and pass the connection to a child.
    static let accept4: Accept4? = symbol("accept4")

    /// `pthread_setname_np(3)`: names a thread for `top -H`, debuggers and backtraces.
    static let setThreadName: SetThreadName? = symbol("pthread_setname_np")

    private static func symbol<F>(_ name: String) -> F? {
        guard let process = dlopen(nil, RTLD_NOW), let address = dlsym(process, name) else { return nil }
        return unsafeBitCast(address, to: F.self)
    }
}
