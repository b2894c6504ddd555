import CSpawn
import Glibc

/// What to start: the complete description of one child process.
struct SpawnRequest: Sendable {
    /// The executable: absolute, or relative to `cwd`. There is no PATH search here.
    var executable: String
    /// argv[1...].
    var arguments: [String]
    /// argv[0]; the executable's path when nil.
    var argv0: String?
    /// The child's complete environment (nothing is inherited from the daemon).
    var environment: [String: String]
    var cwd: String
    /// Become the child's fds 1 and 2; -1 gives `/dev/null`.
    var stdout: Int32
    var stderr: Int32
    /// Becomes fd 0; nil gives `/dev/null`.
    var stdin: Int32?
    /// Become fds 3, 4, ... in order (socket activation).
    var inheritedFDs: [Int32]
    /// Sets `LISTEN_PID` to the child's own pid (written by the child before exec).
    var setListenPID: Bool

    init(
        executable: String,
        arguments: [String] = [],
        argv0: String? = nil,
        environment: [String: String],
        cwd: String,
        stdout: Int32,
        stderr: Int32,
        stdin: Int32? = nil,
        inheritedFDs: [Int32] = [],
        setListenPID: Bool = false
    ) {
        self.executable = executable
        self.arguments = arguments
        self.argv0 = argv0
        self.environment = environment
        self.cwd = cwd
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.inheritedFDs = inheritedFDs
        self.setListenPID = setListenPID
    }
}

/// Why a child could not be started, with the OS error of the step that failed.
struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// The step that failed.
    enum Stage: String, Sendable {
        case fork, pipe, dup, chdir, setsid, exec, signals
        /// The request itself cannot be passed to the OS (e.g. a NUL byte in a string).
        case request
    }

    var errno: Int32
    var stage: Stage
    /// The executable, or for `chdir` the directory.
    var path: String
    /// The child that failed after fork (already reaped, never reported by the reaper).
    var childPID: pid_t? = nil

    /// One sentence, e.g. "exec /x/y failed: Permission denied (EACCES)".
    var description: String {
        let reason = "\(String(cString: strerror(errno))) (\(Self.errnoName(errno)))"
        switch stage {
        case .exec, .chdir: return "\(stage.rawValue) \(path) failed: \(reason)"
        case .request: return "cannot start \(path): \(reason)"
        default: return "starting \(path) failed at \(stage.rawValue): \(reason)"
        }
    }

    static func errnoName(_ code: Int32) -> String {
        pm2_errno_name(code).map { String(cString: $0) } ?? "errno \(code)"
    }
}

/// Starts child processes: fork, set up the child, exec, and report a failed exec as an error.
///
/// Each child leads its own session and process group, gets exactly fds 0-2 plus the inherited
/// ones, default signal dispositions and an empty signal mask. A successfully started child is
/// reaped by ``ChildReaper``; one whose exec failed has already been reaped when this throws.
/// Every child of the daemon must be started here, since the reaper waits for any child.
enum Spawner {
    static func spawn(_ request: SpawnRequest) throws(SpawnError) -> pid_t {
        let path = request.executable
        func fail(_ code: Int32, _ stage: SpawnError.Stage, _ at: String? = nil, child: pid_t? = nil) -> SpawnError {
            SpawnError(errno: code, stage: stage, path: at ?? path, childPID: child)
        }

        var argvStrings = [request.argv0 ?? path]
        argvStrings.append(contentsOf: request.arguments)
        var envStrings = request.environment
            .filter { !(request.setListenPID && $0.key == "LISTEN_PID") }
            .map { "\($0.key)=\($0.value)" }
            .sorted()
        var listenPIDSlot: Int32 = -1
        if request.setListenPID {
            listenPIDSlot = Int32(envStrings.count)
            envStrings.append("LISTEN_PID=" + String(repeating: " ", count: 20))
        }
        let all = [path, request.cwd] + argvStrings + envStrings
        if all.contains(where: { $0.utf8.contains(0) }) {
            throw fail(EINVAL, .request)
        }
        if request.environment.keys.contains(where: { $0.isEmpty || $0.utf8.contains(UInt8(ascii: "=")) }) {
            throw fail(EINVAL, .request)
        }

        // C strings live until the end of this function; the child gets its own copy at fork.
        let argv = CStringArray(argvStrings)
        let envp = CStringArray(envStrings)
        defer {
            argv.deallocate()
            envp.deallocate()
        }

        var pid: pid_t = 0
        var errorCode: Int32 = 0
        var errorStage: Int32 = 0
        let result = path.withCString { cPath in
            request.cwd.withCString { cCwd in
                request.inheritedFDs.withUnsafeBufferPointer { inherited in
                    var attr = pm2_spawn_attr(
                        path: cPath,
                        argv: argv.pointer,
                        envp: envp.pointer,
                        cwd: cCwd,
                        stdin_fd: request.stdin ?? -1,
                        stdout_fd: request.stdout,
                        stderr_fd: request.stderr,
                        inherit_fds: inherited.baseAddress,
                        n_inherit: Int32(inherited.count),
                        listen_pid_slot: listenPIDSlot,
                        new_session: 1
                    )
                    return pm2_spawn(&attr, &pid, &errorCode, &errorStage)
                }
            }
        }
        guard result == 0 else {
            let stage = SpawnError.Stage(errorStage)
            throw fail(errorCode, stage, stage == .chdir ? request.cwd : nil, child: pid > 0 ? pid : nil)
        }
        ChildReaper.noteSpawned()
        return pid
    }
}

extension SpawnError.Stage {
    fileprivate init(_ stage: Int32) {
        switch UInt32(bitPattern: stage) {
        case PM2_STAGE_FORK.rawValue: self = .fork
        case PM2_STAGE_PIPE.rawValue: self = .pipe
        case PM2_STAGE_DUP.rawValue: self = .dup
        case PM2_STAGE_CHDIR.rawValue: self = .chdir
        case PM2_STAGE_SETSID.rawValue: self = .setsid
        case PM2_STAGE_SIGNALS.rawValue: self = .signals
        default: self = .exec
        }
    }
}

/// A NULL-terminated `char *[]` of copies of Swift strings, freed explicitly.
private struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func deallocate() {
        for index in 0..<count { free(pointer[index]) }
        pointer.deallocate()
    }
}
