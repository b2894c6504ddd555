import CSpawn
import Foundation

/// Runs a program to completion: posix_spawn, both output pipes drained, `waitpid` on its pid.
///
/// Not Foundation's `Process`: with several tests running at once on a 2-core machine its
/// `waitUntilExit` was seen never to return (the children stayed zombies). Pipes are
/// close-on-exec in this process, so programs spawned by other tests at the same moment do
/// not inherit them and hold them open.
enum ProgramRunner {
    static func run(_ executable: String, _ args: [String], cwd: String?, environment: [String: String]) throws -> TestDaemon.Run {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        // `env -C DIR` sets the working directory without a shell.
        let argv = (cwd.map { ["/usr/bin/env", "-C", $0, executable] } ?? [executable]) + args
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pm2_pipe_cloexec(&out) == 0, pm2_pipe_cloexec(&err) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        close(out[1])
        close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }

        var collected: [Int32: [UInt8]] = [out[0]: [], err[0]: []]
        var open = [out[0], err[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for p in fds where p.revents != 0 {
                let n = read(p.fd, &buffer, buffer.count)
                if n > 0 { collected[p.fd]! += buffer[..<n] } else if n == 0 || errno != EINTR { open.removeAll { $0 == p.fd } }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return TestDaemon.Run(status: exitCode, stdout: String(decoding: collected[out[0]]!, as: UTF8.self),
                              stderr: String(decoding: collected[err[0]]!, as: UTF8.self))
    }
}
