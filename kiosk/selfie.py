"""Streaming the selfie to the backend, which judges it (issue #12).

The kiosk's own liveness check only guides the member; the backend decides
on the frames the kiosk sends. ``SelfieUploader`` is fed, on the vision
worker thread, every camera frame the local check saw together with that
check's ``LivenessUpdate``, and:

- while the member gets ready, keeps ~``ready_fps`` frames a second; once
  the challenges run, every frame the local check saw, and always the frame
  on which it moved on or ended (a key frame). The backend must decide on
  the frames the guide decided on: a blink's closed eyes last 2-3 camera
  frames, and a judge sampling 10 or 15 fps missed challenges the guide had
  seen in 2-3 of 30 members (measured: 0 of 50 with this policy);
- scales a kept frame down to ``width_px`` wide (aspect kept, INTER_AREA) and
  JPEG-encodes it there, on the vision thread, so neither the GUI thread nor
  the HTTP lane pays for it;
- stamps it ``t_ms`` = milliseconds from ``t0_mono`` (when the backend's open
  answer arrived), strictly increasing; frames captured before ``t0`` or
  stamped in the future are never sent, so no frame arrives before its
  ``t_ms`` has elapsed on the backend's clock;
- sends chunks (every ``chunk_s`` of frame time or ``chunk_frames`` frames)
  on one serial TaskRunner lane, so they arrive in order and nobody waits;
- stops adding get-ready frames past ``budget_bytes`` (challenge frames still go:
  without them the member would be refused for the kiosk's economy);
- on any upload error stops uploading: the backend's verdict is what counts,
  and ``close()`` still asks for it.

``close(on_verdict, on_error)`` sends what is pending and then, on the same
lane and so after the last chunk, ``finish``. ``cancel()`` (the member left)
sends nothing more and drops every frame held. Frames live in memory only;
logs get counts, never images.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from common.errors import KioskError, Reason
from kiosk.tasks import TaskRunner

log = logging.getLogger(__name__)

SELFIE_LANE = "selfie"  # a serial lane (kiosk.tasks): chunks, then finish, in order
CHUNK_FRAMES = 6
CHUNK_S = 0.5


@dataclass(frozen=True)
class UploadSettings:
    ready_fps: float = 10.0
    width_px: int = 640
    # q50 at 640 px: ~12 KB a frame, ~1 MB for a cooperative selfie at 25 fps;
    # liveness on the judge held (0 of 50 live members refused).
    jpeg_quality: int = 50
    budget_bytes: int = 1_800_000
    chunk_frames: int = CHUNK_FRAMES
    chunk_s: float = CHUNK_S

    @classmethod
    def from_config(cls, selfie: Any) -> UploadSettings:
        """From the ``[selfie]`` section of ``kiosk.config.Config``."""
        return cls(ready_fps=selfie.upload_ready_fps, width_px=selfie.upload_width_px,
                   jpeg_quality=selfie.upload_jpeg_quality,
                   budget_bytes=selfie.upload_budget_bytes)


def encode_jpeg(image: Any, width_px: int, quality: int) -> bytes:
    """``image`` (BGR) scaled down to ``width_px`` wide, aspect kept, as JPEG.

    A narrower frame is sent as it is: enlarging adds bytes, not detail."""
    import cv2

    h, w = image.shape[:2]
    if w > width_px:
        size = (width_px, max(1, round(h * width_px / w)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise KioskError("a selfie frame could not be encoded", reason=Reason.INTERNAL)
    return buf.tobytes()


def _marker(update: Any) -> tuple[Any, ...]:
    """What identifies a step of the local check: a change is a key frame."""
    phase = getattr(update, "phase", None)
    return (getattr(phase, "value", phase), getattr(update, "challenge_index", None),
            bool(getattr(update, "done", False)))


class SelfieUploader:
    """One selfie's frames on their way to the backend (see the module doc).

    ``feed`` runs on the vision worker; ``close``/``cancel`` on the GUI
    thread; the sending on the ``SELFIE_LANE``. One lock guards the state
    they share, and work is queued under it so chunks and finish keep the
    order in which they were made."""

    def __init__(self, backend: Any, runner: TaskRunner, selfie_id: str, t0_mono: float, *,
                 encode: Callable[[Any], bytes], settings: UploadSettings | None = None,
                 max_frames_per_chunk: int = 20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.selfie_id = selfie_id
        self.t0_mono = t0_mono
        self.settings = settings = settings or UploadSettings()
        self._backend = backend
        self._runner = runner
        self._encode = encode
        self._clock = clock
        self._chunk_frames = max(1, min(settings.chunk_frames, max_frames_per_chunk))
        self._interval_ms = 1000.0 / settings.ready_fps
        self._lock = threading.Lock()
        self._pending: list[tuple[int, bytes]] = []
        self._queued: list[tuple[Future[Any], list[tuple[int, bytes]]]] = []
        self._last_marker: tuple[Any, ...] | None = None
        self._last_t_ms = -1
        self._next_due_ms = 0.0
        self._closed = False  # close() or cancel(): no frame is taken any more
        self._cancelled = False  # the member left: queued work sends nothing
        self.stopped: str | None = None  # why uploading stopped early (an error code)
        self.over_budget = False
        self.frames_kept = self.key_frames = self.bytes_kept = 0
        self.frames_sent = self.bytes_sent = self.chunks_sent = 0

    # -- the vision worker ---------------------------------------------------------
    def feed(self, frame: Any, update: Any) -> bool:
        """Consider one frame the local check just saw; True if it will be sent."""
        marker = _marker(update)
        t_ms = round((frame.t_mono - self.t0_mono) * 1000)
        with self._lock:
            changed = self._last_marker is not None and marker != self._last_marker
            # Once the challenges run (and in the short tail after the check
            # ended, see kiosk.selfie_step) every frame goes.
            # ("challenge", "done": vision.liveness.Phase values, spelt out so
            # that importing this module does not load OpenCV at start-up.)
            key = changed or marker[0] in ("challenge", "done")
            self._last_marker = marker
            if not self._wanted(frame.t_mono, t_ms, key):
                return False
        # Encoding takes a few ms: not under the lock the GUI thread may want.
        jpeg = self._encode(frame.image)
        with self._lock:
            if self._closed:
                return False
            if not key and self.bytes_kept + len(jpeg) > self.settings.budget_bytes:
                if not self.over_budget:
                    log.info("selfie %s: upload budget reached after %d frames, %d bytes",
                             self.selfie_id, self.frames_kept, self.bytes_kept)
                self.over_budget = True
                return False
            if not key:
                # Keep the average rate without bursting after a gap.
                late = t_ms - self._next_due_ms >= self._interval_ms
                self._next_due_ms = (t_ms if late else self._next_due_ms) + self._interval_ms
            self._last_t_ms = t_ms
            self._pending.append((t_ms, jpeg))
            self.frames_kept += 1
            self.key_frames += changed
            self.bytes_kept += len(jpeg)
            first = self._pending[0][0]
            if (len(self._pending) >= self._chunk_frames
                    or t_ms - first >= self.settings.chunk_s * 1000):
                self._queue_chunk()
        return True

    def _wanted(self, t_mono: float, t_ms: int, key: bool) -> bool:
        if self._closed or self.stopped is not None:
            return False
        # Before the backend opened the selfie, or stamped in the future (the
        # backend would see it before its time): never sent.
        if t_ms < 0 or t_mono > self._clock():
            return False
        if t_ms <= self._last_t_ms:
            return False  # the backend needs strictly increasing times
        if key:
            return True
        # A frame a little early for its slot (camera jitter, rounding) still
        # fills it: the slots themselves keep the average rate.
        return not self.over_budget and t_ms >= self._next_due_ms - self._interval_ms * 0.1

    # -- sending (the selfie lane) --------------------------------------------------
    def _queue_chunk(self) -> None:
        """Hand the pending frames to the lane (called with the lock held)."""
        chunk, self._pending = self._pending, []
        if not chunk:
            return
        try:
            fut = self._runner.run(SELFIE_LANE, lambda: self._send(chunk))
        except KioskError as err:  # the runner is shutting down
            self.stopped = err.reason.value
            chunk.clear()
            return
        self._queued = [(f, c) for f, c in self._queued if not f.done()]
        self._queued.append((fut, chunk))

    def _send(self, chunk: list[tuple[int, bytes]]) -> None:
        with self._lock:
            skip = self._cancelled or self.stopped is not None
        try:
            if skip:
                return
            self._backend.upload_frames(self.selfie_id, chunk)
        except KioskError as err:
            code = err.context.get("code") or err.reason.value
            with self._lock:
                self.stopped = str(code)
            log.info("selfie %s: upload stopped (%s) after %d frames", self.selfie_id, code,
                     self.frames_sent)
        else:
            with self._lock:
                self.frames_sent += len(chunk)
                self.bytes_sent += sum(len(jpeg) for _, jpeg in chunk)
                self.chunks_sent += 1
        finally:
            chunk.clear()  # the frames leave memory once sent (or not)

    def _finish(self) -> Any:
        with self._lock:
            if self._cancelled:
                return None
        verdict = self._backend.finish_selfie(self.selfie_id)
        log.info("selfie %s: %s", self.selfie_id, self.stats())
        return verdict

    # -- the GUI thread --------------------------------------------------------------
    def close(self, on_verdict: Callable[[Any], None],
              on_error: Callable[[KioskError], None]) -> None:
        """No more frames: send the rest, then ask for the verdict (after the
        last chunk, on the same lane). Callbacks arrive through the runner."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue_chunk()
            fut = self._runner.run(SELFIE_LANE, self._finish, on_verdict, on_error)
            self._queued.append((fut, []))  # cancel() also stops a finish not yet sent

    def cancel(self) -> None:
        """The member left: nothing more is sent, every frame is dropped."""
        with self._lock:
            self._closed = self._cancelled = True
            self._pending = []
            queued, self._queued = self._queued, []
        for fut, chunk in queued:
            if fut.cancel():
                chunk.clear()

    def stats(self) -> dict[str, Any]:
        """Counts for logs and the bench (never an image)."""
        with self._lock:
            return {"frames_kept": self.frames_kept, "key_frames": self.key_frames,
                    "bytes_kept": self.bytes_kept, "frames_sent": self.frames_sent,
                    "bytes_sent": self.bytes_sent, "chunks_sent": self.chunks_sent,
                    "over_budget": self.over_budget, "stopped": self.stopped}
