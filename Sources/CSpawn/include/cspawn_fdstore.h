#ifndef SWIFTPM2_CSPAWN_FDSTORE_H
#define SWIFTPM2_CSPAWN_FDSTORE_H

// The fd keeper: a tiny process that holds named file descriptors for the daemon (listening
// sockets, log pipes) so that they survive the daemon being killed, as systemd's fd store
// (FDSTORE=1) does for a service. In C because passing descriptors over a Unix socket needs
// SCM_RIGHTS control messages (CMSG macros), which Swift cannot use.
//
// Protocol over a SOCK_SEQPACKET Unix socket, one message per record:
//   "PUT <name>" with one fd attached  -> the keeper keeps a copy under <name> (replacing one)
//   "DEL <name>"                         -> the keeper closes and forgets <name>
//   "GET"                                -> the keeper answers "FD <name>" + fd per entry, then "END"
//   "QUIT"                               -> the keeper closes everything and exits
// Names are at most 200 bytes of [A-Za-z0-9._-].

#include <sys/types.h>

/// Runs the keeper on `path` (a socket path; removed and bound again). Returns only when
/// told QUIT (0) or on a fatal error (-errno). Serves one client at a time; a client that goes
/// away (the daemon died) leaves everything kept, for the next one.
int pm2_keeper_run(const char *path);

/// Connects to the keeper at `path`; returns the socket fd (close-on-exec) or -errno.
int pm2_keeper_connect(const char *path);

/// Sends one message, with `fd` attached when it is >= 0. Returns 0 or -errno.
int pm2_keeper_send(int sock, const char *text, int fd);

/// Receives one message into `buf` (NUL-terminated, truncated to len-1) and the attached fd
/// (close-on-exec) in `*fd`, or -1 when none came. Returns the length, 0 at EOF, or -errno.
ssize_t pm2_keeper_recv(int sock, char *buf, size_t len, int *fd);

#endif
