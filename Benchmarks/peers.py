"""swiftpm2 beside its peers, measured in the same run on the same machine (part of `make bench`;
imported by Benchmarks/bench.py, which passes itself in as `B`):

- supervisord and Circus (installed from PyPI into the bench venv by Benchmarks/run.sh) and
  Node's `cluster` module (when `node` is there): empty boot, daemon RSS and CPU idle with 0, 100
  and 1000 instances (`/bin/sleep`), time to start 100 and 1000, CLI status latency with 10 apps,
  SIGKILL → replacement answering on its port and → new pid in the manager's API, log capture
  throughput with a check for lost or reordered lines;
- Oxmgr's published scenarios measured on swiftpm2 (start, settle, list and RSS at 1, 25 and
  100 apps; restart command; restart → pid; crash → pid; crash → TCP ready), beside the figures
  Oxmgr published for itself and for PM2;
- the physical floors: fork+exec, the interpreter's start-up, the server started alone, an app
  writing its log straight to a file or through a pipe to `cat`.

Every daemon gets a fresh temporary home; every process the harness starts carries this run's
marker argument (B.MARKER) or is a daemon whose pid the harness holds. Cleanup stops daemons by
pid (their own shutdown first, then SIGTERM, then SIGKILL) and kills instances by pid only when
their command line carries the marker.
"""

import errno
import http.client
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

B = None                                        # the bench module (set by run())

HERE = os.path.dirname(os.path.abspath(__file__))
LOGWRITER_PY = os.path.join(HERE, "logwriter.py")
LOGWRITER_C = os.path.join(HERE, "logwriter.c")
WRITER = {"argv": [sys.executable, LOGWRITER_PY], "label": "Python (`Benchmarks/logwriter.py`)"}
NODE_APP = os.path.join(HERE, "node-cluster.js")
QUICK = os.environ.get("SWIFTPM2_BENCH_QUICK") == "1"
PEER_BIN = (os.path.join(os.environ["SWIFTPM2_BENCH_VENV"], "bin") if os.environ.get("SWIFTPM2_BENCH_VENV")
            else os.path.dirname(sys.executable))
PYTHON = sys.executable


def _tool(name):
    path = os.path.join(PEER_BIN, name)
    return path if os.access(path, os.X_OK) else None


SUPERVISORD, SUPERVISORCTL = _tool("supervisord"), _tool("supervisorctl")
CIRCUSD, CIRCUSCTL = _tool("circusd"), _tool("circusctl")
try:
    from circus.client import CircusClient      # only in the bench venv
except ImportError:                             # pragma: no cover - reported in the table
    CircusClient = None
HYPERFINE = shutil.which("hyperfine")
NODE = shutil.which("node")

REPS_BOOT = 2 if QUICK else 4          # empty boots per manager
REPS_START = 2 if QUICK else 5         # start 100 (add, confirm, remove)
IDLE_SECS = 2.0 if QUICK else 5.0      # CPU-while-idle window (Circus ticks every 5 s)
SETTLE_SECS = 1.0                      # before RSS / CPU with instances
BIG = 1000                             # the large instance count
BIG_TIMEOUT = 30 if QUICK else 60      # a manager that has not started BIG by then is reported so
CLI_RUNS = 20 if QUICK else 60         # status command runs (the harness's own loop)
HF_RUNS = 10 if QUICK else 20          # ... and again with hyperfine, as a cross-check
CLI_APPS = 10
REPS_CRASH = 3 if QUICK else 8         # SIGKILL -> ready, and SIGKILL -> pid visible, each
CRASH_BUDGET = 20.0                    # ... but no more repetitions than fit in this many s (3 at least)
REPS_RESTART = 3 if QUICK else 8       # swiftpm2 restart (Oxmgr scenario)
LOG_SECS = 1.5 if QUICK else 3.0       # the log writer writes for this long at most
LOG_MAX = 5_000_000 if QUICK else 20_000_000  # ... and this many lines at most (15 bytes each)
OX_COUNTS = (1, 25, 100)               # Oxmgr's scale scenario
OX_TRIALS = 1 if QUICK else 3
OX_LIST = 5 if QUICK else 10
DATE_FORMAT = "YYYY-MM-DD HH:mm:ss.SSS"
SLEEP = "/bin/sleep"

# Published by Oxmgr (not measured here): BENCHMARK.md / benchmark.json of
# github.com/Vladimir-Urik/OxMgr, generated 2026-06-15 by its benchmark workflow on a GitHub-hosted
# ubuntu-latest runner (Linux 6.17.0-1018-azure), Node v20.20.2, pm2 5.4.3 (its default pin),
# workload an idle Node.js process (bench/fixtures/idle.js). Medians in ms; RSS in KB.
OXMGR_SOURCE = ("Oxmgr's `BENCHMARK.md` and `benchmark.json` (github.com/Vladimir-Urik/OxMgr, generated "
                "2026-06-15 by its benchmark workflow on a GitHub-hosted ubuntu-latest runner, Linux "
                "6.17.0-1018-azure, Node v20.20.2; the workload an idle Node.js process; method in its "
                "`docs/BENCHMARKS.md` and `scripts/benchmark_oxmgr_vs_pm2.py`)")
OXMGR = {
    "boot": (100.6, 372.9), "boot_rss_kb": (6596, 57512),
    "start": {1: (3.5, 179.8), 25: (152.7, 1437.8), 100: (801.1, 6090.1)},
    "settle": {1: (0.1, 170.0), 25: (0.6, 222.5), 100: (1.8, 409.6)},
    "list": {1: (2.4, 123.7), 25: (5.7, 188.6), 100: (4.5, 331.9)},
    "rss_kb": {1: (7056, 66316), 25: (7628, 116788), 100: (10116, 161692)},
    "restart_cmd": (207.0, 276.4), "restart_pid": (208.3, 305.5), "restart_tcp": (241.4, 400.0),
    "crash_pid": (3.3, 165.6), "crash_tcp": (36.3, 166.6),
}


class Slow(Exception):
    """A start that did not reach its count in time."""

    def __init__(self, reached, wanted, secs):
        super().__init__("%d of %d running after %.0f s" % (reached, wanted, secs))
        self.reached, self.wanted, self.secs = reached, wanted, secs


def now_ns():
    return time.perf_counter_ns()


def ms(ns):
    return ns / 1e6


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def summ(values):
    return B.summary(values) if values else None


def cpu_ns(pid):
    """CPU time of every thread of pid so far, in ns (schedstat; /proc/PID/stat ticks otherwise)."""
    total, ok = 0, False
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
                ok = True
        except (OSError, ValueError, IndexError):
            pass
    if ok:
        return total
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


def idle_cpu(pid, secs):
    """The daemon's CPU use over secs, in % of one core."""
    c0, t0 = cpu_ns(pid), time.monotonic_ns()
    time.sleep(secs)
    c1, t1 = cpu_ns(pid), time.monotonic_ns()
    return 100.0 * (c1 - c0) / (t1 - t0)


def rss_mb(pid):
    return B.rss_kb(pid) / 1024


def children(pid):
    out = []
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def kill_marked(pids):
    """SIGKILL each pid whose command line carries this run's marker (and only those)."""
    for p in pids:
        if p and B.carries_marker(p):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def reap(pid, timeout):
    end = time.monotonic() + timeout
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] != 0:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.01)


def plain_env(extra=None):
    """The environment of every daemon, app and floor here (apps get it from their manager)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/root")}
    env.update(extra or {})
    return env


# ----------------------------------------------------------------------------- managers

class Manager:
    """What every manager offers the harness. `add` returns (ms until the manager's own API shows
    all n running, their pids) or raises Slow; `api_pid` is the pid the API shows for a
    one-instance app (None while it has none running)."""
    name = label = "?"
    pid = None

    def __init__(self, registry, strays):
        self.strays = strays
        self.stopped = True
        registry.append(self)

    def version(self):
        return "?"


class SwiftPM2(Manager):
    name, label = "swiftpm2", "swiftpm2"

    def __init__(self, registry, strays):
        super().__init__(registry, strays)
        self.registry = registry
        self.d = None

    def boot(self):
        self.d = B.Daemon(self.registry)
        # The same small environment as the other managers give their apps (the harness's own
        # may carry, e.g., NODE_EXTRA_CA_CERTS, which alone costs Node tens of ms at start-up).
        self.d.env = plain_env({"SWIFTPM2_HOME": self.d.home, "SWIFTPM2D_PATH": B.DAEMON})
        self.stopped = False
        _, t_ping = self.d.boot()
        self.pid = self.d.pid
        return ms(t_ping)

    def app(self, name, n, argv, env=None, log=None, port=None, cluster=False):
        a = {"name": name, "script": argv[0], "args": argv[1:], "instances": n,
             "max_restarts": 1000000, "min_uptime": 0, "crash_window": 0, "kill_timeout": 1000}
        if env:
            a["env"] = env
        if log:
            a["out_file"] = log["path"]
            if log.get("stamp"):
                a["log_date_format"] = DATE_FORMAT
        if cluster:
            a["exec_mode"] = "cluster"
            a["listen"] = "tcp://127.0.0.1:%d" % port
        return a

    def add(self, name, n, argv, env=None, log=None, port=None, cluster=False, timeout=60):
        doc = {"apps": [self.app(name, n, argv, env, log, port, cluster)]}
        t0 = now_ns()
        try:
            status, body = B.http(self.d.sock, "POST", "/v1/apps?base=" + self.d.home, doc, timeout=timeout)
        except socket.timeout:
            raise Slow(len(self.pids(name)), n, timeout)
        except B.ShortAnswer as e:          # answered, but the body cut short (counted; see report)
            status, body = e.status, str(e)
        if status != 201:
            raise RuntimeError("POST /v1/apps answered %s %r" % (status, str(body)[:300]))
        pids = self.pids(name)
        t1 = now_ns()
        self.strays.update(pids)
        if len(pids) != n:
            raise RuntimeError("%s: %d of %d instances online after POST /v1/apps" % (name, len(pids), n))
        return ms(t1 - t0), pids

    def instances(self, name):
        return B.instances_of(self.d.sock, name)

    def pids(self, name):
        return [x["pid"] for x in self.instances(name) if x.get("state") == "online" and x.get("pid")]

    def api_pid(self, name):
        x = self.instances(name)[0]
        return x.get("pid") if x.get("state") == "online" else None

    def remove(self, name, timeout=30):
        pids = [x["pid"] for x in self.instances(name) if x.get("pid")]
        t0 = now_ns()
        try:
            status, _ = B.http(self.d.sock, "DELETE", "/v1/apps/" + name, timeout=timeout)
        except B.ShortAnswer as e:          # answered, but the body cut short (counted; see report)
            status = e.status
        if status != 200 or not B.wait_gone(pids, timeout):
            raise RuntimeError("DELETE /v1/apps/%s answered %s or left instances running" % (name, status))
        return ms(now_ns() - t0)

    def status_cmd(self):
        return [B.CLI, "list"], self.d.env

    def shutdown(self):
        pids = children(self.pid)
        self.d.stop()
        self.d.cleanup()
        self.stopped = True
        kill_marked(pids)

    def cleanup(self):
        if self.d is not None and not self.stopped:
            pids = children(self.d.pid) if self.d.pid else []
            self.d.cleanup()
            kill_marked(pids)
        self.stopped = True

    def version(self):
        return B.tool_version([B.CLI, "--version"])


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class _UnixTransport(xmlrpc.client.Transport):
    """XML-RPC over supervisord's unix socket (standard library only)."""

    def __init__(self, path, timeout):
        super().__init__()
        self.unix_path, self.unix_timeout = path, timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, _UnixHTTPConnection(self.unix_path, self.unix_timeout)
        return self._connection[1]


