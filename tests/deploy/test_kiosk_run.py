"""``kiosk run`` end to end as a service would run it (offscreen, real backend
and tower simulator): the first-screen hook the start-up benchmark uses, and
READY / WATCHDOG pings to a fake NOTIFY_SOCKET, then a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.startup import EXIT_ENV, one_start, write_config
from kiosk.procs import cli_command

# The demo stack is shared by the module; its threads are checked at the end.
pytestmark = pytest.mark.allow_threads


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Iterator[Path]:
    from sim.demo import DemoStack

    before = set(threading.enumerate())
    work = tmp_path_factory.mktemp("run")
    with DemoStack(work / "stack") as stack:
        stack.actor.member()  # its background build must not outlive the module
        yield write_config(work / "kiosk.toml", stack, work)
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == [], f"demo stack left threads: {[t.name for t in left]}"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", EXIT_ENV):
        if key not in extra:
            env.pop(key, None)
    return env


def test_first_screen_marker_then_a_clean_exit(config, tmp_path):
    argv = cli_command("run", "--windowed", "--config", str(config))
    result = one_start(argv, _env(**{EXIT_ENV: "1"}), tmp_path)
    assert result["exit"] == 0 and result["ms"] > 0


def test_service_mode_reports_ready_pings_and_stops_on_sigterm(config, tmp_path, manager):
    # Kiosk mode (locked down, full screen) as under systemd: no --windowed.
    env = _env(NOTIFY_SOCKET=manager.address, WATCHDOG_USEC="1000000",
               KIOSK_KIOSK__KIOSK_MODE="true")
    proc = subprocess.Popen(cli_command("run", "--config", str(config)), env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        seen = manager.wait_for("READY=1", timeout_s=120)
        assert any(f"MAINPID={proc.pid}" in m.splitlines() for m in seen)
        pings = 0
        deadline = time.monotonic() + 60
        while pings < 2 and time.monotonic() < deadline:
            pings += sum(m == "WATCHDOG=1" for m in manager.messages(0.2))
        assert pings >= 2, "the GUI timer never pinged the watchdog"
        proc.send_signal(signal.SIGTERM)
        manager.wait_for("STOPPING=1", timeout_s=60)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
