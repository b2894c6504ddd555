import Glibc

/// Wall-clock milliseconds since the Unix epoch, for display and log stamps only; never for
/// timing decisions (those use `ContinuousClock`).
func wallClockMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
