/* The app of the log-capture benchmark (Benchmarks/peers.py), compiled by the harness with `cc -O2`
   when a C compiler is there (Benchmarks/logwriter.py does the same, slower, otherwise):
       logwriter MARKER SECONDS MAX SIDEFILE
   writes "line NNNNNNNNN\n" lines, numbered from 0, to stdout as fast as it can (2,000 lines a
   write) for SECONDS or until MAX lines, whichever comes first, then records
   "START_NS END_NS COUNT" (CLOCK_MONOTONIC) in SIDEFILE and idles, so that no process manager
   restarts it, until it is stopped (at most 15 minutes). Started again with SIDEFILE already
   there (a manager restarting it), it only idles. MARKER is ignored: the harness recognises its
   own processes by it.
       logwriter --check FILE COUNT
   reads a captured log and prints "lines L missing M dup D disorder O garbled G stamps S": the
   lines of FILE that end in "line NNNNNNNNN" (anything before it, e.g. a timestamp, is allowed;
   S counts those with a "YYYY-MM-DD HH:mm:ss.SSS: " prefix), the numbers below COUNT never seen,
   seen more than once, the times a number was lower than the one before it, and the lines that are
   not such a line or carry a number not below COUNT. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int is_stamp(const char *s, size_t n) {      /* "YYYY-MM-DD HH:mm:ss.SSS: " */
    static const char shape[] = "dddd-dd-dd dd:dd:dd.ddd: ";
    if (n < sizeof shape - 1) return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i]) return 0;
    }
    return 1;
}

static int check(const char *path, long long count) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    unsigned char *seen = calloc((size_t)count + 1, 1);
    long long lines = 0, dup = 0, disorder = 0, garbled = 0, stamps = 0, prev = -1;
    static char buf[1 << 20];
    char line[1 << 16];
    size_t len = 0, got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < got; i++) {
            char ch = buf[i];
            if (ch != '\n') {
                if (len < sizeof line) line[len] = ch;
                len++;
                continue;
            }
            lines++;
            long long v = -1;
            if (len >= 14 && len <= sizeof line && memcmp(line + len - 14, "line ", 5) == 0) {
                v = 0;
                for (size_t k = len - 9; k < len; k++) {
                    if (line[k] < '0' || line[k] > '9') { v = -1; break; }
                    v = v * 10 + (line[k] - '0');
                }
            }
            if (v >= 0 && len > 14 && is_stamp(line, len - 14)) stamps++;
            if (v < 0 || v >= count) {
                garbled++;
            } else {
                if (seen[v]) dup++;
                seen[v] = 1;
                if (v < prev) disorder++;
                prev = v;
            }
            len = 0;
        }
    }
    fclose(f);
    long long missing = 0;
    for (long long v = 0; v < count; v++) missing += !seen[v];
    if (len) garbled++;                              /* a last line without its newline */
    printf("lines %lld missing %lld dup %lld disorder %lld garbled %lld stamps %lld\n",
           lines, missing, dup, disorder, garbled, stamps);
    free(seen);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--check") == 0) return check(argv[2], atoll(argv[3]));
    if (argc < 5) {
        fprintf(stderr, "usage: logwriter MARKER SECONDS MAX SIDEFILE\n");
        return 2;
    }
    double secs = atof(argv[2]);
    long long max = atoll(argv[3]);
    const char *side = argv[4];
    if (access(side, F_OK) != 0) {
        static char buf[2000 * 15];
        long long start = now_ns(), end = start + (long long)(secs * 1e9), n = 0;
        while (n < max && now_ns() < end) {
            long long lim = n + 2000 < max ? n + 2000 : max;
            size_t k = 0;
            for (long long i = n; i < lim; i++) {
                memcpy(buf + k, "line ", 5);
                long long v = i;
                for (int d = 8; d >= 0; d--) {
                    buf[k + 5 + d] = (char)('0' + v % 10);
                    v /= 10;
                }
                buf[k + 14] = '\n';
                k += 15;
            }
            char *p = buf;
            while (k > 0) {                      /* a pipe may take part of a write */
                ssize_t w = write(1, p, k);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    return 1;
                }
                p += w;
                k -= (size_t)w;
            }
            n = lim;
        }
        long long done = now_ns();
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", side);
        FILE *f = fopen(tmp, "w");
        if (!f) return 1;
        fprintf(f, "%lld %lld %lld\n", start, done, n);
        fclose(f);
        rename(tmp, side);
    }
    sleep(900);
    return 0;
}
