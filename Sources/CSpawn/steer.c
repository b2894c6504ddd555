// Round-robin steering for SO_REUSEPORT groups; see cspawn_steer.h.

#define _GNU_SOURCE
#include "cspawn_steer.h"

#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static uint64_t ptr(const void *p) { return (uint64_t)(uintptr_t)p; }

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int create_map(uint32_t type, uint32_t value_size, uint32_t entries) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = type;
    a.key_size = 4;
    a.value_size = value_size;
    a.max_entries = entries;
    return sys_bpf(BPF_MAP_CREATE, &a);
}

int pm2_steer_create(int capacity, pm2_steering *out) {
    if (capacity <= 0) return -EINVAL;
    int state = create_map(BPF_MAP_TYPE_ARRAY, 8, 1);
    if (state < 0) return -errno;
    int socks = create_map(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, (uint32_t)capacity);
    if (socks < 0) { int e = errno; close(state); return -e; }
    // r6 = ctx; state = lookup(state_map, 0); if !state || !state->active: pass
    // i = fetch_add(&state->counter, 1) % state->active
    // bpf_sk_select_reuseport(ctx, socks_map, &i, 0)   (on failure the kernel uses its hash)
    // return SK_PASS
    struct bpf_insn prog[] = {
        /* 0 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
        /* 1 */ INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0),
        /* 2 */ INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, state),
        /* 3 */ INSN(0, 0, 0, 0, 0),
        /* 4 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
        /* 5 */ INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
        /* 6 */ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        /* 7 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 13, 0),   // -> 21
        /* 8 */ INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_0, 4, 0),
        /* 9 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_7, 0, 11, 0),   // -> 21
        /* 10 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_8, 0, 0, 1),
        /* 11 */ INSN(BPF_STX | BPF_ATOMIC | BPF_W, BPF_REG_0, BPF_REG_8, 0, BPF_ADD | BPF_FETCH),
        /* 12 */ INSN(BPF_ALU | BPF_MOD | BPF_X, BPF_REG_8, BPF_REG_7, 0, 0),
        /* 13 */ INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_8, -8, 0),
        /* 14 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0),
        /* 15 */ INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, BPF_PSEUDO_MAP_FD, 0, socks),
        /* 16 */ INSN(0, 0, 0, 0, 0),
        /* 17 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0),
        /* 18 */ INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -8),
        /* 19 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 0),
        /* 20 */ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_select_reuseport),
        /* 21 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, SK_PASS),
        /* 22 */ INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
    a.insns = ptr(prog);
    a.insn_cnt = sizeof prog / sizeof prog[0];
    a.license = ptr("GPL");
    int fd = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd < 0) { int e = errno; close(state); close(socks); return -e; }
    out->prog_fd = fd;
    out->state_fd = state;
    out->socks_fd = socks;
    out->capacity = capacity;
    out->filled = 0;
    return 0;
}

int pm2_steer_attach(const pm2_steering *s, int listen_fd) {
    int fd = s->prog_fd;
    return setsockopt(listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &fd, sizeof fd) == 0 ? 0 : -errno;
}

static int write_state(const pm2_steering *s, uint32_t active) {
    uint32_t key = 0, value[2] = { 0, 0 };
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)s->state_fd;
    a.key = ptr(&key);
    a.value = ptr(value);
    if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) < 0) return -errno;
    value[1] = active;
    a.flags = BPF_ANY;
    return sys_bpf(BPF_MAP_UPDATE_ELEM, &a) == 0 ? 0 : -errno;
}

int pm2_steer_set(pm2_steering *s, const int *fds, int count) {
    if (count < 0 || count > s->capacity) return -EINVAL;
    // Out of rotation first, so that the program never picks an entry being rewritten;
    // meanwhile the kernel spreads by hash.
    int rc = write_state(s, 0);
    if (rc) return rc;
    union bpf_attr a;
    // A socket may sit in one entry only: clear them all before filling them again.
    for (int i = 0; i < s->filled; i++) {
        uint32_t key = (uint32_t)i;
        memset(&a, 0, sizeof a);
        a.map_fd = (uint32_t)s->socks_fd;
        a.key = ptr(&key);
        if (sys_bpf(BPF_MAP_DELETE_ELEM, &a) < 0 && errno != ENOENT) return -errno;
    }
    for (int i = 0; i < count; i++) {
        uint32_t key = (uint32_t)i, value = (uint32_t)fds[i];
        memset(&a, 0, sizeof a);
        a.map_fd = (uint32_t)s->socks_fd;
        a.key = ptr(&key);
        a.value = ptr(&value);
        a.flags = BPF_ANY;
        if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) { s->filled = i; return -errno; }
    }
    s->filled = count;
    return write_state(s, (uint32_t)count);
}

void pm2_steer_close(pm2_steering *s) {
    if (s->prog_fd >= 0) close(s->prog_fd);
    if (s->state_fd >= 0) close(s->state_fd);
    if (s->socks_fd >= 0) close(s->socks_fd);
    s->prog_fd = s->state_fd = s->socks_fd = -1;
}

int pm2_listen_queue_length(int fd) {
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -errno;
    return (int)info.tcpi_unacked;
}
