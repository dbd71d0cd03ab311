"""Child processes of the kiosk (demo backend, tower simulator).

Children are started through the kiosk's own CLI (``kiosk serve-backend``,
``kiosk liftsim``) so the same call works from a source checkout
(``python -m cli ...``) and from the packaged executable (which is its
own interpreter). Each child prints one line when it is ready; ``spawn_cli``
waits for that line with a deadline and kills the child if it never comes.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from common.errors import KioskError, Reason


def cli_command(*args: str) -> list[str]:
    """The argv that runs ``kiosk <args>`` in a child process."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "cli", *args]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    # A child must never open a window or fight the GUI for the display.
    env.pop("DISPLAY", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


class Child:
    """A started child process and the first line it printed."""

    def __init__(self, name: str, proc: subprocess.Popen[bytes], first_line: str) -> None:
        self.name = name
        self.proc = proc
        self.first_line = first_line

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, line: str) -> None:
        """One line to the child's control stdin (see ``spawn_cli(control=True)``)."""
        if self.proc.stdin is None or self.proc.poll() is not None:
            raise KioskError(f"{self.name} takes no commands now", reason=Reason.INTERNAL)
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def spawn_cli(name: str, args: Sequence[str], *, timeout_s: float = 60.0,
              stderr_path: Path | None = None, control: bool = False) -> Child:
    """Start ``kiosk <args>`` and wait for its first stdout line.

    ``control``: keep a pipe to the child's stdin (``Child.send``)."""
    err = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        proc = subprocess.Popen(cli_command(*args), stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.PIPE if control else subprocess.DEVNULL,
                                env=_child_env(),
                                start_new_session=True)
    finally:
        if stderr_path:
            err.close()  # the child holds its own copy of the descriptor
    try:
        line = _first_line(proc, timeout_s)
    except BaseException:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        raise
    return Child(name, proc, line)


def _first_line(proc: subprocess.Popen[bytes], timeout_s: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KioskError("a helper process did not start in time",
                                 reason=Reason.INTERNAL, argv=proc.args)
            if not sel.select(timeout=min(left, 0.5)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    if b"\n" not in buf:
        proc.wait(timeout=5)
        raise KioskError(f"a helper process exited with code {proc.returncode}",
                         reason=Reason.INTERNAL, argv=proc.args)
    return buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
