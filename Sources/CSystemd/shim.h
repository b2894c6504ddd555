#ifndef SWIFTPM2_CSYSTEMD_SHIM_H
#define SWIFTPM2_CSYSTEMD_SHIM_H
// libsystemd, reached through pkg-config: sd_notify for the daemon's own readiness and
// status under systemd; sd_listen_fds for a socket-activated control socket.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif
