"""The monitoring figures of `make bench` (issue "Monitoring and recycling"): the daemon's CPU
while it samples 200 idle instances, and the time from an instance crossing its
max_memory_restart to its replacement being ready. Imported by bench.py; uses its helpers."""
import json
import os
import statistics
import threading
import time


def daemon_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid):
    try:
        with open("/proc/%d/statm" % pid) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def run(b, registry, strays):
    """b: the bench module. Returns a dict of figures."""
    out = {}
    quick = b.QUICK
    # 1. Daemon CPU while sampling 200 idle instances (one sample a second, the default).
    d = b.Daemon(registry)
    d.boot()
    path = os.path.join(d.home, "idle200.json")
    with open(path, "w") as f:
        json.dump({"apps": [{"name": "idle", "script": "/bin/sleep", "args": [b.MARKER], "instances": 200}]}, f)
    b.cli_ok(d, "start", path, "--settle", "0")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        insts = b.instances_of(d.sock, "idle")
        if len(insts) == 200 and all(x.get("state") == "online" for x in insts):
            break
        time.sleep(0.1)
    strays.update(x["pid"] for x in b.instances_of(d.sock, "idle") if x.get("pid"))
    time.sleep(2.0)                                  # the sampler's first passes
    secs = 5.0 if quick else 10.0
    reps = []
    for _ in range(2 if quick else 3):
        c0, t0 = daemon_cpu_seconds(d.pid), time.monotonic()
        time.sleep(secs)
        reps.append(100.0 * (daemon_cpu_seconds(d.pid) - c0) / (time.monotonic() - t0))
    out["cpu200"] = reps
    d.stop()
    d.cleanup()

    # 2. Crossing max_memory_restart → the replacement ready (cluster mode, 1 instance
    # leaking 20 MB/s, limit 64M): the harness watches the process's RSS every 2 ms itself;
    # the replacement took the slot at its startedAtMs.
    d = b.Daemon(registry)
    d.boot()
    port = b.free_port()
    path = os.path.join(d.home, "leaky.json")
    with open(path, "w") as f:
        json.dump({"apps": [{"name": "leaky", "script": b.EXAMPLE, "args": [b.MARKER], "exec_mode": "cluster",
                             "instances": 1, "listen": "tcp://127.0.0.1:%d" % port, "wait_ready": True,
                             "max_memory_restart": "64M", "env": {"LEAK_MB_PER_SEC": "20"}}]}, f)
    b.cli_ok(d, "start", path)
    took = []
    for _ in range(2 if quick else 4):
        inst = b.instances_of(d.sock, "leaky")[0]
        pid = inst["pid"]
        strays.add(pid)
        crossed = None
        end = time.monotonic() + 30
        while crossed is None and time.monotonic() < end:
            r = rss_bytes(pid)
            if r is None:
                break
            if r > 64 << 20:
                crossed = time.time() * 1000
            time.sleep(0.002)
        if crossed is None:
            raise RuntimeError("the leaking instance was not seen crossing 64 MiB")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            now = b.instances_of(d.sock, "leaky")[0]
            if now.get("pid") not in (None, pid) and now.get("state") == "online":
                took.append(now["startedAtMs"] - crossed)
                strays.add(now["pid"])
                break
            time.sleep(0.01)
    out["recycle_ms"] = took
    d.stop()
    d.cleanup()
    return out


def section(res):
    m = res.get("monitoring")
    if not m:
        note = res.get("monitoring_note")
        return "\n## Monitoring\n\n" + (note or "not measured") + "\n"
    cpu = m["cpu200"]
    rec = m["recycle_ms"]
    lines = ["", "## Monitoring", "",
             "| figure | each repetition | median | target | pass |",
             "| --- | --- | --- | --- | --- |",
             "| daemon CPU while sampling 200 idle instances (1 sample/s), %% of one core | %s | %.2f %% | < 1 %% | %s |" % (
                 ", ".join("%.2f" % x for x in cpu), statistics.median(cpu), "PASS" if max(cpu) < 1.0 else "**FAIL**"),
             "| crossing `max_memory_restart` (64M, 20 MB/s leak, cluster mode) → replacement ready | %s ms | %.0f ms | ≤ 2000 ms | %s |" % (
                 ", ".join("%.0f" % x for x in rec), statistics.median(rec), "PASS" if rec and max(rec) <= 2000 else "**FAIL**"),
             "",
             "Method: 200 `/bin/sleep` instances under one daemon, its utime+stime over %s intervals; the leaking "
             "`example-server` (`LEAK_MB_PER_SEC=20`) watched by the harness every 2 ms from `/proc/PID/statm`, the "
             "replacement's `startedAtMs` (when it took the slot, ready) minus the moment the harness saw the crossing. "
             "Near its limit an instance is measured every 100 ms (docs/monitoring.md)." % ("5 s" if len(cpu) < 3 else "10 s"),
             ""]
    return "\n".join(lines)
