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
- never uploads more than ``budget_bytes`` (2 MB of request bodies, base64
  and JSON included: ``selfie_api.wire_bytes``) for one selfie. Get-ready
  frames stop at ``READY_SHARE`` of it. Challenge frames go as they come up
  to that share too; past it (a member taking long, a photo held up until the
  timeout) they are held in a ring of the last ``RING_MS`` and sent only when
  the local check moves on or ends, together with the frames of the next
  ``FOLLOW_MS``: the judge still gets the frames around every step the guide
  saw (it sees JPEGs and may confirm a frame or two apart), and a selfie that
  runs to the timeout no longer uploads its whole window (4.2 MB before);
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
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from common.errors import KioskError, Reason
from kiosk.selfie_api import wire_bytes
from kiosk.tasks import TaskRunner

log = logging.getLogger(__name__)

SELFIE_LANE = "selfie"  # a serial lane (kiosk.tasks): chunks, then finish, in order
CHUNK_FRAMES = 6
CHUNK_S = 0.5
# Past READY_SHARE of the budget, challenge frames wait in a ring of the last
# RING_MS and go only at a step of the local check, with FOLLOW_MS after it:
# the frames a challenge is seen in (a turn or a blink takes 200-400 ms,
# confirmed on 2 frames) and the judge's own confirmation a few frames later.
READY_SHARE = 0.75
RING_MS = 600
FOLLOW_MS = 500


@dataclass(frozen=True)
class UploadSettings:
    ready_fps: float = 10.0
    width_px: int = 640
    # q50 at 640 px: ~12 KB a frame, ~1 MB for a cooperative selfie at 25 fps;
    # liveness on the judge held (0 of 50 live members refused).
    jpeg_quality: int = 50
    budget_bytes: int = 2_000_000  # the most one selfie uploads (issue #12: <= 2 MB)
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


def _steps_left(update: Any) -> int:
    """The steps of the local check still to come, this one included: one
    per challenge not yet passed; the end is the last."""
    total = getattr(update, "challenges_total", None)
    if getattr(update, "done", False) or not isinstance(total, int):
        return 1
    return max(1, total - int(getattr(update, "challenge_index", 0) or 0) + 1)


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
        self._soft_bytes = int(settings.budget_bytes * READY_SHARE)
        self._ring: deque[tuple[int, bytes]] = deque()  # challenge frames held back
        # After a step past the share: frames up to this t_ms go, within these bytes.
        self._follow: tuple[int, int] = (-1, 0)
        self.over_budget = False  # past the share: get-ready frames stop, the ring holds
        self.capped = False  # the budget itself was reached: a frame was not sent
        self.frames_kept = self.key_frames = self.bytes_kept = self.frames_held = 0
        self.frames_sent = self.bytes_sent = self.chunks_sent = 0

    # -- the vision worker ---------------------------------------------------------
    def feed(self, frame: Any, update: Any) -> bool:
        """Consider one frame the local check just saw; True if it goes out now."""
        marker = _marker(update)
        t_ms = round((frame.t_mono - self.t0_mono) * 1000)
        with self._lock:
            changed = self._last_marker is not None and marker != self._last_marker
            # Once the challenges run (and in the short tail after the check
            # ended, see kiosk.selfie_step) every frame counts as evidence.
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
            self._last_t_ms = t_ms
            size = wire_bytes(len(jpeg))
            if not key:
                if self.bytes_kept + size > self._soft_bytes:
                    self._note_over_budget()
                    return False
                # Keep the average rate without bursting after a gap.
                late = t_ms - self._next_due_ms >= self._interval_ms
                self._next_due_ms = (t_ms if late else self._next_due_ms) + self._interval_ms
                return self._keep([(t_ms, jpeg)], [size]) > 0
            if changed:  # a step of the local check: what led to it goes too
                self.key_frames += 1
                batch = [*self._ring, (t_ms, jpeg)]
                self._ring.clear()
                # This step's part of what is left (the steps still to come
                # have theirs): for the frames that led to it (past the
                # share, at most half; its own frame whenever the budget
                # holds it) and the FOLLOW_MS after it, whatever the share
                # (the tail after the end is evidence the judge needs).
                allowance = (self.settings.budget_bytes - self.bytes_kept) // _steps_left(update)
                sizes = [wire_bytes(len(j)) for _, j in batch]
                limit = (None if self.bytes_kept + sum(sizes) <= self._soft_bytes
                         else max(allowance // 2, size))
                used = self._keep(batch, sizes, limit=limit)
                self._follow = (t_ms + FOLLOW_MS, max(0, allowance - used))
                return used > 0  # the step's own frame is the newest: kept first
            until_ms, follow_bytes = self._follow
            if t_ms <= until_ms and size <= follow_bytes:
                self._follow = (until_ms, follow_bytes - size)
                return self._keep([(t_ms, jpeg)], [size]) > 0
            if not self.over_budget and self.bytes_kept + size <= self._soft_bytes:
                return self._keep([(t_ms, jpeg)], [size]) > 0
            self._note_over_budget()
            self._ring.append((t_ms, jpeg))
            self.frames_held += 1
            while self._ring and t_ms - self._ring[0][0] > RING_MS:
                self._ring.popleft()
            return False

    def _note_over_budget(self) -> None:
        if not self.over_budget:
            log.info("selfie %s: %d bytes sent in %d frames; further frames only around "
                     "the steps of the check", self.selfie_id, self.bytes_kept, self.frames_kept)
        self.over_budget = True

    def _keep(self, batch: list[tuple[int, bytes]], sizes: list[int],
              limit: int | None = None) -> int:
        """Queue the newest frames of ``batch`` (oldest first, ``sizes`` their
        ``wire_bytes``, computed once by the caller) that fit in ``limit``
        bytes and the budget; the bytes queued (called with the lock held)."""
        room = self.settings.budget_bytes - self.bytes_kept
        cap = room if limit is None else min(limit, room)
        n = used = 0
        for size in reversed(sizes):
            if used + size > cap:
                break
            used += size
            n += 1
        first = len(batch) - n
        if first > 0 and used + sizes[first - 1] > room:  # the budget, not the limit, stopped it
            if not self.capped:
                log.info("selfie %s: upload budget of %d bytes reached", self.selfie_id,
                         self.settings.budget_bytes)
            self.capped = True
        for (t_ms, jpeg), size in zip(batch[first:], sizes[first:], strict=True):
            self._pending.append((t_ms, jpeg))
            self.frames_kept += 1
            self.bytes_kept += size
            if (len(self._pending) >= self._chunk_frames
                    or t_ms - self._pending[0][0] >= self.settings.chunk_s * 1000):
                self._queue_chunk()
        return used

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
                self.bytes_sent += sum(wire_bytes(len(jpeg)) for _, jpeg in chunk)
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
            self._ring.clear()  # held frames no step asked for: never sent
            self._queue_chunk()
            fut = self._runner.run(SELFIE_LANE, self._finish, on_verdict, on_error)
            self._queued.append((fut, []))  # cancel() also stops a finish not yet sent

    def cancel(self) -> None:
        """The member left: nothing more is sent, every frame is dropped."""
        with self._lock:
            self._closed = self._cancelled = True
            self._pending = []
            self._ring.clear()
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
                    "frames_held": self.frames_held, "over_budget": self.over_budget,
                    "capped": self.capped, "stopped": self.stopped}
