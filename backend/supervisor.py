"""``kiosk-backend --workers N``: N service processes on one listening socket.

The supervisor (this process) migrates and seeds the database once, binds the
public socket and starts N ``python -m backend --inherit-fd FD`` children that
all accept on it: the kernel hands each new connection to one of them, so a
kiosk's keep-alive connection stays with one worker and the workers share
the load without a proxy. Each child is a full replica (its own event loop,
judge workers, database pool, and a private peer socket for the selfies it
judges, ``backend/replicas.py``). They share only the database, so this needs
PostgreSQL: SQLite takes one writing process per file.

``/metrics`` sums the counters of all children: they write them to files in a
directory the supervisor makes (``PROMETHEUS_MULTIPROC_DIR``) and removes.
A child that dies is started again; SIGTERM/SIGINT stop them all (exit 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from backend import __version__
from backend.db import redact_url
from backend.errors import StartupError
from backend.metrics import MULTIPROC_ENV

log = logging.getLogger(__name__)
_STOP_TIMEOUT_S = 30.0


def _child_args(args: argparse.Namespace, fd: int) -> list[str]:
    cmd = [sys.executable, "-m", "backend", "--db", args.db, "--inherit-fd", str(fd),
           "--seed", "none", "--host", args.host, "--tower", args.tower, "--judge-workers", str(args.judge_workers),
           "--log-level", args.log_level, "--peer-host", args.peer_host or "",
           "--metrics-allow", args.metrics_allow, "--workers", "1"]
    if args.demo or args.seed == "demo":
        cmd.append("--demo")
    for flag, value in (("--pass-key", args.pass_key), ("--tls-cert", args.tls_cert),
                        ("--tls-key", args.tls_key),
                        ("--metrics-token-file", args.metrics_token_file)):
        if value:
            cmd += [flag, value]
    return cmd


def _prepare(args: argparse.Namespace) -> None:
    """Migrate and seed once, before any child starts (they then skip both)."""
    from backend.db import Database

    if not args.db.startswith("postgresql"):
        raise StartupError("--workers N needs PostgreSQL (postgresql+psycopg://...): "
                           "SQLite takes one service process per database file")
    try:
        db = Database(args.db)
        try:
            db.migrate()
            if args.seed == "demo":
                from backend.seed import seed_demo

                seed_demo(db)
        finally:
            db.dispose()
    except Exception as exc:  # noqa: BLE001 - reported as one clear start-up error
        raise StartupError(f"database postgresql: {exc}") from exc


def supervise(args: argparse.Namespace) -> int:
    from backend.server import _wait_listening, bind_socket, check_tls, url_of

    try:
        tls = check_tls(args.tls_cert, args.tls_key)
        _prepare(args)
        sock = bind_socket(args.host, args.port)
    except StartupError as exc:
        print(f"kiosk-backend: {exc}", file=sys.stderr)
        return 2
    url = url_of(sock, tls)
    metrics_dir = tempfile.mkdtemp(prefix="kiosk-backend-metrics-")
    env = dict(os.environ)
    env[MULTIPROC_ENV] = metrics_dir
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    cmd = _child_args(args, sock.fileno())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                                pass_fds=(sock.fileno(),))
        try:
            _wait_listening(proc, 120.0)
        except StartupError:
            proc.kill()
            proc.wait()
            raise
        return proc

    procs: list[subprocess.Popen] = []
    try:
        try:
            for _ in range(args.workers):
                procs.append(start())
        except StartupError as exc:
            print(f"kiosk-backend: a worker did not start: {exc}", file=sys.stderr)
            return 2
        sys.stdout.write(json.dumps({
            "listening": url, "pid": os.getpid(), "workers": args.workers,
            "worker_pids": [p.pid for p in procs], "db": redact_url(args.db),
            "version": __version__, "openapi": url + "/openapi.json"}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            for i, p in enumerate(procs):
                if p.poll() is not None and not stop.is_set():
                    log.error("worker %d exited with %s: starting it again", p.pid,
                              p.returncode)
                    _close(p)
                    try:
                        procs[i] = start()
                    except StartupError as exc:
                        log.error("worker restart failed: %s", exc)
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            _close(p)
        sock.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _close(p: subprocess.Popen) -> None:
    if p.stdout is not None:
        p.stdout.close()
