"""Run the service: in this process (``BackendServer``, tests and tools) or as
a child process (``spawn``, the kiosk's demo mode).

Both bind the socket before serving, so ``port=0`` gets a free port that is
known at once, and both return only once the server accepts connections.
Given a certificate and its key (PEM) both serve HTTPS, and their URLs say so.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn

from backend.app import Built, build
from backend.errors import StartupError

_START_TIMEOUT_S = 30.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets
    # whose proto is IPPROTO_TCP, and without it Nagle + delayed ACK add
    # ~40 ms to every keep-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, tls: bool = False) -> str:
    host, port = sock.getsockname()[:2]
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def check_tls(cert_file: str | None, key_file: str | None) -> bool:
    """True if the service is to serve HTTPS; a ``StartupError`` if the pair is
    incomplete or does not load.

    uvicorn would only find out inside its serving thread (an in-process server
    then never starts, a process dies with a traceback): load the pair here,
    before anything binds, so the operator reads one line naming the files.
    """
    if not cert_file and not key_file:
        return False
    if not cert_file or not key_file:
        raise StartupError("--tls-cert and --tls-key go together: give both or neither")
    for what, path in (("certificate", cert_file), ("key", key_file)):
        if not os.access(path, os.R_OK) or not Path(path).is_file():
            raise StartupError(f"TLS {what} {path} is not a readable file")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # An encrypted key would make OpenSSL prompt on the terminal: answer
        # with no password instead, so it fails here like any unusable key.
        ctx.load_cert_chain(cert_file, key_file, password=lambda: b"")
    except OSError as exc:  # ssl.SSLError is an OSError too
        reason = getattr(exc, "reason", None)
        why = {"KEY_VALUES_MISMATCH": "the key is not the certificate's"}.get(
            reason or "", "they are not a PEM certificate and its unencrypted PEM key")
        raise StartupError(f"TLS certificate {cert_file} with key {key_file} is not usable: "
                           f"{why} ({reason or exc})") from None
    return True


def uvicorn_config(app: Any, log_level: str = "warning", tls_cert: str | None = None,
                   tls_key: str | None = None) -> uvicorn.Config:
    # One event loop and the default thread pool per process: on SQLite the
    # database serialises writes anyway; on PostgreSQL more processes are
    # replicas (--workers N, backend/supervisor.py).
    # log_config=None: uvicorn's records go through the hosting process's own
    # logging setup (kiosk-backend's installs the redacting filter), not
    # handlers of uvicorn's that nothing filters.
    return uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                          timeout_keep_alive=30, backlog=512, log_config=None,
                          ssl_certfile=tls_cert, ssl_keyfile=tls_key)


class BackendServer:
    """The service on loopback in a background thread.

    >>> with BackendServer("sqlite:///tmp/x.db") as srv:
    ...     requests.get(srv.url + "/v1/health")

    With ``tls_cert`` and ``tls_key`` (PEM files) it serves HTTPS and ``url``
    is an ``https://`` URL.
    """

    def __init__(self, db_url: str, seed: str | None = "demo", port: int = 0,
                 host: str = "127.0.0.1", pass_key_path: str | None = None,
                 tower: str = "T1", clock: Any = None, log_level: str = "warning",
                 judge_workers: int = 1, tls_cert: str | None = None,
                 tls_key: str | None = None, auth_throttle: bool = True,
                 metrics_access: Any = None) -> None:
        self.db_url, self.seed, self.port, self.host = db_url, seed, port, host
        self.metrics_access = metrics_access  # backend.metrics.MetricsAccess; default loopback
        self.auth_throttle = auth_throttle
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.judge_workers = judge_workers
        self.pass_key_path, self.tower, self.clock = pass_key_path, tower, clock
        self.log_level = log_level
        self.url = ""
        self.built: Built | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def service(self):
        return self.built.service if self.built else None

    @property
    def db(self):
        return self.built.db if self.built else None

    def start(self) -> BackendServer:
        if self._thread is not None:
            raise StartupError("already started")
        tls = check_tls(self.tls_cert, self.tls_key)
        self.built = build(self.db_url, seed=self.seed, pass_key_path=self.pass_key_path,
                           clock=self.clock, default_tower=self.tower,
                           judge_workers=self.judge_workers,
                           auth_throttle=self.auth_throttle,
                           metrics_access=self.metrics_access)
        self._sock = bind_socket(self.host, self.port)
        self.url = url_of(self._sock, tls)
        self._server = uvicorn.Server(uvicorn_config(self.built.app, self.log_level,
                                                     self.tls_cert, self.tls_key))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]},
                                        name=f"backend-{self._sock.getsockname()[1]}",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise StartupError("the backend did not start listening")
            time.sleep(0.01)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise StartupError("the backend thread did not stop")
        if self._sock is not None:
            self._sock.close()
        if self.built is not None:
            self.built.judge.shutdown()  # also done by the app's lifespan; idempotent
            self.built.db.dispose()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> BackendServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def spawn(db_url: str, seed: str | None = "demo", port: int = 0, host: str = "127.0.0.1",
          pass_key_path: str | None = None, tower: str = "T1",
          python: str = sys.executable, extra_args: Sequence[str] = (),
          timeout_s: float = _START_TIMEOUT_S,
          stderr: Any = None) -> tuple[subprocess.Popen, str]:
    """Start ``python -m backend`` and wait for its ``{"listening": URL}`` line.

    The caller owns the process: ``proc.terminate(); proc.wait()``. Its stdout
    carries only that line; logs go to ``stderr`` (inherited by default).
    """
    cmd = [python, "-m", "backend", "--db", db_url, "--port", str(port), "--host", host,
           "--tower", tower, "--seed", seed or "none", *extra_args]
    if pass_key_path:
        cmd += ["--pass-key", str(pass_key_path)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
                            env=env)
    try:
        return proc, _wait_listening(proc, timeout_s)
    except BaseException:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        raise


def _wait_listening(proc: subprocess.Popen, timeout_s: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError("the backend did not report listening in time")
            if not sel.select(timeout=min(left, 0.5)):
                if proc.poll() is not None:
                    raise StartupError(f"the backend exited with code {proc.returncode}")
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                proc.wait(timeout=5)
                raise StartupError(f"the backend exited with code {proc.returncode}")
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and isinstance(msg.get("listening"), str):
                    return msg["listening"]
