#!/usr/bin/env python3
"""swiftpm2 benchmarks, in three parts, every figure next to a physical-floor baseline measured in
the same run:
- core: five figures of swiftpm2 itself (list, RSS, SIGKILL, start 100, boot), next to the figures
  Oxmgr published for itself and for PM2;
- peers (Benchmarks/peers.py): swiftpm2 beside supervisord, Circus and Node's cluster module, all
  measured here (status command, boot, RSS and CPU idle with 0/100/1000 instances, start 100/1000,
  SIGKILL -> replacement answering and -> new pid, log capture throughput and loss), and Oxmgr's
  published scenarios measured on swiftpm2 beside Oxmgr's and PM2's published figures; SVG charts;
- cluster: HTTP load from wrk against example-server under the daemon (the server run directly,
  1 instance vs 2, Node's cluster module on Benchmarks/node-cluster.js, requests per instance,
  failed requests during rolling reloads and scale-downs), on the default balance (roundrobin),
  then the three `balance` values compared.

Standard library only, plus wrk, node and hyperfine when there, and, for the peers, supervisor and
circus from PyPI: Benchmarks/run.sh installs them (apt, and a venv next to the binaries' build
folder) and runs this file with the venv's Python. Environment:
  SWIFTPM2_BENCH_BIN   folder holding swiftpm2, swiftpm2d and example-server (default .build/release)
  SWIFTPM2_BENCH_OUT   Markdown report to write (default docs/benchmarks.md; "-" = none); the SVG
                       charts (bench-*.svg) go to the same folder
  SWIFTPM2_BENCH_QUICK 1 = fewer repetitions (a smoke test, not for publishing)
  SWIFTPM2_BENCH_ONLY  comma-separated parts to run (core, peers, cluster, monitoring); then the report is
                       printed, and written only when SWIFTPM2_BENCH_OUT is set
  SWIFTPM2_BENCH_VENV  the venv holding supervisord/circusd (default: the running Python's)

Every run uses its own temporary homes and, in a finally block, stops what it started: daemons
with their own shutdown, then by pid; stray instances by pid, only when their command line carries
this run's marker argument.
"""

import datetime
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True          # no __pycache__ in Benchmarks/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers                            # noqa: E402  (Benchmarks/peers.py: supervisord, Circus, Node, Oxmgr's scenarios)
import monitoring                       # noqa: E402  (Benchmarks/monitoring.py: sampling cost, memory recycle time)

BIN = os.path.abspath(os.environ.get("SWIFTPM2_BENCH_BIN", ".build/release"))
CLI = os.path.join(BIN, "swiftpm2")
DAEMON = os.path.join(BIN, "swiftpm2d")
OUT = os.environ.get("SWIFTPM2_BENCH_OUT", "docs/benchmarks.md")
QUICK = os.environ.get("SWIFTPM2_BENCH_QUICK") == "1"
ALL_PARTS = ("core", "peers", "cluster", "monitoring")
PARTS = tuple(x for x in ALL_PARTS if x in os.environ.get("SWIFTPM2_BENCH_ONLY", ",".join(ALL_PARTS)).split(","))

REPS_TRUE = 100 if QUICK else 400       # /bin/true baseline (idle)
REPS_BOOT = 5 if QUICK else 20          # empty daemon boots
REPS_START = 3 if QUICK else 8          # start 100 instances
REPS_LIST = 40 if QUICK else 200        # `swiftpm2 list` (each paired with a /bin/true)
REPS_KILL_EVENT = 10 if QUICK else 40   # SIGKILL -> restart event
REPS_KILL_GET = 5 if QUICK else 20      # SIGKILL -> GET /v1/apps shows the new pid
INSTANCES = 100
MARKER = "86399.%d" % (os.getpid() % 1000)   # /bin/sleep's argument; tags our processes
SLEEP = "/bin/sleep"
TRUE = "/bin/true"

# Published by Oxmgr (its own benchmark, its machine): figure -> (Oxmgr, PM2).
PEERS = {
    "list": (4.5, 332.0),
    "rss0": (6.6, 57.0),
    "rss100": (10.1, 162.0),
    "sigkill": (3.3, 166.0),
    "start100": (801.0, 6090.0),
    "boot": (101.0, 373.0),
}


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted("signal %d" % signum)


def now_ns():
    return time.perf_counter_ns()


def ms(ns):
    return ns / 1e6


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- HTTP over AF_UNIX

def _decode_chunked(data):
    out, i = b"", 0
    while True:
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            return out
        out += data[j + 2:j + 2 + size]
        i = j + 2 + size + 2


# Answers that arrived shorter than their Content-Length (the daemon closed the connection
# before the whole answer was written), by request: counted, reported, and a GET is retried.
SHORT_ANSWERS = {}


class ShortAnswer(ConnectionError):
    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def http(sock_path, method, path, body=None, timeout=30.0):
    """One request on a fresh connection (as the CLI does); returns (status, parsed JSON). An
    answer cut short is counted in SHORT_ANSWERS; a GET is then tried again (up to 5 times)."""
    for attempt in range(5):
        try:
            return _http(sock_path, method, path, body, timeout)
        except ShortAnswer as e:
            key = "%s %s" % (method, path.split("?")[0])
            SHORT_ANSWERS.setdefault(key, []).append(str(e))
            if method != "GET" or attempt == 4:
                raise


def _http(sock_path, method, path, body=None, timeout=30.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        head = "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" % (method, path)
        if body is not None:
            head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(data)
        s.sendall(head.encode() + b"\r\n" + data)
        buf = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    raw = bytes(buf)
    hdr, _, payload = raw.partition(b"\r\n\r\n")
    lines = hdr.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        try:
            payload = _decode_chunked(payload)
        except (ValueError, IndexError):
            raise ShortAnswer("a chunked answer of %d bytes, cut short" % len(payload), status)
    elif "content-length" in headers and len(payload) < int(headers["content-length"]):
        raise ShortAnswer("%d of %s bytes" % (len(payload), headers["content-length"]), status)
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, payload.decode("utf-8", "replace")


class EventStream:
    """`GET /v1/events`, read incrementally (chunked NDJSON)."""

    def __init__(self, sock_path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(sock_path)
        self.sock.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("event stream closed before its headers")
            raw += chunk
        hdr, _, self.raw = raw.partition(b"\r\n\r\n")
        if b" 200 " not in hdr.split(b"\r\n")[0] + b" ":
            raise RuntimeError("GET /v1/events answered %r" % hdr[:60])
        self.sock.setblocking(False)
        self.text = b""
        self.events = []

    def _parse(self):
        while True:
            j = self.raw.find(b"\r\n")
            if j < 0:
                return
            size = int(self.raw[:j].split(b";")[0], 16)
            if len(self.raw) < j + 2 + size + 2:
                return
            self.text += self.raw[j + 2:j + 2 + size]
            self.raw = self.raw[j + 2 + size + 2:]
            while b"\n" in self.text:
                line, _, self.text = self.text.partition(b"\n")
                if line.strip():
                    self.events.append(json.loads(line))

    def next(self, deadline_ns):
        """The next event, or None at the deadline (a perf_counter_ns value)."""
        while not self.events:
            left = (deadline_ns - now_ns()) / 1e9
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise RuntimeError("event stream closed")
                self.raw += chunk
                self._parse()
        return self.events.pop(0)

    def drain(self):
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.raw += chunk
        except BlockingIOError:
            pass
        self._parse()
        self.events.clear()

    def close(self):
        self.sock.close()


# ----------------------------------------------------------------------------- processes

DEVNULL_OUT = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)]


