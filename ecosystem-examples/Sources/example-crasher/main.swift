import Glibc

// Runs for a while, printing a numbered line every 100 ms, then crashes: the example of an
// app that crashes on a schedule. CRASH_AFTER_MS (default 2000) sets how long it lives;
// CRASH_SIGNAL=1 makes it die by SIGSEGV instead of exit(3).
let lifeMs = getenv("CRASH_AFTER_MS").flatMap { Int(String(cString: $0)) } ?? 2000
let bySignal = getenv("CRASH_SIGNAL").map { String(cString: $0) == "1" } ?? false
let pid = getpid()
var elapsed = 0
var n = 0
while elapsed < lifeMs {
    say(1, "crasher pid \(pid): tick \(n)\n")
    n += 1
    usleep(100_000)
    elapsed += 100
}
say(2, "crasher pid \(pid): crashing after \(lifeMs) ms\n")
if bySignal { raise(SIGSEGV) }
exit(3)

/// Unbuffered, so every line is in the log the moment it is written.
func say(_ fd: Int32, _ text: String) {
    _ = text.withCString { write(fd, $0, strlen($0)) }
}