class Supervisord(Manager):
    """supervisord (nodaemon) with a unix-socket XML-RPC interface; apps are `[program:x]` files
    in an included folder, added with reloadConfig + addProcessGroup (what `supervisorctl update`
    does), removed with stopProcessGroup + removeProcessGroup."""
    name, label = "supervisord", "supervisord"

    def __init__(self, registry, strays):
        super().__init__(registry, strays)
        self.home = tempfile.mkdtemp(prefix="spm2bench-sup.", dir="/tmp")
        self.sock = os.path.join(self.home, "supervisor.sock")
        self.conf = os.path.join(self.home, "supervisord.conf")
        self.confd = os.path.join(self.home, "conf.d")
        os.makedirs(self.confd)
        os.makedirs(os.path.join(self.home, "childlogs"))
        with open(self.conf, "w") as f:
            f.write("""[unix_http_server]
file={h}/supervisor.sock

[supervisord]
nodaemon=true
logfile={h}/supervisord.log
pidfile={h}/supervisord.pid
childlogdir={h}/childlogs

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{h}/supervisor.sock

[include]
files = {h}/conf.d/*.conf
""".format(h=self.home))
        self._rpc = None

    def rpc(self, timeout=60):
        if self._rpc is None or timeout != 60:
            proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=_UnixTransport(self.sock, timeout),
                                              allow_none=True)
            if timeout != 60:
                return proxy.supervisor
            self._rpc = proxy
        return self._rpc.supervisor

    def boot(self):
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.path.join(self.home, "stdout.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        self._rpc = None
        t0 = now_ns()
        self.pid = os.posix_spawn(SUPERVISORD, [SUPERVISORD, "-c", self.conf], plain_env(), file_actions=actions, setsid=True)
        self.stopped = False
        end = time.monotonic() + 20
        while True:
            if os.path.exists(self.sock):
                try:
                    if self.rpc(timeout=5).getState()["statename"] == "RUNNING":
                        break
                except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                    pass
            if time.monotonic() > end or reap(self.pid, 0):
                raise RuntimeError("supervisord did not answer getState within 20 s; see %s" % self.home)
            time.sleep(0.001)
        return ms(now_ns() - t0)

    def running(self, name):
        return [p["pid"] for p in self.rpc().getAllProcessInfo()
                if p["group"] == name and p["statename"] == "RUNNING" and p["pid"]]

    pids = running

    def add(self, name, n, argv, env=None, log=None, port=None, cluster=False, timeout=60):
        lines = ["[program:%s]" % name, "command=%s" % " ".join(shlex.quote(a) for a in argv),
                 "process_name=%(program_name)s_%(process_num)d", "numprocs=%d" % n,
                 "autostart=true", "autorestart=true", "startsecs=0", "startretries=1000", "stopwaitsecs=1"]
        if env:
            lines.append("environment=" + ",".join('%s="%s"' % kv for kv in env.items()))
        if log:
            lines += ["stdout_logfile=%s" % log["path"], "stdout_logfile_maxbytes=0", "stdout_logfile_backups=0"]
        with open(os.path.join(self.confd, name + ".conf"), "w") as f:
            f.write("\n".join(lines) + "\n")
        t0 = now_ns()
        added = self.rpc().reloadConfig()[0][0]
        if name not in added:
            raise RuntimeError("supervisord reloadConfig did not add %s (%r)" % (name, added))
        self.rpc().addProcessGroup(name)
        end = time.monotonic() + timeout
        step = 0.01 if n <= 100 else 0.05
        while True:
            pids = self.running(name)
            if len(pids) == n:
                break
            if time.monotonic() > end:
                self.strays.update(pids)
                raise Slow(len(pids), n, timeout)
            time.sleep(step)
        t1 = now_ns()
        self.strays.update(pids)
        return ms(t1 - t0), pids

    def api_pid(self, name):
        info = self.rpc().getProcessInfo("%s:%s_0" % (name, name))
        return info["pid"] if info["statename"] == "RUNNING" and info["pid"] else None

    def remove(self, name, timeout=60):
        pids = [p["pid"] for p in self.rpc().getAllProcessInfo() if p["group"] == name and p["pid"]]
        t0 = now_ns()
        self.rpc(timeout=timeout).stopProcessGroup(name, True)
        self.rpc().removeProcessGroup(name)
        t1 = now_ns()
        os.remove(os.path.join(self.confd, name + ".conf"))
        self.rpc().reloadConfig()
        if not B.wait_gone(pids, 10):
            kill_marked(pids)
            raise RuntimeError("supervisord left instances of %s running" % name)
        return ms(t1 - t0)

    def status_cmd(self):
        return [SUPERVISORCTL, "-c", self.conf, "status"], plain_env()

    def shutdown(self):
        pids = children(self.pid)
        try:
            self.rpc(timeout=30).shutdown()
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            pass
        ok = reap(self.pid, 30)
        self.stopped = True
        kill_marked(pids)
        if not ok:
            self.cleanup()
            raise RuntimeError("supervisord did not exit within 30 s of shutdown")

    def cleanup(self):
        if self.pid and not self.stopped:
            pids = children(self.pid)
            try:
                self.rpc(timeout=5).shutdown()
            except Exception:
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if reap(self.pid, 10):
                    break
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    pass
            else:
                reap(self.pid, 2)
            kill_marked(pids)
        self.stopped = True
        shutil.rmtree(self.home, ignore_errors=True)

    def version(self):
        return "supervisor " + B.tool_version([SUPERVISORD, "--version"])


class Circus(Manager):
    """circusd with an ipc:// endpoint, driven with circus.client.CircusClient (ZeroMQ); apps are
    watchers added with `add` (start) and removed with `rm`."""
    name, label = "circus", "Circus"

    def __init__(self, registry, strays):
        super().__init__(registry, strays)
        self.home = tempfile.mkdtemp(prefix="spm2bench-circ.", dir="/tmp")
        self.endpoint = "ipc://%s/circus.sock" % self.home
        self.ini = os.path.join(self.home, "circus.ini")
        with open(self.ini, "w") as f:
            f.write("""[circus]
endpoint = ipc://{h}/circus.sock
pubsub_endpoint = ipc://{h}/circus-pub.sock
statsd = False
logoutput = {h}/circusd.log
""".format(h=self.home))
        self.client = None

    def call(self, command, timeout=30, **props):
        """One command; one that the arbiter refuses because it is still busy with another (it runs
        one at a time, and `add` answers before its watcher has finished starting) is sent again."""
        if self.client is None:
            self.client = CircusClient(endpoint=self.endpoint, timeout=timeout)
        self.client.timeout = timeout * 1000          # CircusClient keeps it in ms
        end = time.monotonic() + timeout
        while True:
            r = self.client.call({"command": command, "properties": dict(props)})
            if r.get("status") == "ok":
                return r
            if "already running" not in str(r.get("reason")) or time.monotonic() > end:
                raise RuntimeError("circus %s answered %r" % (command, r))
            time.sleep(0.01)

    def boot(self):
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.path.join(self.home, "stdout.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        if self.client is not None:
            self.client.stop()
            self.client = None
        t0 = now_ns()
        self.pid = os.posix_spawn(CIRCUSD, [CIRCUSD, self.ini], plain_env(), file_actions=actions, setsid=True)
        self.stopped = False
        self.call("status", timeout=20)             # queued by ZeroMQ until circusd binds and answers
        return ms(now_ns() - t0)

    def pids(self, name):
        return [int(p) for p in self.call("list", name=name).get("pids", [])]

    def add(self, name, n, argv, env=None, log=None, port=None, cluster=False, timeout=60):
        options = {"numprocesses": n, "warmup_delay": 0, "graceful_timeout": 1, "env": plain_env(env)}
        if log:
            options["stdout_stream"] = {"class": "FileStream", "filename": log["path"]}
        t0 = now_ns()
        end = time.monotonic() + timeout
        try:
            self.call("add", timeout=timeout, name=name, cmd=argv[0], args=argv[1:], options=options, start=True)
        except Exception as e:                      # CallError on the client's timeout
            if time.monotonic() < end:
                raise
            pids = self.pids(name)
            self.strays.update(pids)
            raise Slow(len(pids), n, timeout) from e
        step = 0.01 if n <= 100 else 0.05
        while True:
            pids = self.pids(name)
            if len(pids) == n and all(B.alive(p) for p in pids):
                break
            if time.monotonic() > end:
                self.strays.update(pids)
                raise Slow(len(pids), n, timeout)
            time.sleep(step)
        t1 = now_ns()
        self.strays.update(pids)
        return ms(t1 - t0), pids

    def api_pid(self, name):
        pids = self.pids(name)
        return pids[0] if len(pids) == 1 else None

    def remove(self, name, timeout=60):
        pids = self.pids(name)
        t0 = now_ns()
        self.call("rm", timeout=timeout, name=name, waiting=True)
        t1 = now_ns()
        if not B.wait_gone(pids, 10):
            kill_marked(pids)
            raise RuntimeError("circus left instances of %s running" % name)
        return ms(t1 - t0)

    def status_cmd(self):
        return [CIRCUSCTL, "--endpoint", self.endpoint, "status"], plain_env()

    def shutdown(self):
        pids = children(self.pid)
        try:
            self.call("quit", timeout=30, waiting=True)
        except Exception:
            pass
        ok = reap(self.pid, 30)
        self.stopped = True
        kill_marked(pids)
        if self.client is not None:
            self.client.stop()
            self.client = None
        if not ok:
            self.cleanup()
            raise RuntimeError("circusd did not exit within 30 s of quit")

    def cleanup(self):
        if self.pid and not self.stopped:
            pids = children(self.pid)
            try:
                self.call("quit", timeout=5)
            except Exception:
                pass
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if reap(self.pid, 10):
                    break
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    pass
            else:
                reap(self.pid, 2)
            kill_marked(pids)
        if self.client is not None:
            try:
                self.client.stop()
            except Exception:
                pass
            self.client = None
        self.stopped = True
        shutil.rmtree(self.home, ignore_errors=True)

    def version(self):
        return "circus " + B.tool_version([CIRCUSD, "--version"])


# ----------------------------------------------------------------------------- measurements

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
ANSWER = re.compile(rb"\r\n\r\npid (\d+)")


def answering(port, old=None, timeout=15.0):
    """Waits until 127.0.0.1:port answers GET / with "pid N", N != old; returns N. A new
    connection is opened every millisecond, each sends its request and waits for its answer: a
    refused one is dropped, one that is accepted but left unanswered (a dying process's backlog,
    Node's primary between workers) does not hold the others up, and one queued in a listening
    socket that outlives the process (swiftpm2's cluster mode) is answered as soon as the
    replacement accepts. The time is that of the first answer from a new process."""
    end = time.monotonic() + timeout
    poller, socks, next_open = select.poll(), {}, 0.0

    def drop(fd):
        st = socks.pop(fd)
        poller.unregister(fd)
        st["sock"].close()
    try:
        while True:
            now = time.monotonic()
            if now > end:
                raise RuntimeError("no answer from a new process on 127.0.0.1:%d within %.0f s" % (port, timeout))
            if now >= next_open and len(socks) < 400:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                err = s.connect_ex(("127.0.0.1", port))
                if err in (0, errno.EINPROGRESS):
                    socks[s.fileno()] = {"sock": s, "sent": False, "buf": b""}
                    poller.register(s.fileno(), select.POLLOUT | select.POLLIN)
                else:
                    s.close()
                next_open = now + 0.001
            for fd, ev in poller.poll(1):
                st = socks.get(fd)
                if st is None:
                    continue
                s = st["sock"]
                if not st["sent"]:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        drop(fd)
                        continue
                    try:
                        s.send(REQUEST)
                    except OSError:
                        drop(fd)
                        continue
                    st["sent"] = True
                    poller.modify(fd, select.POLLIN)
                    continue
                try:
                    chunk = s.recv(65536)
                except OSError:
                    chunk = b""
                st["buf"] += chunk
                m = ANSWER.search(st["buf"])
                if m and int(m.group(1)) != old:
                    return int(m.group(1))
                if not chunk or m:
                    drop(fd)
    finally:
        for st in socks.values():
            st["sock"].close()


def crash_to_ready(port, strays, reps):
    """SIGKILL of the process answering on port, until a new one answers (ms each)."""
    out, t_end = [], time.monotonic() + CRASH_BUDGET
    for i in range(reps):
        if i >= 3 and time.monotonic() > t_end:
            break
        old = answering(port)
        if not B.carries_marker(old):
            raise RuntimeError("pid %d answering on %d is not ours" % (old, port))
        t0 = now_ns()
        os.kill(old, signal.SIGKILL)
        new = answering(port, old)
        out.append(ms(now_ns() - t0))
        strays.add(new)
        time.sleep(0.2)
    return out


def crash_to_pid(port, api_pid, strays, reps):
    """SIGKILL of the app's process, until the manager's API shows another pid (ms each)."""
    out, t_end = [], time.monotonic() + CRASH_BUDGET
    for i in range(reps):
        if i >= 3 and time.monotonic() > t_end:
            break
        answering(port)
        old = api_pid()
        if not old or not B.carries_marker(old):
            raise RuntimeError("the API shows pid %r, not one of ours" % old)
        t0 = now_ns()
        os.kill(old, signal.SIGKILL)
        end = time.monotonic() + 15
        while True:
            try:
                p = api_pid()
            except Exception:
                p = None
            if p and p != old:
                break
            if time.monotonic() > end:
                raise RuntimeError("the API showed no new pid within 15 s")
            time.sleep(0.0005)
        out.append(ms(now_ns() - t0))
        strays.add(p)
        time.sleep(0.2)
    return out


def server_argv():
    """The ready-server: Node's http module (node-cluster.js, WORKERS=0) when node is there, as in
    Oxmgr's scenarios; else example-server. Returns (argv, env, label)."""
    if NODE:
        return [NODE, NODE_APP, B.MARKER], {"WORKERS": "0"}, "Node.js HTTP server (`node-cluster.js`, `WORKERS=0`)"
    return [B.EXAMPLE, B.MARKER], {}, "`example-server`"


def direct_ready(reps, strays):
    """The floor: the ready-server started alone, until it answers (ms each)."""
    argv, env, _ = server_argv()
    out = []
    for _ in range(reps):
        port = B.free_port()
        t0 = now_ns()
        p = subprocess.Popen(argv, env=plain_env(dict(env, PORT=str(port))), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        strays.add(p.pid)
        try:
            answering(port)
            out.append(ms(now_ns() - t0))
        finally:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        time.sleep(0.1)
    return out


def time_commands(cmds, runs, env):
    """The harness's own timing loop (as the core part's): {label: {"times": ms of each run that
    exited 0, "fails": runs that did not (not timed), "messages": what they printed on stderr}}
    for each (label, argv), posix_spawn + waitpid, stdout to /dev/null, the commands interleaved,
    after 3 warm-up rounds."""
    errfile = tempfile.mktemp(prefix="spm2bench-err.", dir="/tmp")
    out = {label: {"times": [], "fails": 0, "messages": []} for label, _ in cmds}
    try:
        for _ in range(3):
            for _, cmd in cmds:
                B.spawn_wait(cmd, env)
        for _ in range(runs):
            for label, cmd in cmds:
                t, st = B.spawn_wait(cmd, env, errfile)
                if st == 0:
                    out[label]["times"].append(ms(t))
                else:
                    out[label]["fails"] += 1
                    with open(errfile, errors="replace") as f:
                        msg = f.read().strip()[:200]
                    if msg not in out[label]["messages"]:
                        out[label]["messages"].append(msg)
    finally:
        if os.path.exists(errfile):
            os.remove(errfile)
    return out


def hyperfine_times(cmds, runs, env):
    """The same commands timed by hyperfine (-N: no shell; 3 warm-ups; -i: failures counted, not
    fatal), as a cross-check: {label: {"times": ms each, "fails": n}}; {} without hyperfine."""
    if not HYPERFINE:
        return {}
    out_json = tempfile.mktemp(prefix="spm2bench-hf.", suffix=".json", dir="/tmp")
    argv = [HYPERFINE, "-N", "-i", "--style", "none", "--warmup", "3", "--runs", str(runs), "--export-json", out_json]
    for label, cmd in cmds:
        argv += ["-n", label, " ".join(shlex.quote(a) for a in cmd)]
    try:
        r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           timeout=runs * len(cmds) * 10 + 60)
        if r.returncode != 0:
            raise RuntimeError("hyperfine exited %d: %s" % (r.returncode, r.stderr.strip()[-300:]))
        with open(out_json) as f:
            results = json.load(f)["results"]
    finally:
        if os.path.exists(out_json):
            os.remove(out_json)
    return {res["command"]: {"times": [t * 1000 for t in res["times"]],
                             "fails": sum(1 for c in res.get("exit_codes", []) if c)} for res in results}


# ---- log capture

LINE = b"line %09d\n"
STAMP = re.compile(rb"(?m)^[^\n]*?(?=line \d{9}$)")


def expected_log(count):
    return b"".join([LINE % i for i in range(count)])


def check_log(path, count, stamped):
    """Lines lost, duplicated, out of order, garbled (and stamped) in the captured log: by the C
    checker (`logwriter --check`) when it was built, else here."""
    if WRITER.get("check"):
        r = subprocess.run(WRITER["check"] + [path, str(count)], capture_output=True, text=True, timeout=300)
        f = r.stdout.split()
        if r.returncode != 0 or len(f) != 12:
            raise RuntimeError("logwriter --check failed: %s" % (r.stderr or r.stdout).strip()[:200])
        got = dict(zip(f[0::2], map(int, f[1::2])))
        return {"missing": got["missing"], "dup": got["dup"], "disorder": got["disorder"],
                "garbled": got["garbled"], "stamps": got["stamps"]}
    with open(path, "rb") as f:
        data = f.read()
    stamps = 0
    if stamped:
        stamps = len(re.findall(rb"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}: line ", data))
        data = STAMP.sub(b"", data)
    if data == expected_log(count):
        return {"missing": 0, "dup": 0, "disorder": 0, "garbled": 0, "stamps": stamps}
    nums = [int(x) for x in re.findall(rb"(?m)^line (\d{9})$", data)]
    seen = set(nums)
    return {"missing": sum(1 for i in range(count) if i not in seen), "dup": len(nums) - len(seen),
            "disorder": sum(1 for a, b in zip(nums, nums[1:]) if b < a),
            "garbled": data.count(b"\n") - len(nums), "stamps": stamps}


def follow_log(path, side):
    """Reads the log file as it grows (counting lines) until the writer's count is in it, or it
    stopped growing for 3 s; returns the measurement."""
    lines, f, size = 0, None, 0
    t_last = time.monotonic_ns()
    count = start = end = None
    deadline = time.monotonic() + LOG_SECS + 120
    last_growth = time.monotonic()
    while True:
        if f is None and os.path.exists(path):
            f = open(path, "rb")
        if f is not None:
            grew = False
            while True:
                chunk = f.read(1 << 22)
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                size += len(chunk)
                grew = True
            if grew:
                t_last = time.monotonic_ns()
                last_growth = time.monotonic()
        if count is None and os.path.exists(side):
            with open(side) as sf:
                start, end, count = map(int, sf.read().split())
        if count is not None and lines >= count:
            break
        if count is not None and time.monotonic() - last_growth > 3:
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    if f is not None:
        f.close()
    if count is None:
        raise RuntimeError("the log writer never finished (no %s)" % side)
    return {"count": count, "lines": lines, "rate": lines / ((t_last - start) / 1e9),
            "writer_rate": count / ((end - start) / 1e9), "secs": (t_last - start) / 1e9, "bytes": size}


def writer_argv(side):
    return WRITER["argv"] + [B.MARKER, "%g" % LOG_SECS, str(LOG_MAX), side]


def build_writer(tmp):
    """Compiles Benchmarks/logwriter.c with cc when there is one (else the Python writer stays)."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return
    exe = os.path.join(tmp, "logwriter")
    r = subprocess.run([cc, "-O2", "-o", exe, LOGWRITER_C], capture_output=True, text=True, timeout=120)
    if r.returncode == 0:
        WRITER.update(argv=[exe], check=[exe, "--check"],
                      label="C (`Benchmarks/logwriter.c`, built with `%s -O2`)" % os.path.basename(cc))
    else:
        log("bench: peers: could not build logwriter.c (%s); the Python writer is used" % r.stderr.strip()[:200])


def finish_capture(r, path, stamped):
    r.update(check_log(path, r["count"], stamped))
    os.remove(path)
    return r


def capture_direct(tmp, strays):
    """Floor: the writer's stdout is the file itself, no manager."""
    path, side = os.path.join(tmp, "direct.log"), os.path.join(tmp, "direct.side")
    with open(path, "wb") as out:
        p = subprocess.Popen(writer_argv(side), stdout=out, stderr=subprocess.DEVNULL, start_new_session=True)
    strays.add(p.pid)
    try:
        r = follow_log(path, side)
    finally:
        p.kill()
        p.wait()
    return finish_capture(r, path, False)


def capture_pipe(tmp, strays):
    """Floor of a capturing manager: the writer's stdout a pipe, `cat` copying it to the file."""
    path, side = os.path.join(tmp, "pipe.log"), os.path.join(tmp, "pipe.side")
    with open(path, "wb") as out:
        cat = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=out, start_new_session=True)
    strays.add(cat.pid)
    p = subprocess.Popen(writer_argv(side), stdout=cat.stdin, stderr=subprocess.DEVNULL, start_new_session=True)
    strays.add(p.pid)
    cat.stdin.close()
    try:
        r = follow_log(path, side)
    finally:
        p.kill()
        p.wait()
        cat.wait(10)
    return finish_capture(r, path, False)


def capture_managed(m, tmp, tag, stamped=False):
    path, side = os.path.join(tmp, "%s-%s.log" % (m.name, tag)), os.path.join(tmp, "%s-%s.side" % (m.name, tag))
    m.add("logw", 1, writer_argv(side), log={"path": path, "stamp": stamped})
    try:
        r = follow_log(path, side)
    finally:
        m.remove("logw")
    return finish_capture(r, path, stamped)


# ----------------------------------------------------------------------------- the run

def step(res, key, fn, *args, **kw):
    """Runs one measurement; an exception is logged and kept as res["errors"][key]."""
    try:
        res[key] = fn(*args, **kw)
        return True
    except B.Interrupted:
        raise
    except Exception as e:
        log("bench: peers: %s failed: %s" % (key, e))
        res.setdefault("errors", {})[key] = str(e)[:300]
        return False


def manager_run(m, strays, tmp):
    """Everything measured on one manager, in one go; returns its figures."""
    r = {"version": m.version()}
    # Empty boots: time until the API answers, RSS just after.
    boots, rss_boot = [], []
    for _ in range(REPS_BOOT):
        boots.append(m.boot())
        time.sleep(0.5)
        rss_boot.append(rss_mb(m.pid))
        m.shutdown()
    r["boot"], r["rss_boot"] = summ(boots), summ(rss_boot)

    # The long-lived daemon: idle, then 100, then BIG instances.
    m.boot()
    time.sleep(SETTLE_SECS)
    r["rss"], r["cpu"] = {0: rss_mb(m.pid)}, {0: idle_cpu(m.pid, IDLE_SECS)}
    log("peers: %s: start %d instances x%d, RSS and CPU idle" % (m.name, B.INSTANCES, REPS_START))
    starts = []
    for rep in range(REPS_START):
        t, _ = m.add("s100", B.INSTANCES, [SLEEP, B.MARKER])
        starts.append(t)
        if rep < REPS_START - 1:
            m.remove("s100")
            time.sleep(0.2)
    r["start100"] = summ(starts)
    time.sleep(SETTLE_SECS)
    r["rss"][100], r["cpu"][100] = rss_mb(m.pid), idle_cpu(m.pid, IDLE_SECS)
    r["stop100"] = m.remove("s100")

    room = big_room()
    if room:
        r.setdefault("errors", {})["start1000"] = room
    else:
        log("peers: %s: start %d instances (bounded: %d s)" % (m.name, BIG, BIG_TIMEOUT))
        try:
            t, _ = m.add("s1000", BIG, [SLEEP, B.MARKER], timeout=BIG_TIMEOUT)
            r["start1000"] = {"ms": t, "reached": BIG}
        except Slow as e:
            r["start1000"] = {"ms": None, "reached": e.reached, "secs": e.secs}
        time.sleep(SETTLE_SECS)
        r["rss"][BIG], r["cpu"][BIG] = rss_mb(m.pid), idle_cpu(m.pid, IDLE_SECS)
        step(r, "stop1000", m.remove, "s1000", timeout=120)

    # CLI status latency with 10 one-instance apps.
    log("peers: %s: status command with %d apps x%d" % (m.name, CLI_APPS, CLI_RUNS))
    for i in range(CLI_APPS):
        m.add("c%d" % i, 1, [SLEEP, B.MARKER])
    argv, env = m.status_cmd()

    def cli():
        t = time_commands([(m.name, argv), ("/bin/true", [B.TRUE])], CLI_RUNS, env)
        return dict(t[m.name], summary=summ(t[m.name]["times"]), floor=summ(t["/bin/true"]["times"]))
    step(r, "cli", cli)

    def cli_hyperfine():
        t = hyperfine_times([(m.name, argv)], HF_RUNS, env).get(m.name)
        return dict(t, summary=summ(t["times"])) if t else None
    step(r, "cli_hf", cli_hyperfine)
    for i in range(CLI_APPS):
        m.remove("c%d" % i)

    # SIGKILL -> the replacement answers; SIGKILL -> the API shows the new pid.
    log("peers: %s: SIGKILL -> replacement answers / new pid in the API x%d each" % (m.name, REPS_CRASH))
    sargv, senv, _ = server_argv()
    port = B.free_port()
    m.add("rdy", 1, sargv, env=dict(senv, PORT=str(port)))
    step(r, "crash_tcp", crash_to_ready, port, strays, REPS_CRASH)
    step(r, "crash_pid", crash_to_pid, port, lambda: m.api_pid("rdy"), strays, REPS_CRASH)
    if m.name == "swiftpm2":
        step(r, "restart", restart_scenario, m, port, strays)
    m.remove("rdy")
    if m.name == "swiftpm2":
        port = B.free_port()
        m.add("rdyc", 1, sargv, env=senv, port=port, cluster=True)
        step(r, "crash_tcp_cluster", crash_to_ready, port, strays, REPS_CRASH)
        m.remove("rdyc")

    # Log capture.
    log("peers: %s: log capture, %.1f s of numbered lines" % (m.name, LOG_SECS))
    step(r, "log", capture_managed, m, tmp, "plain")
    if m.name == "swiftpm2":
        step(r, "log_stamped", capture_managed, m, tmp, "stamped", stamped=True)
    m.shutdown()
    return r


def restart_scenario(sw, port, strays):
    """Oxmgr's restart scenario on swiftpm2: `swiftpm2 restart rdy` timed; meanwhile polling the
    API for the new pid and the port for an answer from it."""
    cmd, pid, tcp = [], [], []
    for _ in range(REPS_RESTART):
        old = answering(port)
        box = {}

        def run():
            t0 = now_ns()
            r = subprocess.run([B.CLI, "restart", "rdy"], env=sw.d.env, capture_output=True, text=True, timeout=60)
            box["ms"], box["rc"], box["err"] = ms(now_ns() - t0), r.returncode, r.stderr
        th = threading.Thread(target=run, daemon=True)
        t0 = now_ns()
        th.start()
        t_pid = t_tcp = None
        end = time.monotonic() + 30
        while t_pid is None or t_tcp is None:
            if t_pid is None:
                p = sw.api_pid("rdy")
                if p and p != old:
                    t_pid = ms(now_ns() - t0)
            if t_tcp is None:
                try:
                    status, body = B.get(port, timeout=0.2)
                    m = re.match(r"pid (\d+)", body)
                    if status == 200 and m and int(m.group(1)) != old:
                        t_tcp = ms(now_ns() - t0)
                        strays.add(int(m.group(1)))
                except OSError:
                    pass
            if time.monotonic() > end:
                raise RuntimeError("restart: no new pid / answer within 30 s")
            time.sleep(0.0005)
        th.join(60)
        if box.get("rc") != 0:
            raise RuntimeError("swiftpm2 restart exited %r: %s" % (box.get("rc"), box.get("err", "")[:200]))
        cmd.append(box["ms"])
        pid.append(t_pid)
        tcp.append(t_tcp)
        time.sleep(0.2)
    return {"cmd": summ(cmd), "pid": summ(pid), "tcp": summ(tcp)}


def oxmgr_scale(registry, strays):
    """Oxmgr's scale scenario on swiftpm2: a fresh daemon per trial; `swiftpm2 start FILE` with N
    one-instance apps (timed: start), then until GET /v1/apps shows all online (settle),
    `swiftpm2 list` (list), daemon RSS."""
    out = {}
    for n in OX_COUNTS:
        starts, settles, lists, rss, apis = [], [], [], [], []
        for _ in range(OX_TRIALS):
            sw = SwiftPM2(registry, strays)
            sw.boot()
            path = os.path.join(sw.d.home, "eco-%d.json" % n)
            with open(path, "w") as f:
                json.dump({"apps": [sw.app("bench-%03d" % i, 1, [SLEEP, B.MARKER]) for i in range(n)]}, f)
            t0 = now_ns()
            r = subprocess.run([B.CLI, "start", path], env=sw.d.env, capture_output=True, text=True, timeout=120)
            t1 = now_ns()
            if r.returncode != 0:
                raise RuntimeError("swiftpm2 start (%d apps) exited %d: %s" % (n, r.returncode, r.stderr[:200]))
            end = time.monotonic() + 60
            while True:
                _, body = B.http(sw.d.sock, "GET", "/v1/apps")
                insts = [x for a in body["apps"] for x in a["instances"]]
                if len(insts) == n and all(x.get("state") == "online" for x in insts):
                    break
                if time.monotonic() > end:
                    raise RuntimeError("%d apps not online 60 s after start" % n)
                time.sleep(0.0005)
            t2 = now_ns()
            strays.update(x["pid"] for x in insts if x.get("pid"))
            starts.append(ms(t1 - t0))
            settles.append(ms(t2 - t1))
            for _ in range(OX_LIST):
                t, st = B.spawn_wait([B.CLI, "list"], sw.d.env)
                if st == 0:
                    lists.append(ms(t))
            rss.append(rss_mb(sw.pid))
            # The same apps again through the API alone (no CLI, no 300 ms window).
            pids = [x["pid"] for x in insts if x.get("pid")]
            B.http(sw.d.sock, "DELETE", "/v1/apps/all")
            if not B.wait_gone(pids, 15):
                raise RuntimeError("DELETE /v1/apps/all left instances running")
            with open(path) as f:
                doc = json.load(f)
            t0 = now_ns()
            status, answer = B.http(sw.d.sock, "POST", "/v1/apps?base=" + sw.d.home, doc, timeout=120)
            apis.append(ms(now_ns() - t0))
            if status != 201:
                raise RuntimeError("POST /v1/apps (%d apps) answered %s" % (n, status))
            strays.update(x["pid"] for a in answer["apps"] for x in a["instances"] if x.get("pid"))
            sw.shutdown()
        out[n] = {"start": summ(starts), "settle": summ(settles), "list": summ(lists), "rss": summ(rss), "api": summ(apis)}
    return out


def node_refork(children, strays):
    """Node's cluster module re-forking its worker after a SIGKILL (RESPAWN=1)."""
    port = B.free_port()
    c = B.Child([NODE, NODE_APP, B.MARKER], plain_env({"PORT": str(port), "WORKERS": "1", "RESPAWN": "1"}),
                children, stdout=subprocess.DEVNULL)
    strays.add(c.p.pid)
    try:
        answering(port)
        return crash_to_ready(port, strays, REPS_CRASH)
    finally:
        c.stop()


def run(bench, registry, strays, children):
    global B
    B = bench
    res = {"managers": {}, "floors": {}, "notes": [], "errors": {}}
    tmp = tempfile.mkdtemp(prefix="spm2bench-peers.", dir="/tmp")
    try:
        res["server"] = server_argv()[2]
        build_writer(tmp)
        res["writer"] = WRITER["label"]
        env = plain_env()
        # Floors.
        log("peers: floors: fork+exec, interpreter start-up, 100 spawns, sleep RSS")
        floor_cmds = [("/bin/true", [B.TRUE]), ("python -c pass", [PYTHON, "-c", "pass"])]
        if NODE:
            floor_cmds.append(("node -e 0", [NODE, "-e", "0"]))
        step(res["floors"], "cli", lambda: {k: dict(v, summary=summ(v["times"]))
                                             for k, v in time_commands(floor_cmds, CLI_RUNS, env).items()})
        step(res["floors"], "cli_hf", lambda: {k: dict(v, summary=summ(v["times"]))
                                                for k, v in hyperfine_times(floor_cmds[:2], HF_RUNS, env).items()})
        spawn100, sleep_rss = [], []
        for _ in range(REPS_START):
            t0 = now_ns()
            pids = [os.posix_spawn(SLEEP, [SLEEP, B.MARKER], env, file_actions=B.DEVNULL_OUT) for _ in range(B.INSTANCES)]
            spawn100.append(ms(now_ns() - t0))
            strays.update(pids)
            time.sleep(0.05)
            sleep_rss.append(rss_mb(pids[0]))
            kill_marked(pids)
            for p in pids:
                os.waitpid(p, 0)
        res["floors"]["spawn100"], res["floors"]["sleep_rss"] = summ(spawn100), summ(sleep_rss)
        log("peers: floors: the server alone until it answers x%d; log writer to a file / through cat" % REPS_CRASH)
        step(res["floors"], "ready", direct_ready, REPS_CRASH, strays)
        step(res["floors"], "log_file", capture_direct, tmp, strays)
        step(res["floors"], "log_pipe", capture_pipe, tmp, strays)

        # The managers, one at a time.
        kinds = [SwiftPM2]
        if SUPERVISORD and SUPERVISORCTL:
            kinds.append(Supervisord)
        else:
            res["notes"].append("supervisord not measured: not installed in %s (Benchmarks/run.sh installs it)" % PEER_BIN)
        if CIRCUSD and CIRCUSCTL and CircusClient:
            kinds.append(Circus)
        else:
            res["notes"].append("Circus not measured: not installed in %s (Benchmarks/run.sh installs it)" % PEER_BIN)
        for kind in kinds:
            m = kind(registry, strays)
            t0 = time.monotonic()
            try:
                res["managers"][m.name] = manager_run(m, strays, tmp)
            except B.Interrupted:
                raise
            except Exception as e:
                log("bench: peers: %s failed: %s" % (m.name, e))
                res["managers"][m.name] = {"failed": str(e)[:300]}
            finally:
                m.cleanup()
            res["managers"][m.name]["secs"] = time.monotonic() - t0

        if NODE:
            log("peers: Node cluster re-fork after SIGKILL x%d" % REPS_CRASH)
            step(res, "node_refork", node_refork, children, strays)
            res["node_version"] = B.tool_version([NODE, "--version"])
        else:
            res["notes"].append("Node.js rows skipped: `node` not found")

        log("peers: Oxmgr's scale scenario on swiftpm2: %s apps x%d" % ("/".join(map(str, OX_COUNTS)), OX_TRIALS))
        step(res, "oxmgr_scale", oxmgr_scale, registry, strays)
        res["hyperfine"] = B.tool_version([HYPERFINE, "--version"]) if HYPERFINE else None
        res["limits"] = limits()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def big_room():
    """Why BIG instances would not fit now (None when they do): free pids (pid_max less the tasks
    that run), processes allowed per user, open files (a manager holds a few per instance)."""
    import resource
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    with open("/proc/loadavg") as f:
        tasks = int(f.read().split()[3].split("/")[1])
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if pid_max - tasks < 2 * BIG + 1000:
        return "not started: %d free pids (pid_max %d, %d tasks running)" % (pid_max - tasks, pid_max, tasks)
    if nproc != resource.RLIM_INFINITY and nproc - tasks < 2 * BIG + 1000:
        return "not started: RLIMIT_NPROC %d with %d tasks running" % (nproc, tasks)
    if nofile != resource.RLIM_INFINITY and nofile < 8 * BIG:
        return "not started: RLIMIT_NOFILE %d (a manager holds a few files per instance)" % nofile
    return None


def limits():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    return {"nofile": soft, "nofile_hard": hard, "nproc": nproc, "pid_max": pid_max}


# ----------------------------------------------------------------------------- report

MANAGERS = (("swiftpm2", "swiftpm2"), ("supervisord", "supervisord"), ("circus", "Circus"))
PEER_COLS = (("supervisord", "supervisord"), ("circus", "Circus"), ("node", "Node `cluster`"))


def _f(v, unit):
    if v is None:
        return "—"
    if unit == "MB":
        return "%.1f MB" % v
    if unit == "%":
        return "%.3f %%" % v if v < 0.1 else "%.2f %%" % v
    if unit == "lines/s":
        return "{:,.0f} lines/s".format(v)
    return B.fmt(v, "ms")


def _dist(s, unit="ms"):
    """median (min–max, n) of a summary, or of a list of values."""
    if s is None:
        return "—"
    if isinstance(s, list):
        s = summ(s)
        if s is None:
            return "—"
    if s["n"] == 1:
        return "%s (1)" % _f(s["median"], unit)
    return "%s (%s – %s, %d)" % (_f(s["median"], unit), _f(s["min"], unit), _f(s["max"], unit), s["n"])


def _med(s):
    if s is None:
        return None
    if isinstance(s, list):
        return statistics.median(s) if s else None
    if isinstance(s, dict):
        return s.get("median")
    return s


def _ratio(a, b):
    a, b = _med(a), _med(b)
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return "%.2f×" % r if r >= 0.1 else "%.2g×" % r


def _row(label, floor, cells, unit="ms", ratio_keys=("supervisord", "circus", "node")):
    """cells: {"swiftpm2": value, "supervisord": ..., "circus": ..., "node": ...}; a value is a
    summary, a list, a number, a str (shown as is) or None."""
    def show(v):
        if isinstance(v, str):
            return v
        if isinstance(v, (dict, list)):
            return _dist(v, unit)
        return _f(v, unit)
    ours = cells.get("swiftpm2")
    out = [label, floor, show(ours)] + [show(cells.get(k)) for k, _ in PEER_COLS]
    out += [_ratio(ours, cells.get(k)) if k in ratio_keys and not isinstance(cells.get(k), str)
            and not isinstance(ours, str) else "—" for k, _ in PEER_COLS]
    return "| " + " | ".join(out) + " |"


def _mgr(p, name):
    m = p["managers"].get(name)
    return m if m and "failed" not in m else {}


def _start_big(m):
    s = m.get("start1000")
    if not s:
        return None
    if s["ms"] is None:
        return "**not reached**: %d of %d running after %.0f s" % (s["reached"], BIG, s["secs"])
    return s["ms"]


def peers_table(p):
    fl = p["floors"]
    sw, su, ci = (_mgr(p, n) for n, _ in MANAGERS)
    cli_floor = fl.get("cli", {})
    true = cli_floor.get("/bin/true", {}).get("summary")
    py = cli_floor.get("python -c pass", {}).get("summary")
    head = ["| figure | floor (same run) | swiftpm2 | supervisord | Circus | Node `cluster` | swiftpm2 / supervisord | swiftpm2 / Circus | swiftpm2 / Node |",
            "|" + " --- |" * 9]
    rows = []

    def cli(m):
        c = m.get("cli")
        if not c:
            return None
        return c["summary"] if not c["fails"] else "%s; **%d of %d runs failed**" % (_dist(c["summary"]), c["fails"], c["fails"] + len(c["times"]))
    rows.append(_row("status command, %d one-instance apps (`swiftpm2 list`, `supervisorctl status`, `circusctl status`)" % CLI_APPS,
                     "`/bin/true` %s (interleaved: %s); `python -c pass` %s" % (
                         _f(_med(true), "ms"), " / ".join(_f(_med(m.get("cli", {}).get("floor")), "ms") for m in (sw, su, ci)),
                         _f(_med(py), "ms")),
                     {"swiftpm2": cli(sw), "supervisord": cli(su), "circus": cli(ci)}))
    hf = fl.get("cli_hf") or {}
    if any(m.get("cli_hf") for m in (sw, su, ci)):
        rows.append(_row("the same, timed by `hyperfine -N` (cross-check)",
                         "`/bin/true` %s; `python -c pass` %s" % (
                             _f(_med(hf.get("/bin/true", {}).get("summary")), "ms"),
                             _f(_med(hf.get("python -c pass", {}).get("summary")), "ms")),
                         {k: (_mgr(p, k).get("cli_hf") or {}).get("summary") for k, _ in MANAGERS}))
    rows.append(_row("empty daemon boot until its API answers", "`/bin/true` %s" % _f(_med(true), "ms"),
                     {"swiftpm2": sw.get("boot"), "supervisord": su.get("boot"), "circus": ci.get("boot")}))
    sleep_rss = _med(fl.get("sleep_rss"))
    rows.append(_row("daemon RSS, no apps (just after boot)", "a `/bin/sleep`: %s" % _f(sleep_rss, "MB"),
                     {"swiftpm2": sw.get("rss_boot"), "supervisord": su.get("rss_boot"), "circus": ci.get("rss_boot")}, "MB"))
    for n in (B.INSTANCES, BIG):
        rows.append(_row("daemon RSS, %d instances" % n, "—",
                         {k: _mgr(p, k).get("rss", {}).get(n) for k, _ in MANAGERS}, "MB"))
    for n in (0, B.INSTANCES, BIG):
        rows.append(_row("daemon CPU while idle, %s (%% of one core over %g s)" % ("no apps" if n == 0 else "%d instances" % n, IDLE_SECS),
                         "0", {k: _mgr(p, k).get("cpu", {}).get(n) for k, _ in MANAGERS}, "%"))
    rows.append(_row("start %d instances until the API shows them all running" % B.INSTANCES,
                     "%d× `posix_spawn` of `/bin/sleep`: %s" % (B.INSTANCES, _f(_med(fl.get("spawn100")), "ms")),
                     {k: _mgr(p, k).get("start100") for k, _ in MANAGERS}))
    rows.append(_row("start %d instances until the API shows them all running" % BIG, "—",
                     {k: _start_big(_mgr(p, k)) for k, _ in MANAGERS}))
    ready_floor = "the server alone until it answers: %s" % _f(_med(fl.get("ready")), "ms")
    rows.append(_row("SIGKILL → the replacement answers on its port (fork mode: the app binds the port)", ready_floor,
                     {"swiftpm2": sw.get("crash_tcp"), "supervisord": su.get("crash_tcp"), "circus": ci.get("crash_tcp")}))
    rows.append(_row("SIGKILL → the replacement answers, the manager holding the listening socket (swiftpm2 cluster mode; Node's re-fork)",
                     ready_floor, {"swiftpm2": sw.get("crash_tcp_cluster"), "node": p.get("node_refork"),
                                   "supervisord": "— (no shared socket)", "circus": "— (not set up)"}))
    rows.append(_row("SIGKILL → the new pid shows in the manager's API (polled)", "`/bin/true` %s" % _f(_med(true), "ms"),
                     {"swiftpm2": sw.get("crash_pid"), "supervisord": su.get("crash_pid"), "circus": ci.get("crash_pid")}))

    def rate(c):
        return None if not c else c["rate"]
    lf, lp = fl.get("log_file"), fl.get("log_pipe")
    log_floor = "straight to a file: %s; through a pipe to `cat`: %s" % (_f(rate(lf), "lines/s"), _f(rate(lp), "lines/s"))
    rows.append(_row("log capture: lines/s reaching the log file (each manager's default capture; swiftpm2: the file is the app's stdout)",
                     log_floor, {"swiftpm2": rate(sw.get("log")), "supervisord": rate(su.get("log")), "circus": rate(ci.get("log"))}, "lines/s"))
    rows.append(_row("log capture with a timestamp on each line (swiftpm2 `log_date_format`: a pipe through the daemon)",
                     "through a pipe to `cat`: %s" % _f(rate(lp), "lines/s"),
                     {"swiftpm2": rate(sw.get("log_stamped")), "supervisord": "—", "circus": "—"}, "lines/s"))

    def loss(c):
        if not c:
            return None
        return "%d lost, %d out of order" % (c["missing"], c["disorder"]) if c["missing"] or c["disorder"] or c["dup"] or c["garbled"] \
            else "none lost, none out of order"
    rows.append(_row("log capture: lines lost or out of order", "—",
                     {"swiftpm2": "%s (default); %s (`log_date_format`)" % (loss(sw.get("log")) or "—", loss(sw.get("log_stamped")) or "—"),
                      "supervisord": loss(su.get("log")), "circus": loss(ci.get("log"))}))
    return "\n".join(head + rows)


def oxmgr_table(p):
    ox = OXMGR
    sw = _mgr(p, "swiftpm2")
    sc = p.get("oxmgr_scale") or {}
    fl = p["floors"]
    true = fl.get("cli", {}).get("/bin/true", {}).get("summary")
    head = ["| scenario (Oxmgr's) | swiftpm2, measured here: median (min–max, n) | floor (same run) | Oxmgr, published | PM2, published | swiftpm2 / Oxmgr | swiftpm2 / PM2 |",
            "|" + " --- |" * 7]
    rows = []

    def row(label, ours, floor, theirs, unit="ms"):
        o, pm = theirs
        if unit == "MB":
            o, pm = o / 1024, pm / 1024
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (label, _dist(ours, unit), floor, _f(o, unit), _f(pm, unit),
                                                          _ratio(ours, o), _ratio(ours, pm)))
    row("empty daemon boot (until the API answers)", sw.get("boot"), "`/bin/true` %s" % _f(_med(true), "ms"), ox["boot"])
    row("empty daemon RSS", sw.get("rss_boot"), "a `/bin/sleep`: %s" % _f(_med(fl.get("sleep_rss")), "MB"), ox["boot_rss_kb"], "MB")
    for n in OX_COUNTS:
        s = sc.get(n)
        if not s:
            continue
        row("start, %d process%s (`swiftpm2 start FILE`, %d apps)" % (n, "" if n == 1 else "es", n), s["start"],
            "%d× `posix_spawn`: %s" % (B.INSTANCES, _f(_med(fl.get("spawn100")), "ms")) if n == B.INSTANCES else "—", ox["start"][n])
        rows.append("| … the same %d app%s started with `POST /v1/apps` alone (no CLI, no 300 ms wait) | %s | — | | | | |"
                    % (n, "" if n == 1 else "s", _dist(s.get("api"))))
        row("settle, %d (then until all are online)" % n, s["settle"], "—", ox["settle"][n])
        row("list, %d (`swiftpm2 list`)" % n, s["list"], "`/bin/true` %s" % _f(_med(true), "ms"), ox["list"][n])
        row("daemon RSS, %d" % n, s["rss"], "—", ox["rss_kb"][n], "MB")
    rs = sw.get("restart") or {}
    ready = "the server alone: %s" % _f(_med(fl.get("ready")), "ms")
    row("restart command (`swiftpm2 restart`)", rs.get("cmd"), "—", ox["restart_cmd"])
    row("restart → new pid visible (API polled)", rs.get("pid"), "—", ox["restart_pid"])
    row("restart → TCP ready (the new process answers)", rs.get("tcp"), ready, ox["restart_tcp"])
    row("crash (SIGKILL) → new pid visible (API polled)", sw.get("crash_pid"), "`/bin/true` %s" % _f(_med(true), "ms"), ox["crash_pid"])
    row("crash (SIGKILL) → TCP ready", sw.get("crash_tcp"), ready, ox["crash_tcp"])
    return "\n".join(head + rows)


