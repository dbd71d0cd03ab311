"""LatestFrameLoop: newest frame only, errors do not stop it, stop() joins."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass

import pytest

from vision.loop import LatestFrameLoop

DEADLINE_S = 5.0


@dataclass(frozen=True)
class _Frame:
    index: int
    image: object = None
    t_mono: float = 0.0


class _PolledSource:
    """Only ``latest()``: the loop must poll it."""

    def __init__(self) -> None:
        self._frame: _Frame | None = None
        self._lock = threading.Lock()

    def publish(self, index: int) -> None:
        with self._lock:
            self._frame = _Frame(index, t_mono=time.monotonic())

    def latest(self) -> _Frame | None:
        with self._lock:
            return self._frame


class _SignallingSource(_PolledSource):
    """Also ``wait_newer()``, like drivers.camera.CameraSource."""

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition(self._lock)

    def publish(self, index: int) -> None:
        with self._cond:
            self._frame = _Frame(index, t_mono=time.monotonic())
            self._cond.notify_all()

    def wait_newer(self, after_index: int, timeout_s: float) -> _Frame | None:
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None and self._frame.index > after_index,
                                timeout_s)
            return self._frame


def _wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


@pytest.fixture(params=[_PolledSource, _SignallingSource], ids=["polled", "signalling"])
def scan_source(request):
    return request.param()


def test_loop_drops_stale_frames(scan_source):
    gate = threading.Event()
    entered: queue.Queue[int] = queue.Queue()
    results: list[int] = []

    def process(frame: _Frame) -> int:
        entered.put(frame.index)
        if frame.index == 1:
            gate.wait(DEADLINE_S)  # hold the worker while frames pile up
        return frame.index

    loop = LatestFrameLoop(scan_source, process, results.append)
    with loop:
        scan_source.publish(1)
        assert entered.get(timeout=DEADLINE_S) == 1
        for i in range(2, 7):
            scan_source.publish(i)
        gate.set()
        assert entered.get(timeout=DEADLINE_S) == 6  # 2..5 were never processed
        _wait_until(lambda: results == [1, 6], "both results")
    assert loop.skipped == 4
    assert loop.processed == 2
    assert not loop.running


def test_loop_never_processes_a_frame_twice(scan_source):
    seen: list[int] = []
    loop = LatestFrameLoop(scan_source, lambda f: f.index, seen.append)
    with loop:
        scan_source.publish(1)
        _wait_until(lambda: seen == [1], "first frame")
        # No new frame: give the worker a chance to (wrongly) reprocess by
        # publishing a later frame and checking nothing came in between.
        scan_source.publish(2)
        _wait_until(lambda: len(seen) >= 2, "second frame")
    assert seen == [1, 2]


def test_loop_reports_errors_and_keeps_going(scan_source):
    errors: list[BaseException] = []
    results: list[int] = []

    def process(frame: _Frame) -> int:
        if frame.index == 1:
            raise ValueError("bad frame")
        return frame.index

    with LatestFrameLoop(scan_source, process, results.append, errors.append):
        scan_source.publish(1)
        _wait_until(lambda: errors, "the error")
        scan_source.publish(2)
        _wait_until(lambda: results == [2], "the next result")
    assert isinstance(errors[0], ValueError)


def test_loop_survives_a_failing_error_handler(scan_source):
    results: list[int] = []

    def bad_handler(exc: BaseException) -> None:
        raise RuntimeError("handler broke")

    def process(frame: _Frame) -> int:
        if frame.index == 1:
            raise ValueError("bad frame")
        return frame.index

    with LatestFrameLoop(scan_source, process, results.append, bad_handler):
        scan_source.publish(1)
        scan_source.publish(2)
        scan_source.publish(3)
        _wait_until(lambda: results and results[-1] == 3, "a later result")


def test_loop_measures_fps_and_stops_cleanly(scan_source):
    done = threading.Event()
    count = [0]

    def on_result(_: int) -> None:
        count[0] += 1
        if count[0] >= 5:
            done.set()

    loop = LatestFrameLoop(scan_source, lambda f: f.index, on_result)
    loop.start()
    loop.start()  # idempotent: still one worker
    try:
        i = 0
        while not done.is_set():
            i += 1
            scan_source.publish(i)
            done.wait(0.01)  # pace the producer like a camera; not a sync point
            if i > 10_000:
                pytest.fail("loop never produced 5 results")
        assert loop.fps > 0
    finally:
        loop.stop()
    assert not loop.running
    loop.stop()  # stopping twice is harmless


def test_loop_reports_nothing_after_stop(scan_source):
    gate = threading.Event()
    entered = threading.Event()
    results: list[int] = []

    def process(frame: _Frame) -> int:
        entered.set()
        gate.wait(DEADLINE_S)
        return frame.index

    loop = LatestFrameLoop(scan_source, process, results.append)
    loop.start()
    scan_source.publish(1)
    assert entered.wait(DEADLINE_S)
    stopper = threading.Thread(target=loop.stop)
    stopper.start()
    _wait_until(lambda: loop._stop.is_set(), "stop requested")
    gate.set()
    stopper.join(DEADLINE_S)
    assert not loop.running
    assert results == []
