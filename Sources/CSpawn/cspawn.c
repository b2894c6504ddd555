#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The spawn gate: pm2_reap_exited waits while any pm2_spawn is between fork() and the end of
// its exec check, so a child whose exec failed is reaped by pm2_spawn alone.
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_idle = PTHREAD_COND_INITIALIZER;
static int spawns_in_flight = 0;

static void gate_enter(void) {
    pthread_mutex_lock(&gate_lock);
    spawns_in_flight += 1;
    pthread_mutex_unlock(&gate_lock);
}

static void gate_leave(void) {
    pthread_mutex_lock(&gate_lock);
    spawns_in_flight -= 1;
    if (spawns_in_flight == 0) pthread_cond_broadcast(&gate_idle);
    pthread_mutex_unlock(&gate_lock);
}

// ---- child side: async-signal-safe calls only from here to execve ----

typedef struct {
    int err;
    int stage;
} exec_report;

static void child_fail(int report_fd, int stage) {
    exec_report r = { errno, stage };
    ssize_t n;
    do {
        n = write(report_fd, &r, sizeof r);
    } while (n < 0 && errno == EINTR);
    _exit(127);
}

// Closes every fd from `low` up, except `keep`. close_range(2) when the kernel has it (5.9+);
// otherwise a plain loop up to RLIMIT_NOFILE (reading /proc/self/fd would need opendir, which
// allocates and is not async-signal-safe).
static void close_from(int low, int keep) {
#ifdef SYS_close_range
    int ok = 1;
    if (keep > low && syscall(SYS_close_range, (unsigned)low, (unsigned)(keep - 1), 0) != 0) ok = 0;
    if (ok && syscall(SYS_close_range, (unsigned)(keep + 1), ~0U, 0) == 0) return;
#endif
    struct rlimit rl;
    long max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) max = (long)rl.rlim_cur;
    for (long fd = low; fd < max; fd++) {
        if (fd != keep) close((int)fd);
    }
}

// Writes the decimal pid after "LISTEN_PID=" in the caller-provided writable buffer.
static void write_listen_pid(char *entry) {
    static const char prefix[] = "LISTEN_PID=";
    size_t plen = sizeof prefix - 1;
    size_t room = 0;
    for (size_t i = 0; i < plen; i++) {
        if (entry[i] != prefix[i]) return;  // not a slot: leave it alone
    }
    while (entry[plen + room] != '\0') room++;
    char digits[24];
    int n = 0;
    pid_t pid = getpid();
    do {
        digits[n++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0 && n < (int)sizeof digits);
    if ((size_t)n > room) return;
    for (int i = 0; i < n; i++) entry[plen + i] = digits[n - 1 - i];
    entry[plen + n] = '\0';
}

static void child_after_fork(const pm2_spawn_attr *attr, int report_fd) {
    // 1. Signals: default dispositions (ignored ones too), then an empty mask. The parent
    //    blocked everything around fork(), so no daemon handler can run in here meanwhile.
    //    The raw system call, because glibc's sigaction() refuses its reserved signals (32,
    //    33), which may be ignored and would stay so across exec. An all-zero kernel sigaction
    //    is SIG_DFL with no flags and an empty mask on every architecture.
    static const unsigned long zero_action[8] = { 0 };
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)syscall(SYS_rt_sigaction, sig, zero_action, NULL, (size_t)(_NSIG / 8));
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) child_fail(report_fd, PM2_STAGE_SIGNALS);

    // 2. Session.
    if (attr->new_session && setsid() < 0) child_fail(report_fd, PM2_STAGE_SETSID);

    // 3. Fds. Targets are 0 .. top-1. A source may itself be a target number (or the report
    //    pipe may sit there), so first copy the report fd and every source to numbers >= top,
    //    then dup2 those copies down. Copies are close-on-exec; dup2 clears that on targets.
    int n_inherit = attr->inherit_fds ? attr->n_inherit : 0;
    int top = 3 + n_inherit;
    int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, top);
    if (moved < 0) child_fail(report_fd, PM2_STAGE_DUP);
    close(report_fd);
    report_fd = moved;

    int high[3 + PM2_MAX_INHERIT];  // n_inherit <= PM2_MAX_INHERIT, checked in the parent
    for (int target = 0; target < top; target++) {
        int src;
        switch (target) {
        case 0: src = attr->stdin_fd; break;
        case 1: src = attr->stdout_fd; break;
        case 2: src = attr->stderr_fd; break;
        default: src = attr->inherit_fds[target - 3]; break;
        }
        if (src < 0 && target < 3) {
            int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null_fd < 0) child_fail(report_fd, PM2_STAGE_DUP);
            high[target] = fcntl(null_fd, F_DUPFD_CLOEXEC, top);
            close(null_fd);
        } else {
            high[target] = fcntl(src, F_DUPFD_CLOEXEC, top);
        }
        if (high[target] < 0) child_fail(report_fd, PM2_STAGE_DUP);
    }
    for (int target = 0; target < top; target++) {
        if (dup2(high[target], target) < 0) child_fail(report_fd, PM2_STAGE_DUP);
    }

    // 4. Working directory.
    if (attr->cwd && chdir(attr->cwd) != 0) child_fail(report_fd, PM2_STAGE_CHDIR);

    // 5. LISTEN_PID: only the child knows its pid before exec.
    if (attr->listen_pid_slot >= 0) write_listen_pid(attr->envp[attr->listen_pid_slot]);

    // 6. Nothing else leaks into the child: every fd from `top` up goes (the high copies
    //    included), except the report pipe, which closes itself at exec.
    close_from(top, report_fd);

    execve(attr->path, attr->argv, attr->envp);
    child_fail(report_fd, PM2_STAGE_EXEC);
}

