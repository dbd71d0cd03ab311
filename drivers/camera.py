"""Camera sources behind one interface, chosen by URL (like pyserial's ``serial_for_url``).

``drivers.camera_url.open_camera(url)`` returns a ``CameraSource`` (not started):

- ``device:0``, ``device:/dev/video0``, ``device:rtsp://...`` -- ``cv2.VideoCapture``
  (``device:0?w=1280&h=720&fps=30`` asks the driver for a mode);
- ``file:/path/video.mp4`` -- plays at the file's native fps; ``?loop=1`` loops;
- ``folder:/path/to/images`` -- cycles the images at ``?fps=N`` (default 5);
- ``synthetic:`` -- a moving test pattern, ``?fps=30&w=1280&h=720``; for tests,
  ``?stall_after=N&stall=repeat|block|fail`` makes the first opening stall after
  N frames the way an unplugged webcam does (a reopen recovers);
- anything added with ``register_scheme(name, factory)`` (the demo actor adds ``demo:``).

A ``CameraSource`` runs two threads: a reader that calls the capture's blocking
``read()`` and timestamps each new frame (with the capture's own time when it
knows when the picture was taken: ``read_stamped()``), and a supervisor that watches the age
of the newest frame. OpenCV may, after an unplug, return the last frame forever,
block in ``read()``, or fail every read: all three look the same from here (no
*new* frame for ``stall_timeout_s``), so the supervisor marks the camera
STALLED, releases the capture (which unblocks most backends), and reopens it
with exponential backoff: LIVE -> STALLED -> REOPENING -> LIVE, or FAILED after
``fail_after`` attempts in a row (it keeps retrying at the longest backoff, so a
replugged camera comes back by itself). ``on_state`` callbacks let the UI say so
and staff be alerted.

Only the latest frame is kept; nothing queues.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class CameraState(str, Enum):
    STOPPED = "stopped"  # not started, or stopped
    STARTING = "starting"  # first open, no frame yet
    LIVE = "live"
    STALLED = "stalled"  # no new frame for stall_timeout_s
    REOPENING = "reopening"
    FAILED = "failed"  # reopen failed fail_after times in a row; still retrying slowly
    ENDED = "ended"  # a finite source (file without loop) played to its end


@dataclass(frozen=True)
class Frame:
    """One captured image. Consumers must not modify ``image`` (it is shared)."""

    image: np.ndarray  # BGR uint8, HxWx3
    # When the picture was taken, on the time.monotonic() clock: the
    # capture's own stamp (read_stamped), else when read() returned it.
    t_mono: float
    index: int  # increases by one per new frame, across reopens


@dataclass(frozen=True)
class CameraStats:
    state: CameraState
    fps: float  # measured over the last frames
    last_frame_age_s: float | None  # None before the first frame
    reopen_count: int  # reopen attempts since start


class EndOfStream(Exception):  # a signal, like StopIteration
    """Raised by a finite capture's ``read()`` after its last frame."""


class Capture(Protocol):
    """One opening of a camera. ``read()`` blocks for about one frame period."""

    def read(self) -> np.ndarray | None:
        """The next image, or None when this read failed (may be transient)."""

    def release(self) -> None:
        """Free the device; must make a blocked ``read()`` return if possible."""


class StampedCapture(Capture, Protocol):
    """A capture that knows when each picture was taken (a camera in another
    process, a paced renderer): liveness measures motion against that time,
    and when read() returns is later by however long this process took to
    get round to it -- on a busy machine, far later."""

    def read_stamped(self) -> tuple[np.ndarray | None, float]:
        """``(image, t_mono)``: the next image (or None) and when it was taken."""


StateCallback = Callable[[CameraState, CameraState], None]

_FPS_WINDOW = 30
# A failed read is retried after this pause so a dead device does not spin a core.
_FAILED_READ_PAUSE_S = 0.01
# How long stop() or a reopen waits for a reader stuck in read().
_READER_JOIN_S = 1.0


