// The fd keeper and its client; see cspawn_fdstore.h.

#define _GNU_SOURCE
#include "cspawn_fdstore.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_MESSAGE 256
#define MAX_KEPT 4096

typedef struct {
    char name[MAX_MESSAGE];
    int fd;
} kept_fd;

static int set_address(struct sockaddr_un *addr, const char *path) {
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path) return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    return 0;
}

int pm2_keeper_send(int sock, const char *text, int fd) {
    struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0) return 0;
        if (errno != EINTR) return -errno;
    }
}

ssize_t pm2_keeper_recv(int sock, char *buf, size_t len, int *fd) {
    struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
    union { char buf[CMSG_SPACE(sizeof(int) * 4)]; struct cmsghdr align; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    *fd = -1;
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    buf[n] = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int fds[4];
        memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)(count > 4 ? 4 : count));
        for (int i = 0; i < count && i < 4; i++) {
            if (*fd < 0) *fd = fds[i]; else close(fds[i]); // one fd per message
        }
    }
    return n;
}

int pm2_keeper_connect(const char *path) {
    struct sockaddr_un addr;
    int rc = set_address(&addr, path);
    if (rc) return rc;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) { int e = errno; close(s); return -e; }
    return s;
}

static void serve(int client, kept_fd *kept, int *count, int *quit) {
    char buf[MAX_MESSAGE];
    int fd;
    for (;;) {
        ssize_t n = pm2_keeper_recv(client, buf, sizeof buf, &fd);
        if (n <= 0) { if (fd >= 0) close(fd); return; } // EOF or error: the client went away
        if (strncmp(buf, "PUT ", 4) == 0 && fd >= 0) {
            const char *name = buf + 4;
            int i;
            for (i = 0; i < *count && strcmp(kept[i].name, name) != 0; i++) {}
            if (i < *count) {
                close(kept[i].fd);
                kept[i].fd = fd;
            } else if (*count < MAX_KEPT) {
                strcpy(kept[*count].name, name);
                kept[*count].fd = fd;
                (*count)++;
            } else {
                close(fd);
            }
        } else if (strncmp(buf, "DEL ", 4) == 0) {
            if (fd >= 0) close(fd);
            for (int i = 0; i < *count; i++) {
                if (strcmp(kept[i].name, buf + 4) == 0) {
                    close(kept[i].fd);
                    kept[i] = kept[*count - 1];
                    (*count)--;
                    break;
                }
            }
        } else if (strcmp(buf, "GET") == 0) {
            if (fd >= 0) close(fd);
            char line[MAX_MESSAGE + 8];
            for (int i = 0; i < *count; i++) {
                strcpy(line, "FD ");
                strcat(line, kept[i].name);
                if (pm2_keeper_send(client, line, kept[i].fd) != 0) return;
            }
            if (pm2_keeper_send(client, "END", -1) != 0) return;
        } else if (strcmp(buf, "QUIT") == 0) {
            if (fd >= 0) close(fd);
            *quit = 1;
            return;
        } else if (fd >= 0) {
            close(fd);
        }
    }
}

int pm2_keeper_run(const char *path) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    struct sockaddr_un addr;
    int rc = set_address(&addr, path);
    if (rc) return rc;
    int listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (listener < 0) return -errno;
    unlink(path);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || chmod(path, 0600) != 0 || listen(listener, 4) != 0) {
        int e = errno;
        close(listener);
        return -e;
    }
    kept_fd *kept = calloc(MAX_KEPT, sizeof *kept);
    if (!kept) { close(listener); return -ENOMEM; }
    int count = 0, quit = 0;
    while (!quit) {
        int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            break;
        }
        serve(client, kept, &count, &quit);
        close(client);
    }
    for (int i = 0; i < count; i++) close(kept[i].fd);
    free(kept);
    close(listener);
    unlink(path);
    return 0;
}
