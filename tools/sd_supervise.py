"""A tiny stand-in for systemd's ``Type=notify`` + ``WatchdogSec=`` + ``Restart=always``.

    python tools/sd_supervise.py --watchdog-s 4 --max-starts 3 -- dist/kiosk/kiosk run

Runs the command with ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC`` set, like
systemd does, and restarts it when it exits or when its ``WATCHDOG=1`` pings
stop for ``--watchdog-s`` (after ``READY=1``; before it, ``--start-timeout-s``
applies). Exit statuses listed with ``--prevent`` (default 2 = bad config,
64 = staff exit) end supervision, as ``RestartPreventExitStatus=`` does.

For development machines without systemd and for the watchdog test. Each
event is a JSON line on stdout: start, ready, watchdog_timeout,
start_timeout, exit, done. Linux only (unix datagram sockets).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

START_ENV = "SD_SUPERVISE_START"  # 1 for the first start, 2 after the first restart...


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, "t": round(time.monotonic(), 3), **fields}), flush=True)


def _kill(proc: subprocess.Popen[bytes], grace_s: float = 3.0) -> int:
    """SIGABRT first (systemd's watchdog signal; a core for post-mortems), then SIGKILL."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGABRT)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.wait()


def supervise(cmd: list[str], watchdog_s: float, start_timeout_s: float, max_starts: int,
              prevent: set[int], restart_s: float) -> int:
    folder = Path(tempfile.mkdtemp(prefix="sdsup-"))
    path = folder / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    starts, code = 0, 0
    try:
        while not stopping and starts < max_starts:
            starts += 1
            env = dict(os.environ, NOTIFY_SOCKET=str(path),
                       WATCHDOG_USEC=str(int(watchdog_s * 1_000_000)), **{START_ENV: str(starts)})
            proc = subprocess.Popen(cmd, env=env, start_new_session=True)
            emit("start", n=starts, pid=proc.pid)
            code = _watch(proc, sock, watchdog_s, start_timeout_s, lambda: stopping)
            emit("exit", n=starts, code=code)
            if code in prevent:
                break
            if not stopping and starts < max_starts:
                time.sleep(restart_s)  # RestartSec=: do not spin on a crash loop
    finally:
        sock.close()
        shutil.rmtree(folder, ignore_errors=True)
    emit("done", starts=starts, code=code)
    return 0


def _watch(proc: subprocess.Popen[bytes], sock: socket.socket, watchdog_s: float,
           start_timeout_s: float, stopping: Any) -> int:
    ready = False
    deadline = time.monotonic() + start_timeout_s
    while True:
        if stopping():
            return _kill(proc)
        if proc.poll() is not None:
            return proc.returncode
        left = deadline - time.monotonic()
        if left <= 0:
            emit("watchdog_timeout" if ready else "start_timeout", pid=proc.pid)
            return _kill(proc)
        sock.settimeout(min(left, 0.2))
        try:
            data = sock.recv(4096).decode("utf-8", "replace")
        except TimeoutError:
            continue
        fields = dict(line.split("=", 1) for line in data.splitlines() if "=" in line)
        if fields.get("READY") == "1" and not ready:
            ready = True
            emit("ready", pid=proc.pid, status=fields.get("STATUS"))
            deadline = time.monotonic() + watchdog_s
        if fields.get("WATCHDOG") == "1" and ready:
            deadline = time.monotonic() + watchdog_s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--watchdog-s", type=float, default=10.0)
    p.add_argument("--start-timeout-s", type=float, default=90.0)
    p.add_argument("--max-starts", type=int, default=1_000_000)
    p.add_argument("--restart-s", type=float, default=0.5)
    p.add_argument("--prevent", default="2,64", help="exit statuses that end supervision")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        p.error("no command given")
    prevent = {int(x) for x in args.prevent.split(",") if x.strip()}
    return supervise(cmd, args.watchdog_s, args.start_timeout_s, args.max_starts, prevent,
                     args.restart_s)


if __name__ == "__main__":
    sys.exit(main())
