"""The systemd watchdog: sd_notify over a fake NOTIFY_SOCKET, pings from the
GUI thread that stop when the GUI is frozen, and a frozen instance restarted
by a supervisor that behaves like systemd's WatchdogSec=."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.watchdog import Notifier, ping_interval_s, watchdog_period_s
from tests.deploy.conftest import FakeManager

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env, pid, expected", [
    ({}, 1, None),
    ({"WATCHDOG_USEC": ""}, 1, None),
    ({"WATCHDOG_USEC": "0"}, 1, None),
    ({"WATCHDOG_USEC": "junk"}, 1, None),
    ({"WATCHDOG_USEC": "-5"}, 1, None),
    ({"WATCHDOG_USEC": "20000000"}, 1, 20.0),
    ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"}, 1, 20.0),
    # Inherited by a child process: the watchdog is not ours to feed.
    ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "7"}, 1, None),
])
def test_watchdog_period_from_the_environment(env, pid, expected):
    assert watchdog_period_s(env, pid=pid) == expected


def test_pings_at_half_the_period_or_a_default():
    assert ping_interval_s({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(os.getpid())}) == 5
    assert ping_interval_s({}) > 0


def test_without_notify_socket_everything_is_a_quiet_no_op():
    n = Notifier(env={})
    assert not n.enabled
    assert not n.ready() and not n.ping() and not n.stopping()
    n.close()


@pytest.mark.parametrize("abstract", [False, True])
def test_messages_reach_the_manager(abstract):
    m = FakeManager(abstract=abstract)
    n = Notifier(env={"NOTIFY_SOCKET": m.address})
    try:
        assert n.enabled
        assert n.ready("up") and n.ping() and n.status("warming") and n.stopping()
        got = m.messages(5.0)
        assert got[0].splitlines()[0] == "READY=1" and "STATUS=up" in got[0].splitlines()
        assert f"MAINPID={os.getpid()}" in got[0].splitlines()
        assert got[1:] == ["WATCHDOG=1", "STATUS=warming", "STOPPING=1"]
    finally:
        n.close()
        m.close()


def test_a_vanished_manager_never_raises(manager):
    n = Notifier(env={"NOTIFY_SOCKET": manager.address + "-gone"})
    assert n.enabled and not n.ping() and n.failures == 1
    n.close()


def test_gui_thread_pings_stop_while_the_gui_is_frozen(qtbot, manager):
    from PySide6.QtWidgets import QWidget

    from ui.lockdown import FieldRuntime

    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    field = FieldRuntime(None, window, SimpleNamespace(),
                         env={"NOTIFY_SOCKET": manager.address,
                              "WATCHDOG_USEC": "200000", "WATCHDOG_PID": str(os.getpid())})
    try:
        got: list[str] = []
        qtbot.waitUntil(lambda: got.extend(manager.messages(0)) or
                        sum(m == "WATCHDOG=1" for m in got) >= 3, timeout=10_000)
        assert got[0].startswith("READY=1")

        # Freeze the GUI thread (as a deadlock would) while another thread listens.
        frozen, heard = threading.Event(), []

        def listen() -> None:
            frozen.wait(10)
            manager.messages(0)  # drop what was sent before the freeze
            heard.extend(manager.messages(1.0))  # 5 ping periods

        listener = threading.Thread(target=listen, name="listener")
        listener.start()
        frozen.set()
        listener.join(15)  # the GUI thread blocks here: no timer can fire
        assert not listener.is_alive()
        assert heard == []

        # Unfrozen, the pings resume on their own.
        qtbot.waitUntil(lambda: "WATCHDOG=1" in manager.messages(0.05), timeout=10_000)
    finally:
        field.stop()
    assert "STOPPING=1" in manager.wait_for("STOPPING=1")


def test_a_frozen_instance_is_restarted_by_the_supervisor(tmp_path):
    """systemd semantics (tools/sd_supervise.py): READY, pings, the GUI freezes,
    the pings stop, it is killed and started again; the second instance leaves
    through the staff exit, which is not restarted."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sd_supervise.py"), "--watchdog-s", "4",
         "--start-timeout-s", "60", "--max-starts", "3", "--restart-s", "0.1", "--",
         sys.executable, str(ROOT / "tests" / "deploy" / "frozen_app.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert kinds == ["start", "ready", "watchdog_timeout", "exit", "start", "ready", "exit",
                     "done"], proc.stdout + proc.stderr
    assert events[3]["code"] != 0  # killed by the watchdog
    assert events[6]["code"] == 64  # the staff exit: RestartPreventExitStatus
    assert "freezing the GUI thread" in proc.stdout
