import Glibc

extension DaemonFigures {
    /// This process's figures from `/proc`: `self/stat` (RSS pages, utime + stime and the start
    /// time, in clock ticks), `uptime`, and the entries of `self/fd`.
    ///
    /// The CPU time is the daemon's own: the time of the instances it has reaped (`cutime`,
    /// `cstime`) is not counted.
    static func current(version: String) -> DaemonFigures {
        var figures = DaemonFigures(pid: getpid(), version: version)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 0))
        if let text = readTextFile("/proc/self/stat"),
           let stat = Array(text.utf8).withUnsafeBytes({ ProcStat.parse($0, pid: getpid()) }) {
            figures.rssBytes = stat.rssPages * pageSize
            if ticksPerSecond > 0 {
                figures.cpuSecondsTotal = Double(stat.ownTicks) / ticksPerSecond
                if let uptime = readTextFile("/proc/uptime"),
                   let sinceBoot = uptime.split(separator: " ").first.flatMap({ Double($0) }) {
                    // To the millisecond: the subtraction leaves digits of noise (2.930000000000291).
                    figures.uptimeSeconds = (max(0, sinceBoot - Double(stat.startTime) / ticksPerSecond) * 1000).rounded() / 1000
                }
            }
        }
        figures.openFDs = openDescriptorCount()
        return figures
    }

    /// Entries of `/proc/self/fd`, less the one the listing itself holds open.
    private static func openDescriptorCount() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDotEntry = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotEntry { count += 1 }
        }
        return max(count - 1, 0)
    }
}