def log_table(p):
    fl = p["floors"]
    out = ["| log capture | lines the app wrote | lines in the file | lost | duplicated | out of order | garbled | lines/s reaching the file | the app's own write rate |",
           "|" + " --- |" * 9]
    variants = [("floor: the app's stdout is the file", fl.get("log_file")),
                ("floor: a pipe, `cat` copying to the file", fl.get("log_pipe"))]
    for name, label in MANAGERS:
        m = _mgr(p, name)
        variants.append(("%s%s" % (label, " (default: the file is the app's stdout)" if name == "swiftpm2" else ""), m.get("log")))
        if name == "swiftpm2":
            variants.append(("swiftpm2 with `log_date_format` (a pipe through the daemon)", m.get("log_stamped")))
    for label, c in variants:
        if not c:
            out.append("| %s | not measured | | | | | | | |" % label)
            continue
        out.append("| %s | {:,} | {:,} | %d | %d | %d | %d | %s | %s |".format(c["count"], c["lines"]) % (
            label, c["missing"], c["dup"], c["disorder"], c["garbled"], _f(c["rate"], "lines/s"), _f(c["writer_rate"], "lines/s")))
    return "\n".join(out)


def observations(p):
    lines = []
    sw, su, ci = (_mgr(p, n) for n, _ in MANAGERS)
    if B.SHORT_ANSWERS:
        parts = ["`%s` %d× (%s)" % (k, len(v), v[0]) for k, v in sorted(B.SHORT_ANSWERS.items())]
        lines.append("- **Found by this run**: the daemon closed the connection before it had written the whole answer "
                     "(shorter than its `Content-Length`): %s. This happened with the large answers of an app of %d "
                     "instances (about 250 KB); the harness counts each, retries a `GET`, and takes a cut-short `POST`/`DELETE` "
                     "answer as answered (its status line arrived)." % ("; ".join(parts), BIG))
    own_true = _med((p["floors"].get("cli", {}).get("/bin/true") or {}).get("summary"))
    hf_true = _med((p["floors"].get("cli_hf", {}).get("/bin/true") or {}).get("summary"))
    if own_true and hf_true and hf_true > 3 * own_true:
        lines.append("- hyperfine's figures for commands that take a few ms come out coarse on this machine: its "
                     "`/bin/true` median is %s against %s by the harness's own `posix_spawn` loop (many of its runs land "
                     "at about 4 ms, a scheduler tick); so the table is timed by the harness's loop, and hyperfine's row "
                     "is a cross-check, meaningful for the slower Python CLIs." % (_f(hf_true, "ms"), _f(own_true, "ms")))
    for name, label in MANAGERS:
        m = p["managers"].get(name, {})
        if "failed" in m:
            lines.append("- %s: not measured past the failure: %s" % (label, m["failed"]))
        for k, e in (m.get("errors") or {}).items():
            lines.append("- %s: `%s` not measured: %s" % (label, k, e))
        c = m.get("cli")
        if c and c["fails"]:
            lines.append("- %s: the status command failed in %d of %d runs%s." % (
                label, c["fails"], c["fails"] + len(c["times"]),
                "; it printed: " + "; ".join("`%s`" % x for x in c["messages"]) if c["messages"] else ""))
        s = m.get("start1000")
        if s and s["ms"] is None:
            lines.append("- %s did not have %d instances running within %.0f s (%d were); its RSS and CPU at %d are "
                         "those with the %d running." % (label, BIG, s["secs"], s["reached"], BIG, s["reached"]))
    if su.get("crash_tcp") and su.get("crash_pid") and _med(su["crash_pid"]) * 3 < _med(su["crash_tcp"]):
        lines.append("- supervisord restarts a dead process on the next pass of its main loop, which waits up to 1 s in "
                     "`poll()` when nothing else happens; a request to its XML-RPC interface wakes it. So while the harness "
                     "polls it (SIGKILL → new pid, %s median) the replacement comes quickly, and left alone (SIGKILL → the "
                     "replacement answers, %s median) it comes on the next timeout." % (_f(_med(su["crash_pid"]), "ms"), _f(_med(su["crash_tcp"]), "ms")))
    if ci.get("crash_tcp") and _med(ci["crash_tcp"]) > 500:
        lines.append("- Circus reaps dead processes and starts their replacements only on its periodic check (`check_delay`, "
                     "5 s by default, left at the default here), hence SIGKILL → replacement %s median." % _f(_med(ci["crash_tcp"]), "ms"))
    if sw.get("crash_tcp_cluster") and p.get("node_refork"):
        lines.append("- With the listening socket held by the manager, a client that connects while the app is being replaced "
                     "waits in the socket's queue (swiftpm2 cluster mode) instead of being refused (fork mode); Node's primary "
                     "closes its socket when its last worker dies and opens it again for the replacement.")
    lf, lp = p["floors"].get("log_file"), p["floors"].get("log_pipe")
    if lf and lp:
        lines.append("- Log figures are bounded by the app: it writes at most %s lines or for %g s. Straight to a file it wrote "
                     "%s; through a pipe that something reads, every capture is as fast as its reader." % (
                         "{:,}".format(LOG_MAX), LOG_SECS, _f(lf["writer_rate"], "lines/s")))
    lim = p.get("limits")
    if lim:
        lines.append("- Limits on this machine: open files %d (hard %d), processes per user %d, `pid_max` %d — enough for %d "
                     "instances of each manager (one manager at a time)." % (lim["nofile"], lim["nofile_hard"], lim["nproc"],
                                                                         lim["pid_max"], BIG))
    for n in p.get("notes", []):
        lines.append("- " + n)
    return "\n".join(lines)


