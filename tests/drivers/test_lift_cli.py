"""``kiosk lift`` against ``kiosk-liftsim --pty``, both as real subprocesses."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
FAST = ["--travel-s", "0.02", "--door-s", "0.02", "--transfer-s", "0.02"]


@pytest.fixture
def liftsim() -> Iterator[Callable[..., str]]:
    """``start(*flags) -> pty path``; ``start.procs[-1]`` is the simulator's process."""
    procs: list[subprocess.Popen[str]] = []

    def start(*flags: str) -> str:
        proc = subprocess.Popen([str(BIN / "kiosk-liftsim"), "--pty", *FAST, *flags],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20.0)
        assert ready, "kiosk-liftsim printed nothing"
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/"), path
        return path

    start.procs = procs  # type: ignore[attr-defined]
    yield start
    for proc in procs:
        proc.terminate()
        try:
            assert proc.wait(timeout=10) == 0  # SIGTERM is a clean stop
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def kiosk_lift(port: str, *args: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run([str(BIN / "kiosk"), "lift", "--port", port, "--timeout", "10", *args],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    return done.returncode, json.loads(last), done.stderr


def test_move_done_then_duplicate(liftsim) -> None:
    port = liftsim()
    code, out, _ = kiosk_lift(port, "bays")
    assert code == 0 and out["delivery_bays"] == [101, 102]
    assert {"id": 7, "occupied": True} in out["bays"]
    assert {"id": 101, "occupied": False} in out["bays"]
    t0 = time.monotonic()
    code, out, _ = kiosk_lift(port, "move", "--job", "3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3",
                              "--from", "7", "--to", "101")
    assert (code, out["result"], out["car_moved"]) == (0, "done", True), out
    code, again, _ = kiosk_lift(port, "move", "--job", "3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3",
                                "--from", "7", "--to", "101")
    assert (code, again["result"], again["phase"]) == (0, "duplicate", "done")
    assert time.monotonic() - t0 < 60
    code, out, _ = kiosk_lift(port, "bays")
    assert {"id": 7, "occupied": False} in out["bays"]
    assert {"id": 101, "occupied": True} in out["bays"]
    code, status, _ = kiosk_lift(port, "status")
    assert code == 0 and status["state"] == "idle" and status["doors"]["101"] == "open"
    code, door, _ = kiosk_lift(port, "door", "close")
    assert (code, door["result"], door["bay"], door["door"]) == (0, "ok", 101, "closed")


def test_estop_fails_the_move_and_ack_fault_recovers(liftsim) -> None:
    port = liftsim("--estop-mid-move")
    code, out, _ = kiosk_lift(port, "move", "--job", "J-1", "--from", "13", "--to", "101")
    assert (code, out["result"], out["fault"], out["car_moved"]) == (1, "failed", "ESTOP", True)
    code, out, _ = kiosk_lift(port, "move", "--job", "J-2", "--from", "1", "--to", "102")
    assert code == 2 and out["reason"] == "LIFT_FAULT" and "error" in out
    code, out, _ = kiosk_lift(port, "ack-fault")  # the button is still pressed in
    assert code == 2 and out["reason"] == "LIFT_ESTOP_HELD" and "release" in out["error"]
    liftsim.procs[-1].send_signal(signal.SIGUSR2)  # someone releases it at the tower
    deadline = time.monotonic() + 30
    while (answer := kiosk_lift(port, "ack-fault"))[0] != 0:  # the signal lands in its own time
        assert answer[1]["reason"] == "LIFT_ESTOP_HELD"
        assert time.monotonic() < deadline, "ack-fault still refused after the release"
    code, out, _ = answer
    assert out["faults"] == []
    deadline = time.monotonic() + 30
    while kiosk_lift(port, "status")[1]["state"] != "idle":  # the car goes back to its bay
        assert time.monotonic() < deadline, "lift never idle after ack-fault"
    code, out, _ = kiosk_lift(port, "home")
    assert code == 0 and out["state"] == "idle" and out["level"] == 0


def test_errors_are_json_not_tracebacks(tmp_path: Path) -> None:
    code, out, _ = kiosk_lift(str(tmp_path / "no-tty"), "--timeout", "0.3", "status")
    assert code == 2 and out["reason"] == "LIFT_LINK_DOWN" and out["error"]
