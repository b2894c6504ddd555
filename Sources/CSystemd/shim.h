#ifndef SWIFTPM2_CSYSTEMD_SHIM_H
#define SWIFTPM2_CSYSTEMD_SHIM_H
// libsystemd, reached through pkg-config: sd_notify for the daemon's own readiness and
// status under systemd; sd_listen_fds for a socket-activated control socket; the journal.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <stdio.h>
#include <sys/uio.h>

/// One line of an instance's output to the journal, with its app, instance and pid as fields.
/// `message` is the whole field ("MESSAGE=..."). In C because sd_journal_send is variadic and
/// sd_journal_sendv takes an iovec array that is simplest to fill here. Returns 0 or -errno.
static inline int pm2_journal_line(const char *message, size_t length, int priority,
                                   const char *app, int instance, int pid) {
    char prio[32], ident[320], fapp[320], finst[64], fpid[64], fobj[64];
    snprintf(prio, sizeof prio, "PRIORITY=%d", priority);
    snprintf(ident, sizeof ident, "SYSLOG_IDENTIFIER=%s", app);
    snprintf(fapp, sizeof fapp, "SWIFTPM2_APP=%s", app);
    snprintf(finst, sizeof finst, "SWIFTPM2_INSTANCE=%d", instance);
    snprintf(fpid, sizeof fpid, "SWIFTPM2_PID=%d", pid);
    snprintf(fobj, sizeof fobj, "OBJECT_PID=%d", pid);
    struct iovec iov[7] = {
        { (void *)message, length },
        { prio, strlen(prio) }, { ident, strlen(ident) }, { fapp, strlen(fapp) },
        { finst, strlen(finst) }, { fpid, strlen(fpid) }, { fobj, strlen(fobj) },
    };
    return sd_journal_sendv(iov, pid > 0 ? 7 : 5);
}
#endif