def method(p):
    return """- Each manager runs alone (the others are stopped), with a fresh home, started by the harness and stopped by
  pid at the end; apps get the same small environment from every manager and floor (`PATH`, `LANG`,
  `HOME`). Instances are `/bin/sleep` with this run's marker argument; swiftpm2 apps have
  `max_restarts: 1000000, min_uptime: 0, crash_window: 0`; supervisord programs `autostart=true,
  autorestart=true, startsecs=0, stopwaitsecs=1` (the rest its defaults: stdout/stderr to log files in its
  `childlogdir`, `minfds` 1024); Circus watchers `warmup_delay: 0, graceful_timeout: 1` (the rest its
  defaults: `check_delay` 5 s, no output capture unless asked).
- **API**: swiftpm2 `GET/POST/DELETE /v1/apps` over its unix socket; supervisord XML-RPC over its unix
  socket (`reloadConfig` + `addProcessGroup` of a `[program:x]` file in an included folder, as
  `supervisorctl update` does; `getAllProcessInfo`; `stopProcessGroup` + `removeProcessGroup`); Circus
  `add` (start) / `list` / `rm` with `circus.client.CircusClient` over an `ipc://` endpoint.
- **Boot**: the daemon spawned with `posix_spawn`, until its API answers (swiftpm2 `GET /v1/ping`,
  supervisord `getState` = RUNNING, Circus `status`); RSS (`VmRSS`) 0.5 s later; %(boots)d boots each.
- **RSS / CPU**: one long-lived daemon: %(settle)g s after boot, after the last start of %(n)d and after
  the start of %(big)d, `VmRSS` and CPU time (`/proc/PID/task/*/schedstat`, all threads) over %(idle)g s,
  as %% of one core.
- **Start**: from the request (swiftpm2 `POST /v1/apps`; supervisord `reloadConfig`; Circus `add`) until the
  API shows all N running with a pid (polled every 10 ms, 50 ms for %(big)d); %(starts)d starts of %(n)d
  (removed in between), one of %(big)d, bounded at %(bigt)d s.
- **Status command**: with %(apps)d one-instance apps, the harness's own loop (`posix_spawn` + `waitpid`,
  stdout to `/dev/null`, as the core part times `swiftpm2 list`): %(cli_runs)d runs after 3 warm-ups, each
  followed by a `/bin/true` spawned the same way (the "interleaved" floor, per manager: swiftpm2 /
  supervisord / Circus); a run that exits non-zero is counted and not timed. Then %(hf)s.
- **SIGKILL → answers**: the app is %(server)s on a port of its own (fork mode: it binds it; swiftpm2
  cluster mode: the daemon binds it and passes it as fd 3; Node: `node-cluster.js` with `WORKERS=1
  RESPAWN=1`, whose primary forks a new worker when one dies). The harness kills the process that
  answers and opens a connection every millisecond, each sending `GET /` and waiting for its answer
  (a refused one is dropped, one left unanswered does not hold the others up), until one is answered
  with another pid; up to %(crash)d repetitions, 0.2 s apart (fewer when they take longer than %(budget)g s).
  **→ new pid**: the same kill, then the API polled (no pause) until it shows another pid.
  Floor: the same server spawned alone, until it answers.
- **Log capture**: the app (%(writer)s) writes `line NNNNNNNNN` lines numbered from 0, 2,000 a write, as
  fast as it can, for %(log_secs)g s or %(log_max)s lines, whichever comes first, then records its count;
  the harness reads the log file as it grows until all lines are there (or it stopped growing for
  3 s) and compares it with the expected lines (after removing each line's timestamp prefix, with
  `log_date_format`). Lines/s = lines in the file / (time from the app's first write until the last
  line was in the file). swiftpm2: `out_file` (and `log_date_format: "%(date)s"`); supervisord:
  `stdout_logfile` with `stdout_logfile_maxbytes=0` (no rotation); Circus: `stdout_stream` of class
  `FileStream`.
- **Oxmgr's scenarios** (swiftpm2 only): as Oxmgr's script measures them, with a fresh daemon per
  trial and `/bin/sleep` apps instead of its idle Node.js process: `swiftpm2 start FILE` with N
  one-instance apps timed (it waits 300 ms after starting, to catch an app that dies at once),
  then until `GET /v1/apps` shows them all online (settle), %(ox_list)d `swiftpm2 list` runs, RSS;
  %(ox_trials)d trial(s) per N. Restart: `swiftpm2 restart rdy` on the server app (fork mode), timed,
  while the harness polls the API for the new pid and the port for an answer from it.
""" % {"boots": REPS_BOOT, "settle": SETTLE_SECS, "n": B.INSTANCES, "big": BIG, "idle": IDLE_SECS,
       "starts": REPS_START, "bigt": BIG_TIMEOUT,
       "hf": ("%d runs with `hyperfine -N -i --warmup 3` (%s), as a cross-check" % (HF_RUNS, p.get("hyperfine")))
       if p.get("hyperfine") else "no hyperfine cross-check (hyperfine not installed)",
       "cli_runs": CLI_RUNS, "apps": CLI_APPS, "server": p.get("server", "?"), "crash": REPS_CRASH,
       "budget": CRASH_BUDGET, "writer": p.get("writer", "?"), "log_secs": LOG_SECS, "log_max": "{:,}".format(LOG_MAX),
       "date": DATE_FORMAT, "ox_list": OX_LIST, "ox_trials": OX_TRIALS}


