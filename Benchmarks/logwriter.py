#!/usr/bin/env python3
"""The app of the log-capture benchmark (Benchmarks/peers.py) where no C compiler is there to
build Benchmarks/logwriter.c, which does the same faster:

    logwriter.py MARKER SECONDS MAX SIDEFILE

writes "line NNNNNNNNN\\n" lines, numbered from 0, to stdout as fast as it can (2,000 lines a
write) for SECONDS or until MAX lines, whichever comes first, then records "START_NS END_NS COUNT"
(CLOCK_MONOTONIC, the clock of the harness's time.monotonic_ns) in SIDEFILE and idles, so that no
process manager restarts it, until it is stopped (at most 15 minutes). Started again with
SIDEFILE already there (a manager restarting it), it only idles. MARKER is ignored: the harness
recognises its own processes by it.
"""

import os
import sys
import time


def main():
    _marker, secs, most, side = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    if not os.path.exists(side):
        fmt = b"line %09d\n"
        start = time.monotonic_ns()
        end = start + int(secs * 1e9)
        n = 0
        while n < most and time.monotonic_ns() < end:
            lim = min(n + 2000, most)
            view = memoryview(b"".join([fmt % i for i in range(n, lim)]))
            while view:                          # a pipe may take part of a write
                view = view[os.write(1, view):]
            n = lim
        done = time.monotonic_ns()
        tmp = side + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d %d\n" % (start, done, n))
        os.rename(tmp, side)
    time.sleep(900)


if __name__ == "__main__":
    main()