def spawn_wait(argv, env, stderr_path=None):
    """posix_spawn + waitpid, stdout (and stderr unless a path is given) to /dev/null;
    returns (ns, exit status)."""
    actions = DEVNULL_OUT if stderr_path is None else [
        DEVNULL_OUT[0], (os.POSIX_SPAWN_OPEN, 2, stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    t0 = now_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    return now_ns() - t0, status


def rss_kb(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for pid %d" % (key, pid))


def is_ours(pid):
    """True when pid is a /bin/sleep started with this run's marker argument."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[1:2] == [MARKER.encode()]
    except OSError:
        return False


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def child_pids(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def all_ours(pids, wait=0.5):
    """True when every pid is one of our sleepers; a pid just past exec() may not show its new
    command line for a moment, so the check is repeated for up to `wait` s."""
    end = time.monotonic() + wait
    left = [p for p in pids if not is_ours(p)]
    while left and time.monotonic() < end:
        time.sleep(0.005)
        left = [p for p in left if not is_ours(p)]
    return not left


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Daemon:
    """A swiftpm2d started directly, with a fresh home; readiness from SWIFTPM2_READY_FD."""

    def __init__(self, registry):
        self.home = tempfile.mkdtemp(prefix="spm2bench.", dir="/tmp")
        self.sock = os.path.join(self.home, "daemon.sock")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SWIFTPM2_", "NOTIFY_SOCKET", "LISTEN_"))}
        self.env["SWIFTPM2_HOME"] = self.home
        self.env["SWIFTPM2D_PATH"] = DAEMON
        self.pid = None
        self.stopped = False
        self.helpers = set()
        registry.append(self)

    def note_helpers(self):
        """Remembers the processes the daemon started for itself rather than for an app (e.g. a
        descriptor keeper): its children whose command line names this daemon's home and not the
        marker of our apps. cleanup() stops those that outlive the daemon."""
        if not self.pid:
            return
        for c in child_pids(self.pid):
            cmd = cmdline(c)
            if self.home.encode() in cmd and MARKER.encode() not in cmd:
                self.helpers.add(c)

    def stop_helpers(self):
        left = [c for c in self.helpers if alive(c) and self.home.encode() in cmdline(c)]
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                for c in left:
                    try:
                        os.kill(c, sig)
                    except ProcessLookupError:
                        pass
            end = time.monotonic() + 2.0
            while left and time.monotonic() < end:
                time.sleep(0.02)
                left = [c for c in left if alive(c) and self.home.encode() in cmdline(c)]
            if not left:
                break
        self.helpers.clear()

    def boot(self):
        """Spawns the daemon; returns (ns until the ready byte, ns until /v1/ping answered)."""
        r, w = os.pipe()
        os.set_inheritable(w, True)
        env = dict(self.env, SWIFTPM2_READY_FD=str(w))
        logpath = os.path.join(self.home, "daemon.log")
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, logpath, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        t0 = now_ns()
        try:
            self.pid = os.posix_spawn(DAEMON, [DAEMON], env, file_actions=actions, setsid=True)
        finally:
            os.close(w)
        try:
            ready, _, _ = select.select([r], [], [], 10)
            if not ready or os.read(r, 1) != b"\x01":
                raise RuntimeError("swiftpm2d did not become ready; see %s" % logpath)
        finally:
            os.close(r)
        t_ready = now_ns()
        status, body = http(self.sock, "GET", "/v1/ping")
        t_ping = now_ns()
        if status != 200 or body.get("pid") != self.pid:
            raise RuntimeError("ping answered %s %r" % (status, body))
        self.note_helpers()
        return t_ready - t0, t_ping - t0

    def stop(self):
        """POST /v1/kill and reap; returns ns until the daemon exited."""
        self.note_helpers()
        t0 = now_ns()
        http(self.sock, "POST", "/v1/kill")
        os.waitpid(self.pid, 0)
        self.stopped = True
        return now_ns() - t0

    def _reaped(self, wait):
        end = time.monotonic() + wait
        while True:
            try:
                if os.waitpid(self.pid, os.WNOHANG)[0] != 0:
                    return True
            except ChildProcessError:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)

    def cleanup(self):
        """`swiftpm2 kill`, then SIGTERM, then SIGKILL, each only if the daemon is still there."""
        if self.pid and not self.stopped:
            self.note_helpers()
            try:
                subprocess.run([CLI, "kill"], env=self.env, timeout=15,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except (OSError, subprocess.TimeoutExpired):
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self._reaped(5.0):
                    break
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    pass
            else:
                self._reaped(2.0)
            self.stopped = True
        self.stop_helpers()
        shutil.rmtree(self.home, ignore_errors=True)


def ecosystem(name, n):
    return {"apps": [{"name": name, "script": SLEEP, "args": [MARKER], "instances": n,
                      "max_restarts": 1000000, "min_uptime": 0, "crash_window": 0,
                      "kill_timeout": 1000}]}


def instances_of(sock, name):
    status, body = http(sock, "GET", "/v1/apps/%s" % name)
    if status != 200:
        raise RuntimeError("GET /v1/apps/%s answered %s %r" % (name, status, body))
    return body["apps"][0]["instances"]


def wait_gone(pids, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.01)
    return False


# ----------------------------------------------------------------------------- statistics

def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


# ----------------------------------------------------------------------------- the benchmark

def run(registry, strays):
    res = {}
    env_plain = {"PATH": "/usr/bin:/bin"}

    # 0. Baseline: fork+exec /bin/true, idle machine state.
    log("baseline: posix_spawn + wait of /bin/true x%d" % REPS_TRUE)
    for _ in range(20):
        spawn_wait([TRUE], env_plain)
    res["true_idle"] = summary([ms(spawn_wait([TRUE], env_plain)[0]) for _ in range(REPS_TRUE)])

    # 5. Empty boot until /v1/ping answers; RSS with no apps.
    log("boot: empty daemon until /v1/ping answers x%d" % REPS_BOOT)
    boots, readies, rss0, stops, true_boot = [], [], [], [], []
    for i in range(REPS_BOOT + 1):
        d = Daemon(registry)
        t_ready, t_ping = d.boot()
        time.sleep(0.3)
        http(d.sock, "GET", "/v1/apps")       # a request served, as an idle daemon would have
        time.sleep(0.1)
        kb = rss_kb(d.pid)
        anon0 = rss_kb(d.pid, "RssAnon") / 1024
        t_stop = d.stop()
        d.cleanup()
        true_boot.append(ms(spawn_wait([TRUE], env_plain)[0]))
        if i == 0:
            continue                            # first boot warms the page cache
        boots.append(ms(t_ping))
        readies.append(ms(t_ready))
        rss0.append(kb / 1024)
        stops.append(ms(t_stop))
    res["boot"], res["boot_ready"], res["rss0"], res["kill_empty"] = (
        summary(boots), summary(readies), summary(rss0), summary(stops))
    res["true_boot"] = summary(true_boot)
    res["anon0"] = anon0

    # The long-lived daemon for the other figures.
    d = Daemon(registry)
    d.boot()
    time.sleep(0.3)
    res["rss_fresh"] = rss_kb(d.pid) / 1024

    # 4. Start 100 instances until online; baseline 100 posix_spawns of /bin/sleep.
    log("start: POST /v1/apps with %d instances x%d (+ baseline)" % (INSTANCES, REPS_START))
    starts, confirms, deletes, spawn100, rss100, sleep_rss = [], [], [], [], [], []
    base_dir = "?base=" + d.home
    for rep in range(REPS_START):
        # Baseline first: 100 x posix_spawn(/bin/sleep) from Python, then kill and reap.
        t0 = now_ns()
        pids = [os.posix_spawn(SLEEP, [SLEEP, MARKER], env_plain, file_actions=DEVNULL_OUT)
                for _ in range(INSTANCES)]
        spawn100.append(ms(now_ns() - t0))
        strays.update(pids)
        time.sleep(0.05)
        sleep_rss.append(rss_kb(pids[0]) / 1024)
        for p in pids:
            os.kill(p, signal.SIGKILL)
        for p in pids:
            os.waitpid(p, 0)
        time.sleep(0.2)

        t0 = now_ns()
        status, body = http(d.sock, "POST", "/v1/apps" + base_dir, ecosystem("b100", INSTANCES))
        t1 = now_ns()
        if status != 201:
            raise RuntimeError("POST /v1/apps answered %s %r" % (status, body))
        answered = body["apps"][0]["instances"]
        insts = instances_of(d.sock, "b100")
        t2 = now_ns()
        pids = [x.get("pid") for x in insts]
        strays.update(p for p in pids if p)
        if (len(insts) != INSTANCES or any(x.get("state") != "online" for x in insts + answered)
                or len(set(pids)) != INSTANCES or not all_ours(pids)):
            raise RuntimeError("not all %d instances online with distinct pids of our sleepers: states %r, answered %r, "
                               "%d distinct pids, not ours: %r" % (
                                   INSTANCES, sorted({x.get("state") for x in insts}), sorted({x.get("state") for x in answered}),
                                   len(set(pids)), [p for p in pids if not is_ours(p)][:5]))
        starts.append(ms(t1 - t0))
        confirms.append(ms(t2 - t0))
        time.sleep(0.5)
        rss100.append(rss_kb(d.pid) / 1024)
        if rep == REPS_START - 1:
            break                               # keep the last one running
        t0 = now_ns()
        status, _ = http(d.sock, "DELETE", "/v1/apps/b100")
        deletes.append(ms(now_ns() - t0))
        if status != 200 or not wait_gone(pids):
            raise RuntimeError("DELETE /v1/apps/b100 answered %s or left instances running" % status)
        time.sleep(0.3)
    res["start100"], res["start100_get"], res["spawn100"] = summary(starts), summary(confirms), summary(spawn100)
    res["delete100"] = summary(deletes) if deletes else None
    res["sleep_rss"] = summary(sleep_rss)

    # 1. `swiftpm2 list` with 100 instances, interleaved with /bin/true spawned the same way,
    # and, to see where the time goes, `swiftpm2 --version` (no daemon contact) and `swiftpm2 ping`.
    log("list: swiftpm2 list with %d instances x%d (interleaved with /bin/true, --version, ping)" % (INSTANCES, REPS_LIST))
    env_cli = dict(d.env)
    for _ in range(10):
        for argv in ([CLI, "list"], [TRUE], [CLI, "--version"], [CLI, "ping"]):
            spawn_wait(argv, env_cli)
    lists, trues, versions, pings = [], [], [], []
    failures = {"list": 0, "ping": 0, "messages": set()}
    errfile = os.path.join(d.home, "cli-stderr.txt")

    def cli(cmd, into):
        t, st = spawn_wait([CLI, cmd], env_cli, errfile)
        if st == 0:
            into.append(ms(t))
        else:                                   # counted and reported, not timed
            failures[cmd] += 1
            with open(errfile, errors="replace") as f:
                failures["messages"].add(f.read().strip()[:200])

    for _ in range(REPS_LIST):
        cli("list", lists)
        trues.append(ms(spawn_wait([TRUE], env_cli)[0]))
        versions.append(ms(spawn_wait([CLI, "--version"], env_cli)[0]))
        cli("ping", pings)
    if len(lists) < REPS_LIST // 2:
        raise RuntimeError("swiftpm2 list failed %d times out of %d" % (failures["list"], REPS_LIST))
    res["cli_version"], res["cli_ping"], res["cli_failures"] = summary(versions), summary(pings), failures
    res["list_reps"] = REPS_LIST
    res["list"], res["true_list"] = summary(lists), summary(trues)
    t0 = now_ns()
    for _ in range(50):
        http(d.sock, "GET", "/v1/apps")
    res["get_apps"] = ms(now_ns() - t0) / 50
    rss100.append(rss_kb(d.pid) / 1024)

    # 3. SIGKILL of an instance -> new pid visible.
    log("sigkill: restart event x%d, GET /v1/apps x%d" % (REPS_KILL_EVENT, REPS_KILL_GET))
    events = EventStream(d.sock)
    to_event, to_exit, true_kill = [], [], []
    try:
        for rep in range(REPS_KILL_EVENT):
            idx = (rep * 7) % INSTANCES
            old = instances_of(d.sock, "b100")[idx].get("pid")
            if not is_ours(old):
                raise RuntimeError("instance %d has pid %r, not our sleeper" % (idx, old))
            events.drain()
            t0 = now_ns()
            os.kill(old, signal.SIGKILL)
            deadline = t0 + 5_000_000_000
            t_exit = None
            while True:
                ev = events.next(deadline)
                if ev is None:
                    raise RuntimeError("no restart event for instance %d within 5 s" % idx)
                if ev.get("app") != "b100" or ev.get("instance") != idx:
                    continue
                if ev.get("kind") == "exit" and t_exit is None:
                    t_exit = now_ns()
                if ev.get("kind") in ("restart", "start") and ev.get("state") == "online" and ev.get("pid") not in (None, old):
                    t_new = now_ns()
                    strays.add(ev["pid"])
                    break
            to_event.append(ms(t_new - t0))
            if t_exit:
                to_exit.append(ms(t_exit - t0))
            true_kill.append(ms(spawn_wait([TRUE], env_plain)[0]))
            time.sleep(0.1)
    finally:
        events.close()
    to_get = []
    for rep in range(REPS_KILL_GET):
        idx = (rep * 11 + 3) % INSTANCES
        old = instances_of(d.sock, "b100")[idx].get("pid")
        if not is_ours(old):
            raise RuntimeError("instance %d has pid %r, not our sleeper" % (idx, old))
        t0 = now_ns()
        os.kill(old, signal.SIGKILL)
        while True:
            inst = instances_of(d.sock, "b100")[idx]
            if inst.get("pid") not in (None, old) and inst.get("state") == "online":
                t1 = now_ns()
                strays.add(inst.get("pid"))
                break
            if now_ns() - t0 > 5_000_000_000:
                raise RuntimeError("GET never showed a new pid for instance %d" % idx)
        to_get.append(ms(t1 - t0))
        time.sleep(0.1)
    res["sigkill"], res["sigkill_exit"], res["sigkill_get"] = summary(to_event), summary(to_exit), summary(to_get)
    res["true_kill"] = summary(true_kill)
    time.sleep(0.3)
    rss100.append(rss_kb(d.pid) / 1024)
    res["rss100"] = summary(rss100)
    res["hwm100"] = rss_kb(d.pid, "VmHWM") / 1024
    res["anon100"], res["file100"] = rss_kb(d.pid, "RssAnon") / 1024, rss_kb(d.pid, "RssFile") / 1024
    restarts = sum(x.get("restarts", 0) for x in instances_of(d.sock, "b100"))
    res["restarts_seen"] = restarts

    # Stop everything: the daemon stops its 100 instances and exits.
    pids = [x.get("pid") for x in instances_of(d.sock, "b100") if x.get("pid")]
    res["kill100"] = ms(d.stop())
    if not wait_gone(pids, 5):
        raise RuntimeError("instances still running after POST /v1/kill")
    d.cleanup()
    return res


# ----------------------------------------------------------------------------- cluster mode

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(BIN, "example-server")
NODE_APP = os.path.join(HERE, "node-cluster.js")
PID_LUA = os.path.join(HERE, "count-pids.lua")
WRK = shutil.which("wrk")
NODE = shutil.which("node")

REPS_TPUT, TPUT_SECS = (2, 2) if QUICK else (3, 5)        # `/`: direct vs cluster 1 instance
REPS_CPU, CPU_SECS = (2, 2) if QUICK else (5, 3)          # `/work`: 1 vs 2 instances (+ Node)
REPS_SPREAD, SPREAD_SECS = (1, 2) if QUICK else (3, 4)    # 4 instances, requests per instance
RELOADS = 3 if QUICK else 10                              # rolling reloads under load
SCALE_DOWNS = 2 if QUICK else 5                           # scale-downs 4 -> 2 under load
REPS_BAL = 1 if QUICK else 3                              # balance comparison: reps per mode
BALANCES = ("roundrobin", "shared", "reuseport")          # `balance` values compared (default first)
DEFAULT_BALANCE = "roundrobin"                            # what an app without the key gets (tcp://)
CPU_TARGET_MS = 2.5                                       # aimed-at time of one /work request
TPUT_CONNS, CPU_CONNS, SPREAD_CONNS, RELOAD_CONNS = 32, 16, 32, 8


def carries_marker(pid):
    """True when one of pid's arguments is this run's marker (sleepers, example-servers, Node)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return MARKER.encode() in f.read().split(b"\0")[1:]
    except OSError:
        return False


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def get(port, path="/", timeout=5.0):
    """One GET on a fresh connection to 127.0.0.1:port; returns (status, body). The client closes
    the connection once it has Content-Length bytes of body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the response head")
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for l in lines[1:]:
            k, _, v = l.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed in the body")
            body += chunk
        return int(lines[0].split()[1]), body.decode("utf-8", "replace")
    finally:
        s.close()


def wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while True:
        try:
            if get(port, timeout=1.0)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > end:
            raise RuntimeError("nothing answers on 127.0.0.1:%d" % port)
        time.sleep(0.02)


def conns_by_pid(port, pids):
    """Established TCP connections with local port `port`, counted by the pid holding them."""
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "01" and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f[9])
    out = {}
    for pid in pids:
        n = 0
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            fds = []
        for fd in fds:
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                n += 1
        out[pid] = n
    return out


def parse_wrk(out):
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError("wrk printed no Requests/sec:\n" + out[-800:])
    r = {"rps": float(m.group(1)), "pids": {}, "status": {}, "non2xx": 0,
         "sock": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["sock"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] in ("PID", "STATUS"):
            key = "pids" if f[0] == "PID" else "status"
            r[key][int(f[1])] = r[key].get(int(f[1]), 0) + int(f[2])
    r["errors"] = sum(r["sock"].values()) + r["non2xx"]
    return r


def wrk(url, conns, secs, threads=1, lua=False, during=None, header=None):
    """Runs wrk (keep-alive: each connection is opened once and reused); `during(proc)` runs
    while it does. Returns (parsed output, what `during` returned)."""
    argv = [WRK, "-t%d" % threads, "-c%d" % conns, "-d%ds" % secs]
    if header:
        argv += ["-H", header]
    if lua:
        argv += ["-s", PID_LUA]
    argv.append(url)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        extra = during(p) if during else None
        out, _ = p.communicate(timeout=secs + 60)
    except BaseException:
        p.kill()
        p.wait()
        raise
    return parse_wrk(out), extra


def sampler(port, pids, after):
    def during(_proc):
        time.sleep(after)
        return conns_by_pid(port, pids)
    return during


def cli_ok(d, *args, timeout=120):
    t0 = now_ns()
    r = subprocess.run([CLI] + list(args), env=d.env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("swiftpm2 %s exited %d: %s" % (" ".join(args), r.returncode, (r.stderr or r.stdout).strip()[:300]))
    return ms(now_ns() - t0)


def listeners(port):
    """TCP sockets listening on 127.0.0.1:port (or any address): one for a shared socket, one
    per instance slot for per-slot SO_REUSEPORT sockets."""
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                n += 1
    return n


def bpf_programs(pid):
    """BPF programs whose fd `pid` holds (the daemon's round-robin steering)."""
    n = 0
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return 0
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:bpf-prog":
                n += 1
        except OSError:
            pass
    return n


class ClusterApp:
    """example-server as a cluster app of the daemon `d`, on 127.0.0.1:port; `balance` is
    written into the ecosystem file when given (None: the key is left out, the default)."""

    def __init__(self, d, name, port, n, strays, balance=None):
        self.d, self.name, self.port, self.strays, self.balance = d, name, port, strays, balance
        path = os.path.join(d.home, "%s.json" % name)
        app = {"name": name, "script": EXAMPLE, "args": [MARKER], "instances": n,
               "exec_mode": "cluster", "listen": "tcp://127.0.0.1:%d" % port,
               "wait_ready": True, "listen_timeout": "5s"}
        if balance is not None:
            app["balance"] = balance
        with open(path, "w") as f:
            json.dump({"apps": [app]}, f)
        r = subprocess.run([CLI, "start", path], env=d.env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("swiftpm2 start %s exited %d: %s" % (name, r.returncode, (r.stderr or r.stdout).strip()[:300]))
        # e.g. roundrobin where the daemon may not load BPF: it shares one socket instead.
        self.warnings = [l[len("warning: "):].strip() for l in r.stderr.splitlines() if l.startswith("warning: ")]
        self.wait(n)

    def sockets(self):
        """How the instances share the port, as the kernel shows it now."""
        return {"listeners": listeners(self.port), "bpf": bpf_programs(self.d.pid)}

    def delete(self):
        """`swiftpm2 delete`: stops the instances and closes the app's sockets."""
        pids = self.pids()
        cli_ok(self.d, "delete", self.name)
        if not wait_gone(pids, 10):
            raise RuntimeError("%s: instances still running after delete" % self.name)

    def instances(self):
        return instances_of(self.d.sock, self.name)

    def pids(self):
        return [x["pid"] for x in self.instances() if x.get("pid")]

    def wait(self, n, timeout=10.0):
        """Until exactly n instances are online (and, 0.2 s later, blocked in accept())."""
        end = time.monotonic() + timeout
        while True:
            insts = self.instances()
            if len(insts) == n and all(x.get("state") == "online" and x.get("pid") for x in insts):
                self.strays.update(x["pid"] for x in insts)
                break
            if time.monotonic() > end:
                raise RuntimeError("%s: not %d instances online: %r" % (self.name, n, [x.get("state") for x in insts]))
            time.sleep(0.02)
        time.sleep(0.2)
        wait_port(self.port)

    def scale(self, n):
        t = cli_ok(self.d, "scale", self.name, str(n))
        self.wait(n)
        return t


class Child:
    """A process the harness started itself (example-server run directly, a Node primary)."""

    def __init__(self, argv, env, children, stdout=subprocess.DEVNULL):
        self.p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.DEVNULL,
                                  text=True, start_new_session=True)
        self.extra = []                                    # e.g. Node workers
        children.append(self)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for pid in self.extra:
            if alive(pid) and carries_marker(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def direct_server(port, children):
    c = Child([EXAMPLE, MARKER], {"PATH": "/usr/bin:/bin", "PORT": str(port)}, children)
    wait_port(port)
    return c


def node_cluster(workers, port, children):
    c = Child([NODE, NODE_APP, MARKER], {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
              "PORT": str(port), "WORKERS": str(workers)}, children, stdout=subprocess.PIPE)
    ready, _, _ = select.select([c.p.stdout], [], [], 15)
    line = c.p.stdout.readline() if ready else ""
    if not line.startswith("ready "):
        raise RuntimeError("the Node cluster primary did not get ready (%r)" % line)
    c.extra = [int(x) for x in line.split()[1:]]
    wait_port(port)
    return c


def busy_ceiling(k, secs):
    """k CPU-bound Python loops at once for `secs`; total iterations (the machine's own 2-vs-1
    scaling, with everything else that runs on it)."""
    code = ("import time\nt=time.perf_counter()+%f\nn=0\nwhile time.perf_counter()<t:\n    n+=1\nprint(n)" % secs)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(k)]
    return sum(int(p.communicate(timeout=secs + 30)[0]) for p in procs)


def calibrate(url_fmt, n0):
    """The n for which one /work request takes about CPU_TARGET_MS on one worker."""
    r, _ = wrk(url_fmt % n0, 4, 1)
    n = n0 * CPU_TARGET_MS / (1000.0 / r["rps"])
    digits = 10 ** max(0, len(str(int(n))) - 2)
    return int(round(n / digits) * digits)


def fresh_load(port, stop, tally, lock):
    """A load loop of one GET per fresh connection; counts successes and failures."""
    while not stop.is_set():
        try:
            status, body = get(port, timeout=5.0)
            ok, why = status == 200 and body.startswith("pid "), "status %d" % status
        except OSError as e:
            ok, why = False, type(e).__name__
        with lock:
            if ok:
                tally["ok"] += 1
            else:
                tally["failed"] += 1
                tally["why"][why] = tally["why"].get(why, 0) + 1


def reload_many(app, count):
    """`swiftpm2 reload` count times in a row; returns (ms each, instances replaced each)."""
    times, replaced = [], []
    for _ in range(count):
        before = set(app.pids())
        times.append(cli_ok(app.d, "reload", app.name))
        app.wait(len(before))
        replaced.append(len(before - set(app.pids())))
    return times, replaced


def work_rep(app, url, i):
    """One `/work` repetition on `app`: 1 instance and 2 (`swiftpm2 scale` between), in the order
    that alternates with i; the connections per instance are sampled 1 s into the 2-instance run."""
    def run(n):
        if len(app.pids()) != n:
            app.scale(n)
        return wrk(url, CPU_CONNS, CPU_SECS, during=sampler(app.port, app.pids(), 1.0))

    order = (1, 2) if i % 2 == 0 else (2, 1)            # alternate which runs first: no drift bias
    got = {n: run(n) for n in order}
    (r1, _), (r2, conns) = got[1], got[2]
    return {"s1": r1["rps"], "s2": r2["rps"], "s_conns": sorted(conns.values(), reverse=True),
            "s_errors": r1["errors"] + r2["errors"]}


def spread_rep(app):
    """One spread repetition on `app` (4 instances): requests and connections per instance."""
    by_pid = [x["pid"] for x in sorted(app.instances(), key=lambda x: x.get("index", 0))]
    r, conns = wrk("http://127.0.0.1:%d/" % app.port, SPREAD_CONNS, SPREAD_SECS, threads=2, lua=True,
                   during=sampler(app.port, by_pid, 1.0))
    return {"reqs": [r["pids"].get(p, 0) for p in by_pid], "conns": [conns[p] for p in by_pid], "rps": r["rps"],
            "other": sum(v for p, v in r["pids"].items() if p not in by_pid), "errors": r["errors"]}


def run_balance(d, strays, n_work):
    """The balance comparison: for each `balance` value, an app of its own (explicit key, own
    port) measured as the default app is (`/work` 2 vs 1, then spread over 4), then deleted."""
    out = {}
    for mode in BALANCES:
        log("cluster: balance %s: /work 1 vs 2 instances x%d, spread over 4 x%d" % (mode, REPS_BAL, REPS_BAL))
        app = None
        try:
            app = ClusterApp(d, "bal-" + mode, free_port(), 2, strays, balance=mode)
            url = "http://127.0.0.1:%d/work?n=%d" % (app.port, n_work)
            wrk(url, CPU_CONNS, 1)                                               # warm-up, 2 instances
            cpu = [work_rep(app, url, i) for i in range(REPS_BAL)]
            app.scale(4)
            socks = app.sockets()
            spread = [spread_rep(app) for _ in range(REPS_BAL)]
            app.delete()
            out[mode] = dict(socks, cpu=cpu, spread=spread, warnings=app.warnings)
        except Interrupted:
            raise
        except Exception as e:                      # reported in its row; the other modes still run
            log("bench: balance %s failed: %s" % (mode, e))
            out[mode] = {"error": str(e)}
            if app is not None:
                try:
                    app.delete()
                except Exception:
                    pass
    return out


def scale_downs(web):
    """SCALE_DOWNS times: `swiftpm2 scale web 2` from 4 instances while wrk (keep-alive) runs, then
    `scale web 4` without load; then the same under 4 Python threads of fresh connections. Failed
    requests are counted over each whole load run (1 s before the scale-down, 0.5 s after it)."""
    import threading
    ka = {"requests": 0, "failed": 0, "non2xx": 0, "sock": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
          "times": [], "stopped": []}
    for _ in range(SCALE_DOWNS):
        before = set(web.pids())

        def during(proc):
            time.sleep(1.0)
            t = web.scale(2)
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)                  # wrk prints its summary and exits
            return t
        r, t = wrk("http://127.0.0.1:%d/" % web.port, RELOAD_CONNS, 120, during=during)
        ka["requests"] += r["requests"]
        ka["failed"] += failed(r)
        ka["non2xx"] += r["non2xx"]
        for k in ka["sock"]:
            ka["sock"][k] += r["sock"][k]
        ka["times"].append(t)
        ka["stopped"].append(len(before - set(web.pids())))
        web.scale(4)
    fresh = {"tally": {"ok": 0, "failed": 0, "why": {}}, "times": [], "stopped": []}
    lock = threading.Lock()
    for _ in range(SCALE_DOWNS):
        before = set(web.pids())
        stop = threading.Event()
        threads = [threading.Thread(target=fresh_load, args=(web.port, stop, fresh["tally"], lock), daemon=True)
                   for _ in range(4)]
        for th in threads:
            th.start()
        try:
            time.sleep(0.5)
            fresh["times"].append(web.scale(2))
            time.sleep(0.5)
        finally:
            stop.set()
            for th in threads:
                th.join(10)
        fresh["stopped"].append(len(before - set(web.pids())))
        web.scale(4)
    return {"ka": ka, "fresh": fresh}


def run_cluster(registry, strays, children):
    import threading
    c = {"reps": {}}
    d = Daemon(registry)
    d.boot()
    port_web, port_direct = free_port(), free_port()
    web = ClusterApp(d, "web", port_web, 1, strays)            # no `balance` key: the default
    c["web_warnings"], c["daemon_uid"] = web.warnings, os.stat("/proc/%d" % d.pid).st_uid
    direct = direct_server(port_direct, children)

    # 1. `/` throughput: cluster with 1 instance vs example-server run directly, alternating.
    log("cluster: / throughput, wrk -t2 -c%d -d%ds, direct vs cluster(1) x%d" % (TPUT_CONNS, TPUT_SECS, REPS_TPUT))
    for port in (port_direct, port_web):
        wrk("http://127.0.0.1:%d/" % port, TPUT_CONNS, 1, threads=2)          # warm-up
    tput = []
    for rep in range(REPS_TPUT):
        order = (port_direct, port_web) if rep % 2 == 0 else (port_web, port_direct)   # ABBA: no drift bias
        got = {port: wrk("http://127.0.0.1:%d/" % port, TPUT_CONNS, TPUT_SECS, threads=2)[0] for port in order}
        rd, rc = got[port_direct], got[port_web]
        tput.append({"direct": rd["rps"], "cluster": rc["rps"], "errors": rd["errors"] + rc["errors"]})
    c["tput"] = tput
    r, _ = wrk("http://127.0.0.1:%d/" % port_direct, 4, 1, header="Connection: close")
    c["conn_close"] = {"requests": r["requests"], "non2xx": r["non2xx"], "errors": r["errors"]}
    direct.stop()

    # 2. CPU-bound /work: 2 instances vs 1 under cluster (`swiftpm2 scale`), and Node's cluster
    # module with 2 workers vs 1, each repetition in the same run.
    n_swift = calibrate("http://127.0.0.1:%d/work?n=%%d" % port_web, 2_000_000)
    nodes = None
    if NODE:
        port_n1, port_n2 = free_port(), free_port()
        nodes = (node_cluster(1, port_n1, children), node_cluster(2, port_n2, children))
        n_node = calibrate("http://127.0.0.1:%d/work?n=%%d" % port_n1, 2_000_000)
        c["n_node"] = n_node
        wrk("http://127.0.0.1:%d/work?n=%d" % (port_n2, n_node), CPU_CONNS, 1)   # JIT warm-up, 2 workers
    c["n_swift"] = n_swift
    log("cluster: /work?n=%d, wrk -t1 -c%d -d%ds, 1 vs 2 instances%s x%d" % (
        n_swift, CPU_CONNS, CPU_SECS, " (+ Node n=%d)" % c["n_node"] if nodes else "", REPS_CPU))
    cpu = []
    url = "http://127.0.0.1:%d/work?n=%d" % (port_web, n_swift)
    for i in range(REPS_CPU):
        order = (1, 2) if i % 2 == 0 else (2, 1)        # the order work_rep uses too
        rep = work_rep(web, url, i)
        if nodes:
            url1 = "http://127.0.0.1:%d/work?n=%d" % (port_n1, c["n_node"])
            url2 = "http://127.0.0.1:%d/work?n=%d" % (port_n2, c["n_node"])
            got = {n: wrk(url1 if n == 1 else url2, CPU_CONNS, CPU_SECS,
                          during=sampler(port_n2, nodes[1].extra, 1.0) if n == 2 else None) for n in order}
            (q1, _), (q2, nconns) = got[1], got[2]
            rep.update(n1=q1["rps"], n2=q2["rps"], n_conns=sorted(nconns.values(), reverse=True),
                       n_errors=q1["errors"] + q2["errors"])
        cpu.append(rep)
    c["cpu"] = cpu
    if nodes:
        for n in nodes:
            n.stop()
    log("cluster: machine ceiling, 2 busy Python loops vs 1, 1 s each x3")
    c["ceiling"] = [busy_ceiling(2, 1.0) / busy_ceiling(1, 1.0) for _ in range(3)]

    # 3. Spread over 4 instances under keep-alive load.
    log("cluster: spread over 4 instances, wrk -t2 -c%d -d%ds x%d" % (SPREAD_CONNS, SPREAD_SECS, REPS_SPREAD))
    c["scale4_ms"] = web.scale(4)
    c["web_sockets"] = web.sockets()
    c["spread"] = [spread_rep(web) for _ in range(REPS_SPREAD)]

    # 4. Rolling reloads under load: wrk keep-alive, then a loop of fresh connections.
    log("cluster: %d rolling reloads of 4 instances under wrk -t1 -c%d (keep-alive)" % (RELOADS, RELOAD_CONNS))

    def reload_during(proc):
        time.sleep(1.0)
        out = reload_many(web, RELOADS)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)                  # wrk prints its summary and exits
        return out

    t0 = now_ns()
    r, (times, replaced) = wrk("http://127.0.0.1:%d/" % port_web, RELOAD_CONNS, 300, during=reload_during)
    c["reload_ka"] = {"wrk": r, "times": times, "replaced": replaced, "secs": ms(now_ns() - t0) / 1000}
    log("cluster: %d rolling reloads under a 4-thread loop of fresh connections" % RELOADS)
    stop, lock = threading.Event(), threading.Lock()
    tally = {"ok": 0, "failed": 0, "why": {}}
    threads = [threading.Thread(target=fresh_load, args=(port_web, stop, tally, lock), daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        times, replaced = reload_many(web, RELOADS)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    c["reload_fresh"] = {"tally": tally, "times": times, "replaced": replaced}

    # 5. Scale-downs 4 -> 2 under load (each followed, without load, by `scale 4` again).
    log("cluster: %d scale-downs 4 -> 2 under wrk -t1 -c%d (keep-alive), then under fresh connections"
        % (SCALE_DOWNS, RELOAD_CONNS))
    c["scale_down"] = scale_downs(web)
    web.delete()

    # 5. The balance comparison: each `balance` value in an app of its own, one after the other.
    c["balance"] = run_balance(d, strays, n_swift)

    d.stop()
    d.cleanup()
    return c


def tool_version(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


# ----------------------------------------------------------------------------- report

def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    osname = "?"
    try:
        with open("/etc/os-release") as f:
            osname = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l).get("PRETTY_NAME", "?").strip('"')
    except OSError:
        pass
    load = open("/proc/loadavg").read().split()[:3]
    return {"nproc": os.cpu_count(), "cpu": model, "mem": mem, "kernel": os.uname().release,
            "os": osname, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "python": sys.version.split()[0], "load": " ".join(load)}


def binary(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    st = os.stat(path)
    try:
        ver = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        ver = "?"
    when = datetime.datetime.fromtimestamp(st.st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "`%s` — %s, %.1f MB, built %s, sha256 %s" % (os.path.relpath(path), ver or "?", st.st_size / 1e6, when, h.hexdigest()[:12])


def fmt(v, unit):
    if unit == "MB":
        return "%.1f MB" % v
    if v >= 100:
        return "%.0f ms" % v
    if v >= 10:
        return "%.1f ms" % v
    return "%.2f ms" % v


def ratio(a, b):
    return "%.2f×" % (a / b) if b else "—"


def rows(res):
    """(figure, ours summary, unit, baseline label, baseline median, target, peers key)."""
    return [
        ("`swiftpm2 list`, 100 instances", res["list"], "ms",
         "spawn+wait `/bin/true`", res["true_list"]["median"], 4.0, "list"),
        ("daemon RSS, no apps", res["rss0"], "MB",
         "RSS of `/bin/sleep`", res["sleep_rss"]["median"], 8.0, "rss0"),
        ("daemon RSS, 100 instances", res["rss100"], "MB",
         "RSS of `/bin/sleep`", res["sleep_rss"]["median"], 10.0, "rss100"),
        ("SIGKILL → restart event, new pid", res["sigkill"], "ms",
         "spawn+wait `/bin/true`", res["true_kill"]["median"], 2.0, "sigkill"),
        ("start 100 until online (POST answered)", res["start100"], "ms",
         "100× posix_spawn `/bin/sleep`", res["spawn100"]["median"], 300.0, "start100"),
        ("empty boot until `/v1/ping` answers", res["boot"], "ms",
         "spawn+wait `/bin/true`", res["true_boot"]["median"], 30.0, "boot"),
    ]


def table(res):
    head = ("| figure | ours (median) | min–max (n) | baseline | baseline median | ours / baseline "
            "| target | pass | Oxmgr | PM2 | ours / Oxmgr | ours / PM2 |")
    out = [head, "|" + " --- |" * 12]
    for name, s, unit, bname, bmed, target, key in rows(res):
        ox, pm = PEERS[key]
        ok = "PASS" if s["median"] <= target else "**FAIL**"
        out.append("| %s | %s | %s – %s (%d) | %s | %s | %s | ≤ %s | %s | %s | %s | %s | %s |" % (
            name, fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit), s["n"], bname,
            fmt(bmed, unit), ratio(s["median"], bmed), fmt(target, unit), ok,
            fmt(ox, unit), fmt(pm, unit), ratio(s["median"], ox), ratio(s["median"], pm)))
    return "\n".join(out)


def extras(res):
    def line(label, s, unit="ms"):
        return "| %s | %s | %s – %s (%d) |" % (label, fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit), s["n"])
    out = ["| also measured | median | min–max (n) |", "| --- | --- | --- |",
           line("SIGKILL → `GET /v1/apps` shows the new pid (polling)", res["sigkill_get"]),
           line("SIGKILL → `exit` event", res["sigkill_exit"]),
           line("start 100: POST + `GET /v1/apps` confirms 100 online", res["start100_get"]),
           line("boot until the ready byte (`SWIFTPM2_READY_FD`)", res["boot_ready"]),
           line("`POST /v1/kill` of an empty daemon until it exited", res["kill_empty"]),
           line("spawn+wait `/bin/true`, idle", res["true_idle"])]
    if res.get("delete100"):
        out.append(line("`DELETE` an app of 100 instances (answered)", res["delete100"]))
    out.append("| `POST /v1/kill` with 100 instances until the daemon exited | %s | (1) |" % fmt(res["kill100"], "ms"))
    out.append("| `GET /v1/apps` with 100 instances, from Python, fresh connection each | %s | mean of 50 |" % fmt(res["get_apps"], "ms"))
    out.append(line("`swiftpm2 --version` (process start-up only, no daemon contact)", res["cli_version"]))
    out.append(line("`swiftpm2 ping` (start-up + one request)", res["cli_ping"]))
    f = res["cli_failures"]
    out.append("| CLI runs that failed (exit ≠ 0; not timed) | list %d, ping %d | of %d each |" % (f["list"], f["ping"], res["list_reps"]))
    out.append("| daemon RSS just after boot (long-lived daemon) | %s | (1) |" % fmt(res["rss_fresh"], "MB"))
    out.append("| of which anonymous (RssAnon): no apps / 100 instances | %s / %s | (1 each) |" % (fmt(res["anon0"], "MB"), fmt(res["anon100"], "MB")))
    out.append("| of which file-backed (RssFile, mostly the binary's text), 100 instances | %s | (1) |" % fmt(res["file100"], "MB"))
    out.append("| daemon peak RSS (VmHWM) at the end | %s | (1) |" % fmt(res["hwm100"], "MB"))
    return "\n".join(out)


def analysis(res):
    true, ver, ping, lst = (res["true_list"]["median"], res["cli_version"]["median"],
                            res["cli_ping"]["median"], res["list"]["median"])
    f = res["cli_failures"]
    return "\n".join([
        "- `swiftpm2 list` = %.1f ms: process start-up to `main` and out (`--version`) %.1f ms, of which"
        " %.1f ms is the fork+exec floor; connecting and one small request (`ping` − `--version`) %.1f ms;"
        " fetching, decoding and rendering 100 instances (`list` − `ping`) %.1f ms"
        " (the daemon itself answers `GET /v1/apps` in about %.1f ms, Python client included)."
        % (lst, ver, true, ping - ver, lst - ping, res["get_apps"]),
        "- Daemon RSS: %.1f MB with 100 instances, of which %.1f MB anonymous memory and %.1f MB"
        " clean file-backed pages, mostly the text of the large statically linked binary;"
        " with no apps, %.1f MB anonymous out of %.1f MB."
        % (res["rss100"]["median"], res["anon100"], res["file100"], res["anon0"], res["rss0"]["median"]),
        "- Observed with `strace`/`perf stat` when this harness was written (not re-measured by each run):"
        " `swiftpm2 list` takes ~880 page faults (`--version` alone ~640) and ~88,000 load-time relocations (a ~96 MB binary"
        " with the Swift runtime and Foundation linked in statically), then the CLI starts its NIO event-loop"
        " and concurrency threads and connects twice (a liveness probe, then the request). A restart after"
        " SIGKILL goes reaper thread → supervisor → `fork()` of the whole daemon (not vfork/posix_spawn),"
        " the child resets every signal disposition and execs, the parent waits for the exec report, and"
        " the event then crosses to the event-loop thread; each restart also writes an info line to the daemon log.",
        "- Failed CLI runs during the list loop: list %d, ping %d of %d each%s."
        % (f["list"], f["ping"], res["list_reps"],
           "".join(" — stderr: `%s`" % m for m in sorted(f["messages"]))),
    ])


def core_section(res):
    return """## Results

{table}

Ratios are ours divided by theirs: below 1× is faster or smaller than the baseline or peer.
MB = 2^20 bytes (VmRSS kB / 1024). Pass = median within the target.

{extras}

## Where the time and memory go

{analysis}

## Method

- Times are wall-clock (`time.perf_counter_ns`) from a Python 3 harness, standard library only.
  Processes are started with `posix_spawn` and reaped with `waitpid`, stdout/stderr to
  `/dev/null`; the baselines are started exactly the same way, so the harness's own overhead
  is in both.
- **list**: `swiftpm2 list` with one app of 100 `/bin/sleep` instances, each run followed by a
  spawn of `/bin/true`, `swiftpm2 --version` and `swiftpm2 ping`; 10 warm-up rounds first. A
  CLI run that exits non-zero is counted (row "CLI runs that failed") and not timed.
- **RSS**: VmRSS from `/proc/<pid>/status`. No apps: each freshly booted daemon after it served
  one `GET /v1/apps` (~0.4 s after boot). 100 instances: the long-lived daemon after each start
  of 100, after the list runs, and after the SIGKILL runs. Baseline: VmRSS of a `/bin/sleep`.
- **SIGKILL**: subscribed to `GET /v1/events`, `kill -9` of one instance (a different one each
  time, 100 ms apart), time until the `restart` event with state `online` and a new pid arrives.
  The app has `max_restarts: 1000000, min_uptime: 0, crash_window: 0` so it never gives up.
  Separately, without the event stream, polling `GET /v1/apps/b100` until it shows the new pid.
- **start 100**: `POST /v1/apps` with a 100-instance app (`/bin/sleep`), until the 201 answer
  (in fork mode an instance is `online` once exec succeeded, and the answer already says so);
  checked with `GET` that all 100 are online with distinct pids that are our sleepers. The app
  is deleted between repetitions (a warm daemon). Baseline: 100 `posix_spawn`s of `/bin/sleep`
  from Python (then killed, untimed).
- **boot**: `swiftpm2d` spawned directly with a fresh `SWIFTPM2_HOME`, until `GET /v1/ping`
  answers (the ping is sent when the daemon writes its ready byte on `SWIFTPM2_READY_FD`, which
  it does once it listens); then `POST /v1/kill`. The first boot is a warm-up and not counted.
""".format(table=table(res), extras=extras(res), analysis=analysis(res))


def report(res, m, plots):
    """The whole Markdown report, of the parts that ran; plots: chart file names by key."""
    head = """# Benchmarks

Produced by `make bench` (`Benchmarks/run.sh`, which runs `Benchmarks/bench.py` and
`Benchmarks/peers.py`); this file and the `bench-*.svg` charts beside it are rewritten by each run.
Every figure comes with a physical-floor baseline measured in the same run on the same machine;
swiftpm2 is measured beside supervisord, Circus and Node's `cluster` module in the same run, and
its figures are shown beside those Oxmgr published for itself and for PM2 (from Oxmgr's own
benchmark on its own machine — context, not a like-for-like comparison).

## Machine

- {nproc} CPUs ({cpu}), {mem} MB RAM, Linux {kernel}, {os}, Python {python}
- run on {date}; load average at the start: {load}; the run took {took}{quick}

## Binaries measured

- {cli}
- {daemon}

""".format(cli=binary(CLI), daemon=binary(DAEMON), **m)
    parts = [head]
    if "list" in res:
        parts.append(core_section(res))
    if "peers" in res:
        parts.append(peers.section(res["peers"], plots) + "\n")
    elif "peers_note" in res:
        parts.append("## Against the peers\n\nNot measured in this run: %s.\n\n" % res["peers_note"])
    if "cluster" in res or "cluster_note" in res:
        parts.append(cluster_section(res, plots))
    return "".join(parts)





# ----------------------------------------------------------------------------- cluster report

def rps(x):
    return "{:,.0f} req/s".format(x)


def ratios(c):
    tput = [r["cluster"] / r["direct"] for r in c["tput"]]
    cpu = [r["s2"] / r["s1"] for r in c["cpu"]]
    node = [r["n2"] / r["n1"] for r in c["cpu"]] if c["cpu"] and "n1" in c["cpu"][0] else []
    spread = [max(s["reqs"]) / min(s["reqs"]) if min(s["reqs"]) else float("inf") for s in c["spread"]]
    return tput, cpu, node, spread


SPREAD_TARGET, CPU_TARGET = 1.3, 1.85     # max / min requests over 4 instances; 2 instances vs 1


def spread_met(values):
    return bool(values) and max(values) <= SPREAD_TARGET


def cpu_met(values):
    return bool(values) and min(values) >= CPU_TARGET


def max_min(counts):
    return max(counts) / min(counts) if min(counts) else float("inf")


def split(conns):
    return "/".join(map(str, conns))


def xs(values):
    return ", ".join("∞" if v == float("inf") else "%.2f" % v for v in values)


def failed(r):
    return r["errors"]


def cluster_table(c):
    tput, cpu, node, spread = ratios(c)
    med = statistics.median
    ka, fr = c["reload_ka"], c["reload_fresh"]
    out = ["| figure | ours | baseline (same run) | baseline | ours / baseline, each repetition | median | target | pass |",
           "|" + " --- |" * 8]
    out.append("| `/` throughput, wrk keep-alive: cluster, 1 instance | %s | `example-server` run directly (binds the port itself) | %s | %s | %.2f× | ≥ 0.97× (median) | %s |" % (
        rps(med([r["cluster"] for r in c["tput"]])), rps(med([r["direct"] for r in c["tput"]])), xs(tput), med(tput),
        "PASS" if med(tput) >= 0.97 else "**FAIL**"))
    out.append("| CPU-bound `/work?n=%s` (≈ %.1f ms a request): cluster, 2 instances, balance `roundrobin` (default) | %s | cluster, 1 instance | %s | %s | %.2f× | ≥ 1.85× in every repetition | %s |" % (
        "{:,}".format(c["n_swift"]), 1000 / med([r["s1"] for r in c["cpu"]]), rps(med([r["s2"] for r in c["cpu"]])),
        rps(med([r["s1"] for r in c["cpu"]])), xs(cpu), med(cpu),
        "PASS" if cpu_met(cpu) else "**FAIL** (%d of %d below)" % (sum(v < CPU_TARGET for v in cpu), len(cpu))))
    if node:
        out.append("| Node `cluster` module, same app in JS (`/work?n=%s`, ≈ %.1f ms): 2 workers | %s | Node, 1 worker | %s | %s | %.2f× | (reference: same bar) | %s |" % (
            "{:,}".format(c["n_node"]), 1000 / med([r["n1"] for r in c["cpu"]]), rps(med([r["n2"] for r in c["cpu"]])),
            rps(med([r["n1"] for r in c["cpu"]])), xs(node), med(node),
            "meets it" if min(node) >= 1.85 else "below in %d of %d" % (sum(v < 1.85 for v in node), len(node))))
    else:
        out.append("| Node `cluster` module, 2 workers vs 1 | skipped: `node` not found | | | | | | |")
    out.append("| spread over 4 instances, keep-alive, balance `roundrobin` (default): max / min requests per instance | %s (worst) | an even spread | 1.00 | %s | %s | ≤ 1.3 in every repetition | %s |" % (
        xs([max(spread)]), xs(spread), xs([med(spread)]),
        "PASS" if spread_met(spread) else "**FAIL** (%d of %d above)" % (sum(v > SPREAD_TARGET for v in spread), len(spread))))
    out.append("| failed requests during %d rolling reloads of 4 instances (`roundrobin`), wrk keep-alive | %d of %s | none failed | 0 | — | — | 0 | %s |" % (
        len(ka["times"]), failed(ka["wrk"]), "{:,}".format(ka["wrk"]["requests"] + failed(ka["wrk"])),
        "PASS" if failed(ka["wrk"]) == 0 else "**FAIL**"))
    out.append("| failed requests during %d rolling reloads, fresh connection per request | %d of %s | none failed | 0 | — | — | 0 | %s |" % (
        len(fr["times"]), fr["tally"]["failed"], "{:,}".format(fr["tally"]["ok"] + fr["tally"]["failed"]),
        "PASS" if fr["tally"]["failed"] == 0 else "**FAIL**"))
    sd = c.get("scale_down")
    if sd:
        k, f = sd["ka"], sd["fresh"]
        out.append("| failed requests during %d scale-downs 4 → 2 (`swiftpm2 scale web 2`), wrk keep-alive | %d of %s | none failed | 0 | — | — | 0 | %s |" % (
            len(k["times"]), k["failed"], "{:,}".format(k["requests"] + k["failed"]), "PASS" if k["failed"] == 0 else "**FAIL**"))
        out.append("| failed requests during %d scale-downs 4 → 2, fresh connection per request | %d of %s | none failed | 0 | — | — | 0 | %s |" % (
            len(f["times"]), f["tally"]["failed"], "{:,}".format(f["tally"]["ok"] + f["tally"]["failed"]),
            "PASS" if f["tally"]["failed"] == 0 else "**FAIL**"))
    return "\n".join(out)


def cluster_details(c):
    tput, cpu, node, spread = ratios(c)
    out = ["| `/` throughput, repetition | `example-server` directly | cluster, 1 instance | ratio | wrk errors |",
           "| --- | --- | --- | --- | --- |"]
    for i, r in enumerate(c["tput"]):
        out.append("| %d | %s | %s | %.2f× | %d |" % (i + 1, rps(r["direct"]), rps(r["cluster"]), tput[i], r["errors"]))
    out += ["", "| `/work` (`roundrobin`, default), repetition | cluster 1 instance | cluster 2 instances | ratio | connections per instance (2) |"
            + (" Node 1 worker | Node 2 workers | ratio | connections per worker (2) |" if node else ""),
            "|" + " --- |" * (9 if node else 5)]
    for i, r in enumerate(c["cpu"]):
        line = "| %d | %s | %s | %.2f× | %s |" % (i + 1, rps(r["s1"]), rps(r["s2"]), cpu[i], " / ".join(map(str, r["s_conns"])))
        if node:
            line += " %s | %s | %.2f× | %s |" % (rps(r["n1"]), rps(r["n2"]), node[i], " / ".join(map(str, r["n_conns"])))
        out.append(line)
    out += ["", "| spread (`roundrobin`, default), repetition | requests per instance (0 / 1 / 2 / 3) | max / min | connections per instance | total |",
            "| --- | --- | --- | --- | --- |"]
    for i, s in enumerate(c["spread"]):
        out.append("| %d | %s | %s | %s | %s |" % (i + 1, " / ".join("{:,}".format(v) for v in s["reqs"]), xs([spread[i]]),
                                                " / ".join(map(str, s["conns"])), rps(s["rps"])))
    ka, fr = c["reload_ka"], c["reload_fresh"]
    w = ka["wrk"]
    out += ["", "| %d rolling reloads under | requests | failed | how they failed | one reload (4 instances) median, min–max | instances replaced per reload |" % len(ka["times"]),
            "| --- | --- | --- | --- | --- | --- |",
            "| wrk -t1 -c%d, keep-alive | %s | %d | non-2xx %d; socket errors: connect %d, read %d, write %d, timeout %d | %s, %s – %s | %s |" % (
                RELOAD_CONNS, "{:,}".format(w["requests"]), failed(w), w["non2xx"], w["sock"]["connect"], w["sock"]["read"],
                w["sock"]["write"], w["sock"]["timeout"], fmt(statistics.median(ka["times"]), "ms"), fmt(min(ka["times"]), "ms"),
                fmt(max(ka["times"]), "ms"), ", ".join(map(str, ka["replaced"]))),
            "| 4 Python threads, one fresh connection per request | %s | %d | %s | %s, %s – %s | %s |" % (
                "{:,}".format(fr["tally"]["ok"] + fr["tally"]["failed"]), fr["tally"]["failed"],
                ", ".join("%s %d" % kv for kv in sorted(fr["tally"]["why"].items())) or "—",
                fmt(statistics.median(fr["times"]), "ms"), fmt(min(fr["times"]), "ms"), fmt(max(fr["times"]), "ms"),
                ", ".join(map(str, fr["replaced"])))]
    sd = c.get("scale_down")
    if sd:
        k, f = sd["ka"], sd["fresh"]
        out += ["", "| %d scale-downs 4 → 2 under | requests | failed | how they failed | one `scale web 2` median, min–max | instances stopped per scale-down |" % len(k["times"]),
                "| --- | --- | --- | --- | --- | --- |",
                "| wrk -t1 -c%d, keep-alive | %s | %d | non-2xx %d; socket errors: connect %d, read %d, write %d, timeout %d | %s, %s – %s | %s |" % (
                    RELOAD_CONNS, "{:,}".format(k["requests"]), k["failed"], k["non2xx"], k["sock"]["connect"], k["sock"]["read"],
                    k["sock"]["write"], k["sock"]["timeout"], fmt(statistics.median(k["times"]), "ms"), fmt(min(k["times"]), "ms"),
                    fmt(max(k["times"]), "ms"), ", ".join(map(str, k["stopped"]))),
                "| 4 Python threads, one fresh connection per request | %s | %d | %s | %s, %s – %s | %s |" % (
                    "{:,}".format(f["tally"]["ok"] + f["tally"]["failed"]), f["tally"]["failed"],
                    ", ".join("%s %d" % kv for kv in sorted(f["tally"]["why"].items())) or "—",
                    fmt(statistics.median(f["times"]), "ms"), fmt(min(f["times"]), "ms"), fmt(max(f["times"]), "ms"),
                    ", ".join(map(str, f["stopped"])))]
    out += ["", "Machine ceiling for the `/work` ratio, measured in the same run: two CPU-bound Python loops at once "
            "did %s× the iterations of one (3 trials of 1 s)." % xs(c["ceiling"])]
    return "\n".join(out)


def balance_rows(c):
    """(label, mode, figures) for the balance comparison: the default app first (its figures are
    the rows above), then one app per explicit `balance` value. figures is None for a mode whose
    measurement failed (with its error)."""
    def figs(cpu, spread, extra):
        return dict(extra, cpu=[r["s2"] / r["s1"] for r in cpu], splits=[r["s_conns"] for r in cpu],
                    spread=[max_min(s["reqs"]) for s in spread], conns4=[s["conns"] for s in spread],
                    conn_spread=[max_min(s["conns"]) for s in spread], cpu_raw=cpu, spread_raw=spread)
    rows = [("`roundrobin`, the default (no `balance` key; the figures above)", DEFAULT_BALANCE,
             figs(c["cpu"], c["spread"], dict(c.get("web_sockets", {}), warnings=c.get("web_warnings", []))))]
    for mode in BALANCES:
        b = c.get("balance", {}).get(mode)
        if b is None:
            continue
        rows.append(("`%s`" % mode, mode, {"error": b["error"]} if "error" in b else
                     figs(b["cpu"], b["spread"], {k: v for k, v in b.items() if k not in ("cpu", "spread")})))
    return rows


def met(ok):
    return "met" if ok else "**missed**"


def verdicts(f):
    """The two rules on one row: text for the spread rule and for the 2-vs-1 rule."""
    sp = met(spread_met(f["spread"])) + ("" if spread_met(f["spread"]) else " (%d of %d above %.1f)" % (
        sum(v > SPREAD_TARGET for v in f["spread"]), len(f["spread"]), SPREAD_TARGET))
    cp = met(cpu_met(f["cpu"])) + ("" if cpu_met(f["cpu"]) else " (%d of %d below %.2f×)" % (
        sum(v < CPU_TARGET for v in f["cpu"]), len(f["cpu"]), CPU_TARGET))
    return sp, cp


def fell_back(f):
    """True when a roundrobin app ended up on one shared socket (no BPF): a start warning, or a
    single listening socket for 4 instances."""
    return bool(f.get("warnings")) or f.get("listeners") == 1


def balance_table(c):
    out = ["| balance mode | spread over 4, max / min per repetition | 2 vs 1 per repetition | connection split (2 instances) per repetition | targets: spread / 2 vs 1 |",
           "| --- | --- | --- | --- | --- |"]
    for label, mode, f in balance_rows(c):
        if "error" in f:
            out.append("| %s | not measured: %s | | | |" % (label, f["error"].replace("|", "/")[:200]))
            continue
        if mode == "roundrobin" and fell_back(f):
            label += " — **fell back to one shared socket**"
        sp, cp = verdicts(f)
        out.append("| %s | %s | %s | %s | %s / %s |" % (label, xs(f["spread"]), xs(f["cpu"]),
                                                     ", ".join(split(s) for s in f["splits"]), sp, cp))
    rows = balance_rows(c)
    d = rows[0][2]
    sp, cp = verdicts(d)
    out += ["", "Targets, each in every repetition: spread over 4 instances max / min ≤ %.1f; CPU-bound 2 instances vs 1 ≥ %.2f×." % (SPREAD_TARGET, CPU_TARGET),
            "Evaluated on the default (`roundrobin`) rows: spread ≤ %.1f — %s, per repetition %s; 2 vs 1 ≥ %.2f× — %s, per repetition %s." % (
                SPREAD_TARGET, sp, xs(d["spread"]), CPU_TARGET, cp, xs(d["cpu"]))]
    return "\n".join(out)


def balance_details(c):
    out = ["| balance, repetition | `/work` 1 instance | 2 instances | 2 vs 1 | connections (2) | requests per instance (4) | max / min | connections per instance (4) | total (4) |",
           "|" + " --- |" * 9]
    socks = []
    for label, mode, f in balance_rows(c):
        if "error" in f:
            continue
        name = "`%s`%s" % (mode, " (default)" if label.startswith("`roundrobin`, the default") else "")
        for i in range(max(len(f["cpu_raw"]), len(f["spread_raw"]))):
            cells = ["%s, %d" % (name, i + 1)]
            if i < len(f["cpu_raw"]):
                r = f["cpu_raw"][i]
                cells += [rps(r["s1"]), rps(r["s2"]), "%.2f×" % f["cpu"][i], split(r["s_conns"])]
            else:
                cells += ["", "", "", ""]
            if i < len(f["spread_raw"]):
                s = f["spread_raw"][i]
                cells += [" / ".join("{:,}".format(v) for v in s["reqs"]), xs([f["spread"][i]]),
                          " / ".join(map(str, s["conns"])), rps(s["rps"])]
            else:
                cells += ["", "", "", ""]
            out.append("| " + " | ".join(cells) + " |")
        socks.append("%s %s / %s" % (name, f.get("listeners", "?"), f.get("bpf", "?")))
    out += ["", "Listening sockets on the app's port with 4 instances (`/proc/net/tcp`) / BPF programs held by the "
            "daemon (`/proc/PID/fd`), per mode: %s." % "; ".join(socks)]
    return "\n".join(out)


def uniform_hash_chances(conns, k, target):
    """With a uniform hash of `conns` connections over k sockets: (chance that max / min
    connections per socket ≤ target, chance that some socket gets none). Exact (multinomial)."""
    import math

    def parts(left, slots):
        if slots == 1:
            yield (left,)
            return
        for first in range(left + 1):
            for rest in parts(left - first, slots - 1):
                yield (first,) + rest
    even = empty = 0.0
    for p in parts(conns, k):
        prob = math.factorial(conns) / math.prod(math.factorial(x) for x in p) / k ** conns
        if min(p) == 0:
            empty += prob
        elif max(p) / min(p) <= target:
            even += prob
    return even, empty


def pct(p):
    """A probability as a percentage, with two significant digits below 1 %."""
    return "%.0f%%" % (100 * p) if p >= 0.01 else "%.2g%%" % (100 * p)


def plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def splits_text(splits):
    """Connection splits in order, runs of the same split written once with a count."""
    out = []
    for sp in map(split, splits):
        if out and out[-1][0] == sp:
            out[-1][1] += 1
        else:
            out.append([sp, 1])
    return ", ".join(sp if n == 1 else "%s (×%d)" % (sp, n) for sp, n in out)


def busy_but_low(f):
    """2-vs-1 figures below the target although both instances held connections."""
    return [v for v, sp in zip(f["cpu"], f["splits"]) if v < CPU_TARGET and min(sp) > 0]


def reps_list(idx):
    return ", ".join(str(i + 1) for i in idx) or "none"


def cluster_analysis(c):
    tput, cpu, node, spread = ratios(c)
    rows = balance_rows(c)
    by_mode = {mode: f for label, mode, f in rows[1:]}
    d = rows[0][2]
    even = lambda conns: max(conns) - min(conns) <= 1
    lines = ["- `/` throughput, cluster (1 instance) / direct: %s per repetition (median %.2f×). With keep-alive the "
             "request path is the same NIO pipeline in both; only the accept differs (a blocking `accept()` thread "
             "on the inherited socket vs NIO's accept loop), and wrk opens its 32 connections once."
             % (xs(tput), statistics.median(tput))]

    # The default and what it needs.
    sp, cp = verdicts(d)
    lines.append("- Default balance (`roundrobin`: no `balance` key, a `tcp://` address): 2 instances vs 1 %s per "
                 "repetition, connection splits %s — the rule ≥ %.2f× in every repetition is %s. Spread over 4: "
                 "max / min %s, connections per instance %s — the rule ≤ %.1f in every repetition is %s."
                 % (xs(cpu), ", ".join(split(r["s_conns"]) for r in c["cpu"]), CPU_TARGET, cp, xs(spread),
                    "; ".join(" / ".join(map(str, s["conns"])) for s in c["spread"]), SPREAD_TARGET, sp))
    uid = c.get("daemon_uid")
    who = "root" if uid == 0 else "uid %s" % uid
    if fell_back(d):
        lines.append("- **`roundrobin` was not in effect for the default app in this run**: %s; with 4 instances the "
                     "port had %s listening socket(s). Its rows therefore measure `shared`. `roundrobin` needs the "
                     "daemon to load an SK_REUSEPORT BPF program, which takes root or CAP_BPF (this daemon ran as %s); "
                     "without it the daemon falls back to one shared socket (`shared`) and `start` prints that warning."
                     % ("; ".join("`start` warned: %s" % w for w in d.get("warnings", [])) or "`start` printed no warning",
                        d.get("listeners", "?"), who))
    else:
        lines.append("- `roundrobin` was in effect: with 4 instances the port had %s listening sockets (one per instance "
                     "slot), the daemon held %s BPF program(s), and `start` printed no warning. It needs the daemon to "
                     "load that SK_REUSEPORT program, which takes root or CAP_BPF (this daemon ran as %s); without it "
                     "the daemon falls back to one shared socket (`shared`, whose figures are below) and `start` warns "
                     "that it did." % (d.get("listeners", "?"), d.get("bpf", "?"), who))

    # roundrobin: dealt in turn.
    rr = [f for label, mode, f in rows if mode == "roundrobin" and "error" not in f and not fell_back(f)]
    if rr:
        s2 = [s for f in rr for s in f["splits"]]
        s4 = [s for f in rr for s in f["conns4"]]
        n_even = sum(map(even, s2)) + sum(map(even, s4))
        who_rr = "default and explicit key" if len(rr) == 2 else ("explicit key" if rr[0] is not d else "default")
        text = ("- `roundrobin` (%s): the program attached to the port's sockets deals each new "
                "connection to the next online instance, so wrk's burst of keep-alive connections is dealt out "
                "rather than raced for: %d of %d splits here were even to one connection (%s over 2 instances; %s over 4)."
                % (who_rr, n_even, len(s2) + len(s4), splits_text(s2), splits_text(s4)))
        low_even = [v for f in rr for v, s in zip(f["cpu"], f["splits"]) if v < CPU_TARGET and even(s)]
        far_even = [v for f in rr for v, s in zip(f["spread"], f["conns4"]) if v > SPREAD_TARGET and even(s)]
        if low_even:
            text += (" Of the 2-vs-1 figures, %d below %.2f× (%s) came with an even split: no instance was idle, so "
                     "the shortfall is CPU the two instances did not get, not the balance (2 cores shared with wrk "
                     "and whatever else runs; two busy Python loops did %s× the work of one in this run)."
                     % (len(low_even), CPU_TARGET, xs(low_even), xs(c["ceiling"])))
        if far_even:
            text += (" Of the spread figures, %d above %.1f (%s) came with even connections: 4 instances and wrk "
                     "share 2 cores, and requests follow the CPU each instance gets." % (len(far_even), SPREAD_TARGET, xs(far_even)))
        lines.append(text)

    # shared: raced for.
    sh = by_mode.get("shared")
    if sh and "error" not in sh:
        idle = [i for i, s in enumerate(sh["splits"]) if min(s) == 0]
        low = [i for i, v in enumerate(sh["cpu"]) if v < CPU_TARGET]
        text = ("- `shared` (one socket every instance accepts on): 2 vs 1 %s, splits %s; spread max / min %s, "
                "connections per instance %s. Repetitions below %.2f×: %s; repetitions where one instance held every "
                "connection: %s."
                % (xs(sh["cpu"]), ", ".join(map(split, sh["splits"])), xs(sh["spread"]),
                   "; ".join(" / ".join(map(str, s)) for s in sh["conns4"]), CPU_TARGET, reps_list(low), reps_list(idle)))
        skewed = idle or any(v > SPREAD_TARGET for v in sh["conn_spread"]) or any(not even(s) for s in sh["splits"])
        low_busy = busy_but_low(sh)
        why = ("a keep-alive connection stays with the instance that accepted it; wrk opens all its connections "
               "within about a millisecond, the instances wait in a blocking `accept()` on the one socket and the "
               "kernel wakes one waiter per connection, but the first instance to run takes its connection and, back "
               "in `accept()`, finds the rest of the burst already queued and takes those too before another "
               "instance gets a CPU. An instance left without connections does no work for the whole run.")
        if skewed:
            text += " The counts show the skew of a raced-for queue: " + why
        else:
            text += (" No skew in these repetitions; the race depends on which instance runs first when the burst "
                     "arrives, so it does not show in every run: " + why)
        if low_busy:
            text += (" Below %.2f× with both instances holding connections: %s (no instance idle: a CPU "
                     "shortfall, not the balance)." % (CPU_TARGET, xs(low_busy)))
        lines.append(text)

    # reuseport: hashed.
    ru = by_mode.get("reuseport")
    if ru and "error" not in ru:
        p_even4, p_empty4 = uniform_hash_chances(SPREAD_CONNS, 4, SPREAD_TARGET)
        _, p_empty2 = uniform_hash_chances(CPU_CONNS, 2, SPREAD_TARGET)
        lines.append(
            "- `reuseport` (a socket per instance slot, no BPF): the kernel picks a socket by a hash of each "
            "connection's addresses and ports. wrk's connections all go from 127.0.0.1 to one port and differ only "
            "in their source port, so each split is a fresh draw: %s over 2 instances, %s over 4 (max / min "
            "connections %s), spread max / min %s, 2 vs 1 %s. Were the hash uniform, %d connections over 4 sockets "
            "would be within %.1f× of each other only with probability %s (one socket empty: %s), while "
            "%d connections over 2 leave one socket empty with probability %s — so a hash rarely costs the 2-vs-1 "
            "figure (an uneven split still keeps both instances busy) but seldom meets the spread target. Spread "
            "target met in %d of %d repetitions, 2 vs 1 in %d of %d%s."
            % (", ".join(map(split, ru["splits"])), "; ".join(" / ".join(map(str, s)) for s in ru["conns4"]),
               xs(ru["conn_spread"]), xs(ru["spread"]), xs(ru["cpu"]), SPREAD_CONNS, SPREAD_TARGET, pct(p_even4),
               pct(p_empty4), CPU_CONNS, pct(p_empty2),
               sum(v <= SPREAD_TARGET for v in ru["spread"]), len(ru["spread"]),
               sum(v >= CPU_TARGET for v in ru["cpu"]), len(ru["cpu"]),
               "; the figures below %.2f× (%s) had both instances holding connections (no instance idle: a CPU "
               "shortfall, not the hash)" % (CPU_TARGET, xs(busy_but_low(ru))) if busy_but_low(ru) else ""))

    # The choice, by these figures.
    both, not_both = [], []
    for label, mode, f in rows[1:]:
        if "error" in f:
            not_both.append("`%s` (not measured)" % mode)
        elif spread_met(f["spread"]) and cpu_met(f["cpu"]):
            both.append("`%s`" % mode)
        else:
            miss = [name for name, ok in (("spread", spread_met(f["spread"])), ("2 vs 1", cpu_met(f["cpu"]))) if not ok]
            not_both.append("`%s` (missed %s)" % (mode, " and ".join(miss)))
    lines.append("- By this run's figures (%s per mode in the comparison): both targets met in every "
                 "repetition by %s; not by %s. The default (`roundrobin`) rows above: spread %s, 2 vs 1 %s."
                 % (plural(REPS_BAL, "repetition"), ", ".join(both) or "no mode", ", ".join(not_both) or "none", sp, cp))
    if node:
        lines.append("- Reference: Node's `cluster` module, whose primary accepts every connection and deals it to its "
                     "workers in turn, split %s and got 2 vs 1 %s."
                     % (", ".join(split(r["n_conns"]) for r in c["cpu"]), xs(node)))
    lines.append("- With keep-alive an instance serves the requests of the connections it holds, as far as it gets CPU "
                 "(4 instances and wrk share 2 cores), so requests per instance follow the connection split.")

    w, fr = c["reload_ka"]["wrk"], c["reload_fresh"]["tally"]
    if failed(w):
        lines.append(
            "- Reloads under keep-alive load: %d failed (socket read errors %d, other socket errors %d, non-2xx %d). "
            "wrk counts a read error when a connection is closed with its request unanswered: an old process that "
            "stops while a keep-alive connection it holds has a request in flight. With one fresh connection per "
            "request, %d of %s failed%s."
            % (failed(w), w["sock"]["read"], w["sock"]["connect"] + w["sock"]["write"] + w["sock"]["timeout"],
               w["non2xx"], fr["failed"], "{:,}".format(fr["ok"] + fr["failed"]),
               ": the hand-over itself (the socket kept open, replacement ready before the old one stops) lost no "
               "request; what is lost is the old process's keep-alive connections, which its stop must retire "
               "between requests (`Connection: close`)" if fr["failed"] == 0 else ""))
    else:
        lines.append("- Reloads: no failed request under keep-alive load; with one fresh connection per request, %d of %s failed."
                     % (fr["failed"], "{:,}".format(fr["ok"] + fr["failed"])))
    sd = c.get("scale_down")
    if sd:
        k, f = sd["ka"], sd["fresh"]
        how = ", ".join("%s %d" % (n, v) for n, v in [("read", k["sock"]["read"]), ("connect", k["sock"]["connect"]),
                        ("write", k["sock"]["write"]), ("timeout", k["sock"]["timeout"]), ("non-2xx", k["non2xx"])] if v)
        lines.append("- Scale-downs 4 → 2 under load (`swiftpm2 scale web 2`, %s stopped each time; the command "
                     "took %s median): %d of %s requests failed under wrk keep-alive%s; %d of %s with one fresh connection "
                     "per request%s."
                     % ("/".join(map(str, k["stopped"])), fmt(statistics.median(k["times"]), "ms"), k["failed"],
                        "{:,}".format(k["requests"] + k["failed"]), " (%s)" % how if how else "",
                        f["tally"]["failed"], "{:,}".format(f["tally"]["ok"] + f["tally"]["failed"]),
                        " (%s)" % ", ".join("%s %d" % kv for kv in sorted(f["tally"]["why"].items())) if f["tally"]["failed"] else ""))
    cc = c.get("conn_close")
    if cc:
        lines.append("- `Connection: close` honoured? `wrk -H 'Connection: close'` for 1 s against the directly-run "
                     "`example-server`: %s of %s responses non-2xx%s. The fresh-connection load here is a Python loop "
                     "either way (one request per connection, closed by the client)."
                     % ("{:,}".format(cc["non2xx"]), "{:,}".format(cc["requests"]),
                        " — it answers the request that asks to close, then reads the next one on the same connection "
                        "and answers it 400" if cc["non2xx"] * 3 > cc["requests"] else ""))
    return "\n".join(lines)


CLUSTER_METHOD = """- Load from `wrk` (keep-alive: each connection opened once and reused), 127.0.0.1 only, on the
  same 2-CPU machine as the servers, so wrk takes CPU from them. The app is
  `{"name":"web","script":"<bin>/example-server","instances":N,"exec_mode":"cluster",
  "listen":"tcp://127.0.0.1:P","wait_ready":true}` (`listen` rather than `port` only to bind
  127.0.0.1 instead of 0.0.0.0, the address the directly-run server binds), started with
  `swiftpm2 start FILE`; instance counts change with `swiftpm2 scale web N` (the harness then
  waits until N are online, plus 0.2 s). `example-server` runs one NIO event-loop thread. The
  file has no `balance` key, so the figures of `web` are those of the default for a `tcp://`
  address, `roundrobin`.
- **`/` throughput**: `wrk -t2 -c32`, %(tput_secs)d s a run, the directly-run `example-server`
  (`PORT=P`, NIO's own accept loop) and the 1-instance cluster app, %(tput_reps)d times each, after 1 s of
  warm-up each; which of the two runs first alternates between repetitions, so a drift in the
  machine's load does not favour one.
- **`/work`**: n chosen at the start of the run so that one request takes about %(cpu_ms).1f ms on one
  instance (from a 1 s `wrk -c4` run at n = 2,000,000). Each repetition: `wrk -t1 -c%(cpu_conns)d` for
  %(cpu_secs)d s on 1 instance and on 2 (`swiftpm2 scale` between), then the same on Node's `cluster` module
  (`Benchmarks/node-cluster.js`: a primary forking 1 or 2 workers that share 127.0.0.1:P, the same
  endpoints, a 32-bit LCG loop with its own calibrated n; two primaries run side by side, each
  warmed up for 1 s at that n before the first repetition), 1 worker and 2 workers; 1 runs first in odd repetitions, 2 in even ones. Connections per instance are
  counted 1 s into the 2-instance runs from `/proc/net/tcp` and the instances' `/proc/PID/fd`.
- **Spread**: 4 instances, `wrk -t2 -c32` for %(spread_secs)d s with `Benchmarks/count-pids.lua`, which counts
  responses by the pid in the body; connections per instance as above.
- **Reloads**: 4 instances; `wrk -t1 -c8` runs while `swiftpm2 reload web` is run %(reloads)d times in a row
  (each waits until the reload finished); wrk's "Socket errors" and "Non-2xx or 3xx responses" are
  the failed requests. Then the same %(reloads)d reloads under 4 Python threads each doing one GET per
  fresh connection (failed: an exception, or not a 200 with a `pid` body).
- **Scale-downs**: 4 instances; %(scale_downs)d times: `wrk -t1 -c8` (keep-alive) runs 1 s, then
  `swiftpm2 scale web 2` (it returns once the two surplus instances stopped gracefully), 0.5 s more
  of load, then wrk is stopped and `swiftpm2 scale web 4` runs without load; failed requests as for
  the reloads, summed over the runs. Then the same with the 4 Python threads of fresh connections
  (0.5 s of load before and after each scale-down).
- The machine ceiling runs 1, then 2, CPU-bound Python loops for 1 s each and compares iterations.
- **Balance comparison** (after the reloads; `web` is deleted first): for each of %(balances)s in
  that order, an app `bal-MODE` with `"balance": "MODE"` in its file, on a port of its own, started
  with 2 instances; 1 s of `/work` warm-up, then %(bal_reps)d `/work` repetition(s) exactly as above (same n,
  1 and 2 instances, alternating order, connections counted 1 s in), then `swiftpm2 scale` to 4 and
  %(bal_reps)d spread repetition(s) as above; then `swiftpm2 delete` before the next mode. With 4 instances the
  harness also counts the sockets listening on the port (`/proc/net/tcp`: one for a shared socket, one
  per slot otherwise) and the BPF programs the daemon holds (`anon_inode:bpf-prog` in its
  `/proc/PID/fd`), and keeps the warnings `swiftpm2 start` printed (a `roundrobin` app on a daemon
  that may not load BPF gets one and a shared socket). The default's own rows (%(cpu_reps)d `/work` and %(spread_reps)d
  spread repetitions) are listed in the comparison too; the two rules are judged on them.
""" % {"tput_secs": TPUT_SECS, "tput_reps": REPS_TPUT, "cpu_ms": CPU_TARGET_MS, "cpu_conns": CPU_CONNS,
       "cpu_secs": CPU_SECS, "spread_secs": SPREAD_SECS, "reloads": RELOADS,
       "balances": ", ".join("`%s`" % b for b in BALANCES), "bal_reps": REPS_BAL, "cpu_reps": REPS_CPU,
       "spread_reps": REPS_SPREAD, "scale_downs": SCALE_DOWNS}


def cluster_section(res, plots=None):
    c = res.get("cluster")
    head = "## Cluster mode\n\n"
    tools = "- load generator: %s; Node %s; %d CPUs, so servers and load generator share 2 cores\n" % (
        res.get("wrk_version", "?"), res.get("node_version", "absent"), os.cpu_count())
    if not c:
        return head + "Not measured in this run: %s.\n" % res.get("cluster_note", "?")
    chart = "![CPU-bound throughput by instance count](%s)\n\n" % plots["cluster"] if plots and "cluster" in plots else ""
    return head + tools + "\n" + cluster_table(c) + "\n\n" + chart + cluster_details(c) + \
        "\n\n### Balance: `roundrobin` (default), `shared`, `reuseport`\n\n" + balance_table(c) + \
        "\n\n" + balance_details(c) + "\n\n### Observations\n\n" + cluster_analysis(c) + "\n\n### Method (cluster mode)\n\n" + CLUSTER_METHOD


def main():
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
    for path in (CLI, DAEMON):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing; build first (make release) or set SWIFTPM2_BENCH_BIN" % path)
    m = machine()
    registry, strays, children = [], set(), []
    started = time.monotonic()
    res = {}
    try:
        if "core" in PARTS:
            res.update(run(registry, strays))
        res["wrk_version"] = tool_version([WRK, "-v"]).split(" Copyright")[0] if WRK else "absent"
        res["node_version"] = tool_version([NODE, "--version"]) if NODE else "absent"
        if "peers" in PARTS:
            t0 = time.monotonic()
            try:
                res["peers"] = peers.run(sys.modules[__name__], registry, strays, children)
            except Interrupted:
                raise
            except Exception as e:                  # the other parts are still reported
                res["peers_note"] = "the peers benchmark failed: %s" % e
                log("bench: " + res["peers_note"])
            log("bench: peers part took %.0f s" % (time.monotonic() - t0))
        if "cluster" in PARTS:
            if not os.access(EXAMPLE, os.X_OK):
                res["cluster_note"] = "%s is missing (build all products: `make release`)" % EXAMPLE
            elif not WRK:
                res["cluster_note"] = "`wrk` is not installed (Benchmarks/run.sh installs it with apt)"
            else:
                try:
                    res["cluster"] = run_cluster(registry, strays, children)
                except Interrupted:
                    raise
                except Exception as e:              # the figures above are still reported
                    res["cluster_note"] = "the cluster benchmark failed: %s" % e
                    log("bench: " + res["cluster_note"])
            if "cluster_note" in res:
                log("bench: cluster mode not measured: " + res["cluster_note"])
        if "monitoring" in PARTS:
            log("bench: monitoring: daemon CPU sampling 200 instances; max_memory_restart recycle time")
            try:
                res["monitoring"] = monitoring.run(sys.modules[__name__], registry, strays)
            except Interrupted:
                raise
            except Exception as e:
                res["monitoring_note"] = "the monitoring benchmark failed: %s" % e
                log("bench: " + res["monitoring_note"])
    finally:
        for ch in children:
            ch.stop()
        for d in registry:
            d.cleanup()
        for p in strays:
            if carries_marker(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    # Only a part (SWIFTPM2_BENCH_ONLY): printed, and written only where SWIFTPM2_BENCH_OUT says.
    out = OUT if (PARTS == ALL_PARTS or "SWIFTPM2_BENCH_OUT" in os.environ) else "-"
    plots = {}
    if out != "-":
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        try:
            plots = peers.write_plots(res, os.path.dirname(out) or ".")
        except Exception as e:                      # the tables are still written
            log("bench: could not draw the charts: %s" % e)
    secs = time.monotonic() - started
    m["took"] = "%d min %02d s" % (secs // 60, secs % 60)
    m["quick"] = (" — **a quick run** (`SWIFTPM2_BENCH_QUICK=1`: fewer repetitions; a smoke test, not for publishing)"
                  if QUICK else "")
    if PARTS != ALL_PARTS:
        m["quick"] += " — only the part(s) %s (`SWIFTPM2_BENCH_ONLY`)" % ", ".join(PARTS)
    text = report(res, m, plots)
    if "monitoring" in PARTS:
        text += monitoring.section(res)
    print()
    print(text)
    print("(%.0f s)" % (time.monotonic() - started))
    if out != "-":
        with open(out, "w") as f:
            f.write(text)
        print("written to %s%s" % (out, " with %s" % ", ".join(sorted(plots.values())) if plots else ""))


if __name__ == "__main__":
    main()