def section(p, plots):
    """The Markdown section of the peers part; plots: {key: file name relative to the report}."""
    vers = ["swiftpm2 %s" % _mgr(p, "swiftpm2").get("version", "?")]
    for name, label in MANAGERS[1:]:
        m = p["managers"].get(name)
        if m:
            vers.append(m.get("version", label))
    if p.get("node_version"):
        vers.append("Node %s" % p["node_version"])
    img = lambda key, alt: "![%s](%s)\n\n" % (alt, plots[key]) if key in plots else ""
    return ("## Against the peers, measured in this run\n\n"
            "- %s; every figure of a peer comes from the same run on the same machine, with the floor beside it.\n"
            "- Ratios are swiftpm2 divided by the peer: below 1× swiftpm2 is faster or smaller, except for lines/s, "
            "where above 1× swiftpm2 is faster.\n\n" % "; ".join(vers)
            + peers_table(p) + "\n\n"
            + img("ready", "SIGKILL to replacement answering, per manager") + img("cli", "status command latency")
            + img("rss", "daemon RSS by instance count") + img("cpu", "daemon CPU while idle") + img("start", "start 100 instances")
            + img("log", "log capture throughput")
            + "### Log capture\n\n" + log_table(p) + "\n\n"
            + "### Oxmgr's scenarios\n\n"
            "The Oxmgr and PM2 columns are **published by Oxmgr, not measured here**: %s. Other machine, other "
            "workload (an idle Node.js process; here `/bin/sleep`, and the Node.js server for the TCP scenarios) — "
            "read them as context beside ours, not as a like-for-like comparison. PM2 itself publishes no such "
            "figures; its column is Oxmgr's measurement of PM2 (pm2 5.4.3). Oxmgr's blog post \"PM2 vs Oxmgr: Startup "
            "Time, Memory, and Crash Recovery Benchmarks\" (oxmgr.empellio.com/blog/oxmgr-vs-pm2-benchmark; an AWS "
            "t3.small, Oxmgr 0.1.1, PM2 5.3.1, 10 Node.js HTTP servers) published other figures, also not measured "
            "here — e.g. 10 processes started until they answer HTTP: Oxmgr 38 ms, PM2 1,247 ms (medians); daemon "
            "RSS with the 10 idle: Oxmgr 4.2 MB, PM2 83.4 MB; the table uses the workflow's figures, whose script "
            "is published.\n\n" % OXMGR_SOURCE
            + oxmgr_table(p) + "\n\n"
            + "### Observations\n\n" + observations(p) + "\n\n"
            + "### Method (peers)\n\n" + method(p))