class CameraSource:
    """A camera with a capture thread, stall detection and reopen-with-backoff.

    ``open_capture`` opens the device and returns a ``Capture`` or raises
    (``CameraError`` preferably; anything else also counts as a failed open).
    """

    def __init__(self, open_capture: Callable[[], Capture], *, name: str = "camera",
                 stall_timeout_s: float = 2.0,
                 reopen_backoff_s: tuple[float, float] = (0.25, 5.0),
                 fail_after: int = 5, detect_duplicates: bool = True,
                 nominal_fps: float | None = None) -> None:
        self.name = name
        self._open_capture = open_capture
        # A slow source (a folder at 0.5 fps) is not stalled between two frames.
        self.stall_timeout_s = max(stall_timeout_s, 3.0 / nominal_fps if nominal_fps else 0.0)
        self._backoff_min_s, self._backoff_max_s = reopen_backoff_s
        self._fail_after = max(1, fail_after)
        self._detect_duplicates = detect_duplicates
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._last_new_t: float | None = None
        self._frame_times: deque[float] = deque(maxlen=_FPS_WINDOW)
        self._next_index = 0
        self._state = CameraState.STOPPED
        self._reopen_count = 0
        self._callbacks: list[StateCallback] = []
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._capture: Capture | None = None
        self._ended = threading.Event()
        self._last_error: str | None = None

    # -- public interface ------------------------------------------------------
    def start(self) -> None:
        if self._supervisor is not None and self._supervisor.is_alive():
            return
        self._stop.clear()
        self._ended.clear()
        self._set_state(CameraState.STARTING)
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name=f"{self.name}-supervisor")
        self._supervisor.start()

    def stop(self) -> None:
        """Stop capturing and join both threads; the last frame stays readable."""
        self._stop.set()
        self._release_capture()
        for thread in (self._supervisor, self._reader):
            if thread is not None and thread is not threading.current_thread():
                thread.join(_READER_JOIN_S * 2)
                if thread.is_alive():
                    log.warning("%s: thread %s stuck in the driver; abandoned",
                                self.name, thread.name)
        self._supervisor = self._reader = None
        self._set_state(CameraState.STOPPED)

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def wait_newer(self, after_index: int, timeout_s: float) -> Frame | None:
        """The latest frame once its index exceeds ``after_index`` (or at timeout)."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._frame is not None and self._frame.index > after_index, timeout_s)
            return self._frame

    def stats(self) -> CameraStats:
        now = time.monotonic()
        with self._cond:
            times = list(self._frame_times)
            last = self._last_new_t
            state = self._state
            reopens = self._reopen_count
        fps = 0.0
        if len(times) >= 2 and now - times[-1] < self.stall_timeout_s:
            fps = (len(times) - 1) / max(times[-1] - times[0], 1e-9)
        return CameraStats(state=state, fps=fps,
                           last_frame_age_s=None if last is None else now - last,
                           reopen_count=reopens)

    @property
    def state(self) -> CameraState:
        with self._cond:
            return self._state

    @property
    def last_error(self) -> str | None:
        """Why the last open or read failed (for the staff health page)."""
        return self._last_error

    def on_state(self, callback: StateCallback) -> Callable[[], None]:
        """Call ``callback(old, new)`` on every state change (from a camera thread).

        Returns a function that unsubscribes it.
        """
        with self._cond:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._cond:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def __enter__(self) -> CameraSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state -------------------------------------------------------------------
    def _set_state(self, new: CameraState) -> None:
        with self._cond:
            old = self._state
            if old is new:
                return
            self._state = new
            callbacks = list(self._callbacks)
        level = logging.WARNING if new in (CameraState.STALLED, CameraState.FAILED) else logging.INFO
        log.log(level, "camera %s: %s -> %s", self.name, old.value, new.value)
        for cb in callbacks:
            try:
                cb(old, new)
            except Exception:  # noqa: BLE001 - a listener must not take the camera down
                log.exception("camera %s: state callback failed", self.name)

    # -- reader thread -------------------------------------------------------------
    def _publish(self, image: np.ndarray, t_mono: float, t_arrived: float) -> None:
        with self._cond:
            self._frame = Frame(image=image, t_mono=t_mono, index=self._next_index)
            self._next_index += 1
            # Stalls and fps are about delivery: a frame taken just before a
            # reopen but delivered after it is still a sign of life.
            self._last_new_t = t_arrived
            self._frame_times.append(t_arrived)
            self._cond.notify_all()

    def _read_loop(self, capture: Capture, quit_: threading.Event) -> None:
        last_sig: int | None = None
        read_stamped = getattr(capture, "read_stamped", None)
        while not (quit_.is_set() or self._stop.is_set()):
            t: float | None = None
            try:
                if read_stamped is not None:
                    image, t = read_stamped()
                else:
                    image = capture.read()
            except EndOfStream:
                self._ended.set()
                return
            except Exception as exc:  # noqa: BLE001 - a driver error is a failed read
                self._last_error = f"read: {exc}"
                image = None
            t_arrived = time.monotonic()
            if t is None:
                t = t_arrived
            if quit_.is_set() or self._stop.is_set():
                return
            if image is None or image.size == 0:
                quit_.wait(_FAILED_READ_PAUSE_S)
                continue
            if self._detect_duplicates:
                # Some drivers hand back the last buffer forever after an unplug:
                # an identical frame is not a new frame.
                sig = zlib.crc32(np.ascontiguousarray(image[::7, ::5]).data)
                if sig == last_sig:
                    continue
                last_sig = sig
            self._publish(image, min(t, t_arrived), t_arrived)

    def _release_capture(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            try:
                capture.release()
            except Exception as exc:  # noqa: BLE001 - releasing a dead device may fail
                log.debug("camera %s: release failed: %s", self.name, exc)

    # -- supervisor thread -------------------------------------------------------
    def _open(self) -> threading.Event | None:
        """Open the capture and start a reader; None if opening failed."""
        try:
            capture = self._open_capture()
        except Exception as exc:  # noqa: BLE001 - any open failure is retried the same way
            self._last_error = f"open: {exc}"
            log.info("camera %s: open failed: %s", self.name, exc)
            return None
        quit_ = threading.Event()
        self._capture = capture
        self._reader = threading.Thread(target=self._read_loop, args=(capture, quit_),
                                        daemon=True, name=f"{self.name}-reader")
        self._reader.start()
        return quit_

    def _close(self, quit_: threading.Event | None) -> None:
        if quit_ is not None:
            quit_.set()
        self._release_capture()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.join(_READER_JOIN_S)
            if reader.is_alive():
                log.warning("camera %s: reader stuck in read(); abandoned", self.name)

    def _tick_s(self) -> float:
        return min(0.05, self.stall_timeout_s / 4)

    def _supervise(self) -> None:
        failures = 0
        backoff = self._backoff_min_s
        quit_ = self._open()
        opened_t = time.monotonic()
        while not self._stop.is_set():
            if self._ended.is_set():
                self._close(quit_)
                self._set_state(CameraState.ENDED)
                return
            now = time.monotonic()
            with self._cond:
                last = self._last_new_t
            fresh = last is not None and last >= opened_t and now - last < self.stall_timeout_s
            if quit_ is not None and fresh:
                failures, backoff = 0, self._backoff_min_s
                self._set_state(CameraState.LIVE)
                self._stop.wait(self._tick_s())
                continue
            if quit_ is not None and now - max(opened_t, last or opened_t) < self.stall_timeout_s:
                self._stop.wait(self._tick_s())  # just (re)opened: give it time
                continue
            # No new frame for too long, or the open itself failed.
            if self.state is CameraState.LIVE:
                self._set_state(CameraState.STALLED)
            else:
                failures += 1
            self._close(quit_)
            quit_ = None
            if failures >= self._fail_after:
                self._set_state(CameraState.FAILED)
            elif self.state is not CameraState.FAILED:
                self._set_state(CameraState.REOPENING)
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self._backoff_max_s)
            with self._cond:
                self._reopen_count += 1
            quit_ = self._open()
            opened_t = time.monotonic()
        self._close(quit_)
