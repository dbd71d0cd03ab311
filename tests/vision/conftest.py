"""Fixtures for the scan tests: cameras that are always stopped, fake webcams
that can be unplugged, and a small deterministic QR corpus.

Fixture names carry the owner's prefix (``camera_``, ``scan_``) because another
engineer's liveness fixtures live in this folder too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from drivers.camera import CameraSource, CameraState
from drivers.camera_url import open_camera

WAIT_S = 10.0  # generous: the machine is shared and slow; tests poll, never sleep


def wait_for(predicate: Callable[[], Any], what: str, timeout_s: float = WAIT_S) -> Any:
    """Poll ``predicate`` until truthy; fail the test with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.005)


class StateLog:
    """Records a camera's state changes; ``wait_seen`` polls for a sequence."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.states: list[CameraState] = []

    def __call__(self, old: CameraState, new: CameraState) -> None:
        with self._lock:
            self.states.append(new)

    def snapshot(self) -> list[CameraState]:
        with self._lock:
            return list(self.states)

    def wait_seen(self, *sequence: CameraState, start: int = 0) -> int:
        """Wait until ``sequence`` occurs in order (not necessarily adjacent);
        returns the position after its last element."""

        def find() -> int | None:
            states, pos = self.snapshot(), start
            for want in sequence:
                try:
                    pos = states.index(want, pos) + 1
                except ValueError:
                    return None
            return pos

        return wait_for(find, f"states {[s.value for s in sequence]} (saw {self.snapshot()})")


def _camera_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t.is_alive() and t.name.endswith(("-reader", "-supervisor"))]


@pytest.fixture
def camera_open() -> Iterator[Callable[..., CameraSource]]:
    """``camera_open(url, **options)`` -> a started camera, stopped at teardown.

    Fails the test if any camera thread is still alive after teardown.
    """
    opened: list[CameraSource] = []

    def _open(url: str, start: bool = True, **options: Any) -> CameraSource:
        options.setdefault("stall_timeout_s", 0.5)
        options.setdefault("reopen_backoff_s", (0.02, 0.1))
        cam = open_camera(url, **options)
        opened.append(cam)
        if start:
            cam.start()
        return cam

    before = set(_camera_threads())
    yield _open
    for cam in opened:
        cam.stop()
    leaked = [t.name for t in _camera_threads() if t not in before]
    if leaked:
        pytest.fail(f"camera threads left running: {leaked}")


class FakeWebcam:
    """The physical camera behind a fake ``cv2.VideoCapture``: plug/unplug it.

    When unplugged, an open capture misbehaves the way real drivers do
    (``mode``): ``repeat`` returns the last frame forever, ``block`` hangs in
    read() until released, ``fail`` returns (False, None). New openings fail
    while unplugged.
    """

    def __init__(self, mode: str = "repeat", fps: float = 60.0, shape=(120, 160, 3)) -> None:
        self.mode = mode
        self.period_s = 1.0 / fps
        self.shape = shape
        self.plugged = True
        self.opens = 0
        self.captures: list[FakeVideoCapture] = []

    def __call__(self, src: Any) -> FakeVideoCapture:
        self.opens += 1
        cap = FakeVideoCapture(self, opened=self.plugged)
        self.captures.append(cap)
        return cap


class FakeVideoCapture:
    def __init__(self, cam: FakeWebcam, opened: bool) -> None:
        self._cam = cam
        self._opened = opened
        self._released = threading.Event()
        self._n = 0
        self._last = np.zeros(cam.shape, np.uint8)

    def isOpened(self) -> bool:  # noqa: N802 - cv2's spelling
        return self._opened

    def set(self, prop: int, value: float) -> bool:
        return True

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self._released.wait(self._cam.period_s):  # frame pacing, cut short by release()
            return False, None
        if self._cam.plugged and self._opened:
            self._n += 1
            image = np.full(self._cam.shape, self._n % 251, np.uint8)
            self._last = image
            return True, image
        if self._cam.mode == "repeat":
            return True, self._last.copy()
        if self._cam.mode == "block":
            self._released.wait()
            return False, None
        return False, None

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def camera_webcam() -> Callable[..., FakeWebcam]:
    return FakeWebcam


@pytest.fixture
def camera_wait() -> Callable[..., Any]:
    """``camera_wait(predicate, what, timeout_s=WAIT_S)``: poll with a deadline."""
    return wait_for


@pytest.fixture
def camera_states() -> Callable[[], StateLog]:
    return StateLog


@pytest.fixture(scope="session")
def scan_corpus():
    """40 generated scenes, deterministic (difficulty spread over [0, 1])."""
    from vision.synth.scenes import build_corpus

    return build_corpus(40, seed=5)


@pytest.fixture
def scan_decoder():
    """The kiosk decoder with no time budget, so results do not depend on load."""
    from vision.qr import QrDecoder

    return QrDecoder(budget_ms=1e9, track=False)
