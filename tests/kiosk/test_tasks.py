"""The task runner delivers results and errors through the poster."""

from __future__ import annotations

import threading

import pytest

from common.errors import KioskError, Reason
from kiosk.tasks import CallbackQueue, TaskRunner


@pytest.fixture
def runner():
    q = CallbackQueue()
    errors: list[KioskError] = []
    r = TaskRunner(q, presenter=errors.append)
    yield r, q, errors
    r.shutdown()


def drain_until(q: CallbackQueue, cond, timeout_s: float = 10.0) -> None:
    import time
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "callback never arrived"
        q.drain(timeout_s=0.05)


def test_result_arrives_on_the_draining_thread(runner):
    r, q, _ = runner
    got = []
    r.run("http", lambda: threading.current_thread().name,
          lambda name: got.append((name, threading.current_thread().name)))
    drain_until(q, lambda: got)
    worker, receiver = got[0]
    assert worker.startswith("task-http") and receiver == threading.current_thread().name


def test_unexpected_exception_reaches_the_presenter_as_kiosk_error(runner):
    r, q, errors = runner
    r.run("lift", lambda: 1 / 0)
    drain_until(q, lambda: errors)
    assert errors[0].reason is Reason.INTERNAL and errors[0].context["type"] == "ZeroDivisionError"


def test_on_error_gets_typed_error(runner):
    r, q, errors = runner
    got = []

    def boom():
        raise KioskError("down", reason=Reason.LIFT_LINK_DOWN, port="loop://")

    r.run("lift", boom, on_error=got.append)
    drain_until(q, lambda: got)
    assert got[0].reason is Reason.LIFT_LINK_DOWN and not errors


def test_device_lane_is_serial(runner):
    r, q, _ = runner
    order, active, overlap = [], [0], []
    lock = threading.Lock()
    gate = threading.Event()

    def job(i):
        def fn():
            with lock:
                active[0] += 1
                overlap.append(active[0])
            gate.wait(5)
            with lock:
                active[0] -= 1
            return i
        return fn

    for i in range(4):
        r.run("lift", job(i), order.append)
    gate.set()
    drain_until(q, lambda: len(order) == 4)
    assert order == [0, 1, 2, 3] and max(overlap) == 1


def test_shutdown_refuses_new_work():
    r = TaskRunner(CallbackQueue())
    r.shutdown()
    with pytest.raises(KioskError):
        r.run("http", lambda: 1)
