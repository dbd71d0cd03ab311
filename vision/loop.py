"""``LatestFrameLoop``: one worker thread that always works on the newest frame.

A camera delivers ~30 frames/s while a decoder or a liveness step may take
longer than one frame period. Queueing would make the screen answer for the
past, so the worker skips every frame it did not get to and takes the newest
one it has not processed yet (drop, never queue).

The source only needs ``latest() -> Frame | None`` (``Frame.index`` increases
with each capture). If it also offers ``wait_newer(after_index, timeout_s)``
(``drivers.camera.CameraSource`` does), the worker sleeps on it instead of
polling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

R = TypeVar("R")

# Poll period when the source cannot signal new frames; well below a frame period.
_POLL_S = 0.005
# How long the worker waits on a signalling source before re-checking stop().
_WAIT_S = 0.1
# Processing fps is measured over this many recent completions.
_FPS_WINDOW = 30


class FrameSource(Protocol):
    def latest(self) -> Any: ...


class LatestFrameLoop(Generic[R]):
    """Run ``process`` on the newest unseen frame, in a thread, until stopped.

    ``on_result`` and ``on_error`` run on the worker thread; a UI adapts them
    to its own thread. An exception from ``process`` (or ``on_result``) goes to
    ``on_error`` and the loop carries on with the next frame: one bad frame
    must never stop a scan.
    """

    def __init__(self, source: FrameSource, process: Callable[[Any], R],
                 on_result: Callable[[R], None],
                 on_error: Callable[[BaseException], None] | None = None,
                 name: str = "vision-loop") -> None:
        self._source = source
        self._process = process
        self._on_result = on_result
        self._on_error = on_error
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._done_t: deque[float] = deque(maxlen=_FPS_WINDOW)
        self._last_index: int | None = None
        self.processed = 0  # frames handed to ``process``
        self.skipped = 0  # frames captured but never processed (dropped)

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float | None = 5.0) -> None:
        """Ask the worker to stop and join it (it finishes the frame in hand)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("%s did not stop within %.1f s", self._name, timeout_s or 0.0)
                return
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def fps(self) -> float:
        """Frames processed per second over the last few completions."""
        with self._lock:
            times = list(self._done_t)
        if len(times) < 2:
            return 0.0
        if time.monotonic() - times[-1] > 2.0:
            return 0.0  # nothing lately: the old rate would lie
        span = times[-1] - times[0]
        return (len(times) - 1) / span if span > 0 else 0.0

    def __enter__(self) -> LatestFrameLoop[R]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- worker ---------------------------------------------------------------
    def _next_frame(self) -> Any:
        """The newest frame with an index we have not processed, or None if stopping."""
        wait_newer = getattr(self._source, "wait_newer", None)
        while not self._stop.is_set():
            if wait_newer is not None:
                after = -1 if self._last_index is None else self._last_index
                frame = wait_newer(after, _WAIT_S)
            else:
                frame = self._source.latest()
            if frame is not None and (self._last_index is None or frame.index > self._last_index):
                return frame
            if wait_newer is None:
                self._stop.wait(_POLL_S)
        return None

    def _run(self) -> None:
        while True:
            frame = self._next_frame()
            if frame is None:
                return
            if self._last_index is not None:
                self.skipped += max(0, frame.index - self._last_index - 1)
            self._last_index = frame.index
            self.processed += 1
            try:
                result = self._process(frame)
                if self._stop.is_set():
                    return  # a stopped loop reports nothing more
                self._on_result(result)
            except Exception as exc:  # noqa: BLE001 - one bad frame must not end the loop
                self._report(exc)
            with self._lock:
                self._done_t.append(time.monotonic())

    def _report(self, exc: BaseException) -> None:
        if self._on_error is None:
            log.exception("%s: frame processing failed", self._name, exc_info=exc)
            return
        try:
            self._on_error(exc)
        except Exception:  # noqa: BLE001 - the error handler itself must not kill the worker
            log.exception("%s: on_error raised", self._name)
