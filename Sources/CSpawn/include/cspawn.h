#ifndef SWIFTPM2_CSPAWN_H
#define SWIFTPM2_CSPAWN_H

// fork/exec for the daemon, in C because the code between fork() and execve() must be
// async-signal-safe: the daemon is multi-threaded (NIO, the reaper, the Swift cooperative
// pool), so the child may only make raw system calls. Swift cannot promise that (it may
// allocate, take runtime locks or retain), so no Swift runs in the child.

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where a spawn failed; reported with the errno of the failing call.
typedef enum {
    PM2_STAGE_NONE = 0,
    PM2_STAGE_FORK = 1,     // fork() in the parent
    PM2_STAGE_PIPE = 2,     // the exec-status pipe in the parent
    PM2_STAGE_DUP = 3,      // setting up fds 0, 1, 2 and 3.. in the child
    PM2_STAGE_CHDIR = 4,    // chdir(cwd) in the child
    PM2_STAGE_SETSID = 5,   // setsid() in the child
    PM2_STAGE_EXEC = 6,     // execve() in the child
    PM2_STAGE_SIGNALS = 7,  // resetting the signal mask in the child
} pm2_spawn_stage;

/// The most fds a child may inherit beyond 0, 1, 2.
#define PM2_MAX_INHERIT 1024

typedef struct {
    /// The executable; absolute, or relative to `cwd` (no PATH search).
    const char *path;
    /// NULL-terminated argument vector, argv[0] included.
    char *const *argv;
    /// NULL-terminated, the child's complete environment.
    char *const *envp;
    /// chdir() here before exec; NULL keeps the daemon's directory.
    const char *cwd;
    /// Become the child's fds 0, 1, 2; -1 opens /dev/null instead.
    int stdin_fd, stdout_fd, stderr_fd;
    /// Become the child's fds 3, 4, ... in order (socket activation); may be NULL.
    const int *inherit_fds;
    int n_inherit;
    /// Index in `envp` of a writable entry "LISTEN_PID=" followed by at least 20 bytes of room
    /// (e.g. spaces); the child writes its own pid there before exec. -1: none.
    int listen_pid_slot;
    /// Non-zero: setsid(), so the child leads its own session and process group.
    int new_session;
} pm2_spawn_attr;

/// Starts a child. Returns 0 and sets `*pid` once the child has exec'd. On failure returns -1
/// and sets `*err_errno` and `*err_stage` (a `pm2_spawn_stage`); when the failure came after
/// fork, `*pid` is set too, to the failed child, which has already been reaped.
///
/// In C because the child side must be async-signal-safe (see above). The child resets every
/// signal disposition to default, unblocks every signal, optionally calls setsid(), moves the
/// fds into place, chdir()s, writes LISTEN_PID, closes every other fd and calls execve(). A
/// failure there is sent to the parent through a close-on-exec pipe (EOF means exec happened).
///
/// Reaping: while a call is in progress, `pm2_reap_exited` waits, so a child whose exec failed
/// is reaped here (waitpid on its pid) and never seen by the daemon's reaper, and its pid cannot
/// be reused under us. Every successfully started child is left to the reaper.
int pm2_spawn(const pm2_spawn_attr *attr, pid_t *pid, int *err_errno, int *err_stage);

/// Reaps one exited child without blocking, but only while no `pm2_spawn` is in progress
/// (it waits for those to finish). Returns waitid()'s result: 0 with `*pid` set (0 when no
/// child has exited), `*code` the siginfo si_code (CLD_EXITED, CLD_KILLED, CLD_DUMPED) and
/// `*status` its si_status (exit code or signal); -1 with errno (ECHILD: no children at all).
///
/// In C because it shares a lock with `pm2_spawn`: the reaper must not reap a child whose exec
/// just failed before `pm2_spawn` has reaped it itself (that would make a failed start look
/// like a crash, and let its pid be reused while `pm2_spawn` still waits on it).
int pm2_reap_exited(pid_t *pid, int *code, int *status);

/// Blocks until some child has exited, without reaping it (waitid with WNOWAIT). Returns 0,
/// or -1 with errno (ECHILD: no children; EINTR). In C only for the siginfo_t plumbing.
int pm2_wait_any_exited(void);

/// pipe2(O_CLOEXEC). In C because O_CLOEXEC/pipe2 need _GNU_SOURCE, which Swift's Glibc lacks.
int pm2_pipe_cloexec(int fds[2]);

/// fcntl(F_SETPIPE_SZ); returns the new size or -1. In C because F_SETPIPE_SZ needs _GNU_SOURCE.
int pm2_set_pipe_size(int fd, int size);

/// The symbolic name of an errno value ("EACCES"), or NULL. In C because strerrorname_np
/// needs _GNU_SOURCE.
const char *pm2_errno_name(int err);

#ifdef __cplusplus
}
#endif

#endif
