#!/usr/bin/env python3
"""A Python instance on swiftpm2's IPC channel (docs/messages.md), standard library only.

Run with "ipc": true: it declares the action `py-hello`, answers actions and pings, and echoes
every message back, like example-messenger. MESSENGER_SILENT=1 makes it never answer actions.
"""

import json
import os
import signal
import socket
import sys
import threading
import time

MAX_LINE = 65536  # bytes, newline not counted
STARTED = time.monotonic()
SILENT = os.environ.get("MESSENGER_SILENT") == "1"

write_lock = threading.Lock()  # one line at a time, should threads ever send


def say(text):
    print(f"messenger.py pid {os.getpid()}: {text}", flush=True)


def send(channel, obj):
    line = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    if len(line) > MAX_LINE:
        raise ValueError(f"a message of {len(line)} bytes is over the line limit")
    with write_lock:
        channel.sendall(line)


def health():
    return {"pid": os.getpid(), "healthy": True, "uptimeMs": int((time.monotonic() - STARTED) * 1000)}


def py_hello(data):
    return {"hello": "from python", "pid": os.getpid(), "got": data}


ACTIONS = {"py-hello": py_hello, "health": lambda data: health()}


def handle(channel, msg):
    kind = msg.get("type")
    if kind == "ping" and isinstance(msg.get("id"), str):
        send(channel, {"type": "pong", "id": msg["id"], "data": health()})
    elif kind == "action" and isinstance(msg.get("id"), str):
        if SILENT:
            return
        handler = ACTIONS.get(msg.get("action"))
        if handler is None:
            send(channel, {"type": "reply", "id": msg["id"], "data": None, "error": "unknown action"})
            return
        try:
            send(channel, {"type": "reply", "id": msg["id"], "data": handler(msg.get("data"))})
        except Exception as error:  # the action failed: say so rather than leave trigger waiting
            send(channel, {"type": "reply", "id": msg["id"], "data": None, "error": str(error)})
    elif kind == "message":
        echo = {"echo": msg.get("data"), "pid": os.getpid()}
        send(channel, {"type": "message", "data": echo})
        if isinstance(msg.get("id"), str):
            send(channel, {"type": "reply", "id": msg["id"], "data": echo})
    # other types: ignored (forward compatibility)


def lines(channel):
    """Yields the lines (without "\\n") until the daemon's end closes; drops too-long ones."""
    pending, skipping = b"", False
    while True:
        chunk = channel.recv(65536)
        if not chunk:
            return
        *complete, rest = chunk.split(b"\n")
        for part in complete:
            if not skipping and len(pending) + len(part) <= MAX_LINE:
                yield pending + part
            pending, skipping = b"", False
        if not skipping:
            pending += rest
            if len(pending) > MAX_LINE:
                pending, skipping = b"", True


def main():
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda *_: sys.exit(0))
    # A parent may have left them blocked (posix_spawn keeps the signal mask).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    fd = os.environ.get("SWIFTPM2_IPC_FD")
    if fd is None:
        say('no SWIFTPM2_IPC_FD (start it with "ipc": true); sleeping')
        while True:
            signal.pause()
    channel = socket.socket(fileno=int(fd))
    channel.setblocking(True)  # the fd may come non-blocking; this file description is ours
    channel.set_inheritable(False)  # programs this one runs must not keep the channel open
    send(channel, {"type": "actions", "actions": sorted(ACTIONS)})
    say(f"serving actions {sorted(ACTIONS)}" + (" (silent)" if SILENT else ""))
    for line in lines(channel):
        try:
            msg = json.loads(line)
        except ValueError:
            continue  # not JSON: dropped
        if isinstance(msg, dict):
            try:
                handle(channel, msg)
            except (OSError, ValueError) as error:
                say(f"cannot answer: {error}")
    say("the daemon closed the channel")
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
