"""A soak stopped early (SIGTERM, Ctrl-C) stops what it started and reports.

Python's default SIGTERM ends the process at once: ``finally`` blocks never
ran, and the soak's backend, judge workers and lift simulator were left
running as orphans (seen when a long run was stopped by hand). The stack and
the kiosk are fakes here: what is tested is the supervisor's own clean-up;
the tiny real soak in ``test_soak.py`` covers the real processes.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import pytest

from ui.soak.supervisor import Interrupted, Soak, stop_on_sigterm


class _Kiosk:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def stop(self) -> None:
        self.calls.append("kiosk.stop")


def _soak(tmp_path: Any, calls: list[str], interrupt_at: int,
          interrupt: Any) -> Soak:
    soak = Soak(5, False, 7, tmp_path)
    soak.stack.start = lambda: calls.append("stack.start")  # type: ignore[method-assign]
    soak.stack.stop = lambda: calls.append("stack.stop")  # type: ignore[method-assign]
    soak.stack.kiosk_config = lambda data_dir: {}  # type: ignore[method-assign]

    def start_kiosk(first: bool = False) -> None:
        soak.kiosk = _Kiosk(calls)  # type: ignore[assignment]

    def journey(i: int) -> None:
        if i == interrupt_at:
            interrupt()
        soak.outcomes["handover"] += 1
        calls.append(f"journey {i}")

    soak._start_kiosk = start_kiosk  # type: ignore[method-assign]
    soak._journey = journey  # type: ignore[method-assign]
    soak.report = lambda hours: {"journeys": sum(soak.outcomes.values())}  # type: ignore[method-assign]
    return soak


def test_sigterm_stops_the_kiosk_and_the_stack_and_reports_the_journeys_done(tmp_path):
    calls: list[str] = []
    soak = _soak(tmp_path, calls, 2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_sigterm():
        report = soak.run()
    assert report == {"journeys": 2, "interrupted": "SIGTERM"}
    assert calls == ["stack.start", "journey 0", "journey 1", "kiosk.stop", "stack.stop"]
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back


def test_ctrl_c_also_stops_everything(tmp_path):
    calls: list[str] = []

    def ctrl_c() -> None:
        raise KeyboardInterrupt

    report = _soak(tmp_path, calls, 1, ctrl_c).run()
    assert report == {"journeys": 1, "interrupted": "SIGINT"}
    assert calls[-2:] == ["kiosk.stop", "stack.stop"]


def test_a_fault_mid_strike_heals_before_the_stack_stops(tmp_path):
    """A backend-kill strike restarts the backend a few seconds after the
    kill: stopping the stack before it finished would leave that new backend
    running."""
    calls: list[str] = []
    healed = threading.Event()
    soak: Soak

    def strike() -> None:
        healed.wait(5.0)
        calls.append("fault healed")

    def interrupt() -> None:
        soak._striking = threading.Thread(target=strike, daemon=True)
        soak._striking.start()
        threading.Timer(0.2, healed.set).start()
        raise Interrupted("SIGTERM")

    soak = _soak(tmp_path, calls, 0, interrupt)
    report = soak.run()
    assert report["interrupted"] == "SIGTERM"
    assert calls == ["stack.start", "fault healed", "kiosk.stop", "stack.stop"]


def test_a_second_sigterm_does_not_cut_the_clean_up_short(tmp_path):
    calls: list[str] = []
    soak = _soak(tmp_path, calls, 0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    soak.stack.stop = lambda: (os.kill(os.getpid(), signal.SIGTERM),  # type: ignore[method-assign]
                               calls.append("stack.stop"))
    with stop_on_sigterm():
        report = soak.run()
    assert report["interrupted"] == "SIGTERM"
    assert calls[-1] == "stack.stop"


def test_outside_the_main_thread_no_handler_is_set():
    seen: list[Any] = []

    def body() -> None:
        with stop_on_sigterm():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen == [before]


@pytest.fixture(autouse=True)
def _sigterm_restored():
    before = signal.getsignal(signal.SIGTERM)
    yield
    assert signal.getsignal(signal.SIGTERM) == before
