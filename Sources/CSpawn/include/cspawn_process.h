#ifndef SWIFTPM2_CSPAWN_PROCESS_H
#define SWIFTPM2_CSPAWN_PROCESS_H

/// Makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER): orphaned
/// descendants are re-parented to it instead of to init. In C because prctl is variadic,
/// which Swift cannot call. Returns 0, or -1 with errno set.
int pm2_set_child_subreaper(void);



/// POSIX_SPAWN_SETSID, a GNU extension that Swift's Glibc module does not export.
int pm2_posix_spawn_setsid_flag(void);

#include <sys/types.h>

/// Turns on SO_PASSCRED, so that every datagram carries its sender's credentials.
/// In C with the rest of the credentials code. Returns 0, or -1 with errno set.
int pm2_enable_passcred(int fd);

/// Receives one datagram into buf (at most len bytes; longer ones are truncated) and the
/// sender's pid from its SCM_CREDENTIALS (0 when none came). In C because the CMSG macros
/// and struct ucred are not usable from Swift. Returns the length, or -1 with errno set.
ssize_t pm2_recv_with_pid(int fd, char *buf, size_t len, pid_t *pid);

/// pidfd_open(pid, 0) with close-on-exec: a descriptor that becomes readable when the process
/// exits, for processes that are not our children (taken over from a previous daemon). In C
/// because syscall() is variadic. Returns the fd, or -1 with errno set.
int pm2_pidfd_open(pid_t pid);
#endif