// ---- parent side ----

static ssize_t read_full(int fd, void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int pm2_spawn(const pm2_spawn_attr *attr, pid_t *pid, int *err_errno, int *err_stage) {
    *err_errno = 0;
    *err_stage = PM2_STAGE_NONE;
    if (attr->inherit_fds && (attr->n_inherit < 0 || attr->n_inherit > PM2_MAX_INHERIT)) {
        *err_errno = EINVAL;
        *err_stage = PM2_STAGE_DUP;
        return -1;
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *err_errno = errno;
        *err_stage = PM2_STAGE_PIPE;
        return -1;
    }

    // Block every signal across fork() so that no handler of the daemon runs in the child
    // before it has reset them; the child unblocks after resetting dispositions.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);

    // vfork: the child borrows the daemon's memory until it execs, so no page tables are
    // copied (fork of the daemon was most of the crash-to-replacement time). The child runs
    // only system calls on its own stack frames and ends in execve or _exit; it writes only
    // into the per-spawn LISTEN_PID slot. The parent is suspended until then, and the exec
    // report pipe works as with fork.
    gate_enter();
    pid_t child = vfork();
    if (child == 0) {
        close(report[0]);
        child_after_fork(attr, report[1]);  // does not return
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);

    if (child < 0) {
        gate_leave();
        close(report[0]);
        *err_errno = fork_errno;
        *err_stage = PM2_STAGE_FORK;
        return -1;
    }

    exec_report r;
    ssize_t got = read_full(report[0], &r, sizeof r);
    close(report[0]);
    if (got == 0) {
        // EOF: the pipe closed at exec. From here the reaper owns the child.
        gate_leave();
        *pid = child;
        return 0;
    }

    // The child failed before or at exec and is exiting; reap it here. The gate keeps the
    // reaper off it, so the pid is still ours.
    *pid = child;
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    gate_leave();
    if (got == (ssize_t)sizeof r) {
        *err_errno = r.err;
        *err_stage = r.stage;
    } else {
        *err_errno = EIO;  // a torn report: cannot happen for a write under PIPE_BUF
        *err_stage = PM2_STAGE_EXEC;
    }
    return -1;
}

int pm2_reap_exited(pid_t *pid, int *code, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    pthread_mutex_lock(&gate_lock);
    while (spawns_in_flight > 0) pthread_cond_wait(&gate_idle, &gate_lock);
    int rc = waitid(P_ALL, 0, &info, WEXITED | WNOHANG);
    int saved = errno;
    pthread_mutex_unlock(&gate_lock);
    *pid = rc == 0 ? info.si_pid : 0;
    *code = info.si_code;
    *status = info.si_status;
    errno = saved;
    return rc;
}

int pm2_wait_any_exited(void) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_ALL, 0, &info, WEXITED | WNOWAIT);
}

int pm2_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int pm2_set_pipe_size(int fd, int size) {
    return fcntl(fd, F_SETPIPE_SZ, size);
}

const char *pm2_errno_name(int err) {
    return strerrorname_np(err);
}