def write_plots(res, outdir):
    """Writes the SVG charts next to the report; returns {key: file name}."""
    from svgplot import bars, hbars, strips
    p = res.get("peers") or {}
    made = {}

    def save(key, name, svg):
        if svg:
            with open(os.path.join(outdir, name), "w") as f:
                f.write(svg)
            made[key] = name
    kinds = {"swiftpm2": "ours", "supervisord": "supervisord", "circus": "circus"}
    if p:
        fl = p["floors"]
        sw = _mgr(p, "swiftpm2")
        rows = [("the server alone (floor)", fl.get("ready") or [], "floor"),
                ("swiftpm2, fork mode", sw.get("crash_tcp") or [], "ours"),
                ("swiftpm2, cluster mode", sw.get("crash_tcp_cluster") or [], "ours2"),
                ("Node cluster re-fork", p.get("node_refork") or [], "node"),
                ("supervisord", _mgr(p, "supervisord").get("crash_tcp") or [], "supervisord"),
                ("Circus", _mgr(p, "circus").get("crash_tcp") or [], "circus")]
        save("ready", "bench-sigkill-ready.svg", strips("SIGKILL → the replacement answers on its port", rows, "ms",
                                                        subtitle="each repetition a dot, the median a bar; %s" % p.get("server", "")))
        cl = fl.get("cli", {})
        rows = [("/bin/true (floor)", cl.get("/bin/true", {}).get("times", []), "floor"),
                ("python -c pass (floor)", cl.get("python -c pass", {}).get("times", []), "floor"),
                ("swiftpm2 list", (sw.get("cli") or {}).get("times", []), "ours"),
                ("supervisorctl status", (_mgr(p, "supervisord").get("cli") or {}).get("times", []), "supervisord"),
                ("circusctl status", (_mgr(p, "circus").get("cli") or {}).get("times", []), "circus")]
        save("cli", "bench-cli-status.svg", strips("Status command, %d apps" % CLI_APPS, rows, "ms",
                                                   subtitle="wall time of one run, each run a dot, the median a bar"))
        present = [(n, l) for n, l in MANAGERS if _mgr(p, n)]
        groups = ["no apps", "%d instances" % B.INSTANCES, "%d instances" % BIG]
        series = [(l, kinds[n], [_mgr(p, n).get("rss", {}).get(k) for k in (0, B.INSTANCES, BIG)], None) for n, l in present]
        save("rss", "bench-daemon-rss.svg", bars("Daemon RSS", groups, series, "MB", subtitle="VmRSS of the daemon process"))
        series = [(l, kinds[n], [_mgr(p, n).get("cpu", {}).get(k) for k in (0, B.INSTANCES, BIG)], None) for n, l in present]
        save("cpu", "bench-daemon-cpu.svg", bars("Daemon CPU while idle", groups, series, "% of one core",
                                                 subtitle="CPU time over %g s, all threads" % IDLE_SECS))
        rows = [("%d× posix_spawn (floor)" % B.INSTANCES, _med(fl.get("spawn100")), "floor")]
        rows += [(l, _med(_mgr(p, n).get("start100")), kinds[n]) for n, l in present]
        save("start", "bench-start100.svg", hbars("Start %d instances until the API shows them all running" % B.INSTANCES,
                                                  rows, "ms", subtitle="median of %d starts" % REPS_START))
        logs = [("straight to a file (floor)", fl.get("log_file"), "floor"), ("pipe → cat → file (floor)", fl.get("log_pipe"), "floor"),
                ("swiftpm2 (default)", sw.get("log"), "ours"), ("swiftpm2, log_date_format", sw.get("log_stamped"), "ours2"),
                ("supervisord", _mgr(p, "supervisord").get("log"), "supervisord"), ("Circus", _mgr(p, "circus").get("log"), "circus")]
        save("log", "bench-log-capture.svg", hbars("Log capture: lines/s reaching the file",
                                                   [(l, c["rate"] / 1e6 if c else None, k) for l, c, k in logs], "million lines/s",
                                                   subtitle="the app writes as fast as it can; 2 CPUs shared by the app and its manager"))
    c = res.get("cluster")
    if c and c.get("cpu"):
        s1 = statistics.median([r["s1"] for r in c["cpu"]])
        series = [("swiftpm2 cluster mode, roundrobin (default)", "ours", [1.0, statistics.median([r["s2"] / r["s1"] for r in c["cpu"]])],
                   [[r["s1"] / s1 for r in c["cpu"]], [r["s2"] / r["s1"] for r in c["cpu"]]])]
        if "n1" in c["cpu"][0]:
            n1 = statistics.median([r["n1"] for r in c["cpu"]])
            series.append(("Node cluster module", "node", [1.0, statistics.median([r["n2"] / r["n1"] for r in c["cpu"]])],
                           [[r["n1"] / n1 for r in c["cpu"]], [r["n2"] / r["n1"] for r in c["cpu"]]]))
        if c.get("ceiling"):
            series.append(("machine ceiling: 2 busy loops vs 1", "floor", [1.0, statistics.median(c["ceiling"])],
                           [None, c["ceiling"]]))
        save("cluster", "bench-cluster-throughput.svg", bars(
            "CPU-bound /work throughput, relative to 1 instance", ["1 instance / worker", "2 instances / workers"], series,
            "× the 1-instance throughput",
            subtitle="bar: median; dots: each repetition (2 vs 1 measured back to back); wrk keep-alive, 2 CPUs"))
    return made
