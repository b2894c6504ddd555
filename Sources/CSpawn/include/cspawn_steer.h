#ifndef SWIFTPM2_CSPAWN_STEER_H
#define SWIFTPM2_CSPAWN_STEER_H

// Round-robin steering of new TCP connections over a group of SO_REUSEPORT sockets, with a
// small BPF program (BPF_PROG_TYPE_SK_REUSEPORT) that the kernel runs for every incoming
// connection. In C because the program is raw BPF instructions and the bpf() system call
// takes a union that Swift cannot build conveniently. Loading needs CAP_BPF (or root) on
// kernels that forbid unprivileged BPF, which is the common default.

/// The kernel objects behind one steered address: the program, its counter and the table of
/// sockets it chooses from.
typedef struct {
    int prog_fd;
    /// BPF_MAP_TYPE_ARRAY, one entry: { u32 counter, u32 active }.
    int state_fd;
    /// BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: entries 0..<active are the sockets in rotation.
    int socks_fd;
    int capacity;
    /// Entries of socks_fd written by the last pm2_steer_set.
    int filled;
} pm2_steering;

/// Creates the maps and loads the program, for at most `capacity` sockets in rotation.
/// Returns 0, or -errno (EPERM when the daemon may not load BPF programs).
int pm2_steer_create(int capacity, pm2_steering *out);

/// Attaches the program to the reuseport group of `listen_fd` (a listening SO_REUSEPORT
/// socket); sockets that join the group later are steered too. Returns 0 or -errno.
int pm2_steer_attach(const pm2_steering *s, int listen_fd);

/// Puts exactly `fds[0..<count]` in rotation, in that order. Connections then go to each in
/// turn; with `count` 0 the kernel falls back to its hash over every socket of the group.
/// Returns 0 or -errno.
int pm2_steer_set(pm2_steering *s, const int *fds, int count);

/// Closes the program and the maps (the group keeps working, spread by hash).
void pm2_steer_close(pm2_steering *s);

/// Connections waiting in the accept queue of listening TCP socket `fd` (TCP_INFO's
/// tcpi_unacked, which is the accept backlog for a listener), or -errno.
int pm2_listen_queue_length(int fd);

#endif
