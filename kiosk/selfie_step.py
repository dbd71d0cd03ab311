"""The journey's selfie step: the backend opens and judges, the kiosk guides.

``SelfieStep`` is one attempt, started when the member presses Start:

1. OPENING: ``open_selfie(session_id)`` on the HTTP lane; the backend draws
   the challenges;
2. LIVE: a local ``LivenessSession`` with *those* challenges guides the
   member (the screen renders its updates) while a ``SelfieUploader``
   streams the frames it saw;
3. CHECKING: the local check ended (pass or fail, it only guides). The
   camera keeps streaming the tail: ``TAIL_S`` and at least ``TAIL_FRAMES``
   frames (``TAIL_MAX_S`` at most). The judge sees JPEGs, not the guide's
   raw frames, and may confirm the last challenge a frame or two later
   (measured: without the tail 8 of 30 live members were not done on the
   backend when the upload stopped; with it none). A tail of time alone
   is too few frames when the vision worker analyses fewer a second under
   load: at 12 fps a 0.4 s tail left 10 of 30 live members undecided on the
   judge, a 10-frame tail none. Then the loop stops, the uploader sends the
   rest and asks ``finish``; the verdict's selfie id goes to ``on_done`` and
   the journey moves on to verify.

Everything but ``_process`` (the vision worker) runs on the GUI thread.
There, just before the screen renders an update, the step notes how long
after its frame was taken that is (the *guidance lag*: what the member sees
must not trail them by more than 300 ms, issue #19); ``timing()`` and the
summary report it with the frames the check analysed per second.
After ``cancel()`` nothing more is uploaded or reported: a late answer from
the backend finds the step cancelled and is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from common.errors import KioskError
from kiosk.selfie import SelfieUploader, UploadSettings
from kiosk.tasks import HTTP_LANE, TaskRunner

log = logging.getLogger(__name__)

TAIL_S = 0.4
TAIL_FRAMES = 10  # 0.4 s at 25 fps; at fewer frames a second the tail lasts longer
TAIL_MAX_S = 1.5  # the member has been told "done": not longer than this
TAIL_DONE = object()  # the vision worker's word that the tail has been sent


def tail_complete(elapsed_s: float, frames: int) -> bool:
    """Whether the tail after the local check ended is streamed: ``elapsed_s``
    since the end, ``frames`` analysed since (the bench's renderer uses it too)."""
    return (elapsed_s >= TAIL_S and frames >= TAIL_FRAMES) or elapsed_s >= TAIL_MAX_S


class SelfieStage(str, Enum):
    READY = "ready"  # the get-ready page: nothing runs yet
    OPENING = "opening"  # the backend is opening the selfie
    LIVE = "live"  # the member follows the challenges; frames stream
    CHECKING = "checking"  # the local check ended; the backend's verdict is awaited


class SelfieStep:
    def __init__(self, services: Any, runner: TaskRunner, session_id: str, *,
                 clock: Callable[[], float],
                 on_stage: Callable[[SelfieStage], None],
                 on_update: Callable[[Any], None],
                 on_done: Callable[[str, dict[str, Any]], None],
                 on_failed: Callable[[KioskError], None]) -> None:
        self._services = services
        self._runner = runner
        self._session_id = session_id
        self._clock = clock
        self._on_stage = on_stage
        self._on_update = on_update
        self._on_done = on_done
        self._on_failed = on_failed
        self.stage = SelfieStage.READY
        self.ticket: Any = None
        self.liveness: Any = None  # the local session (its challenges are the backend's)
        self.uploader: SelfieUploader | None = None
        self._loop: Any = None
        self._t0 = 0.0
        self._summary: dict[str, Any] = {}
        self._cancelled = False
        self._done_t: float | None = None  # vision thread only: when the local check ended
        self._tail_frames = 0  # vision thread only: frames streamed since
        self._final: Any = None
        self._lags_ms: list[float] = []  # GUI thread: capture -> shown, per update
        self._first_t: float | None = None  # capture time of the first frame analysed
        self._last_t: float | None = None

    def start(self) -> None:
        self._set_stage(SelfieStage.OPENING)
        backend, session_id, clock = self._services.backend, self._session_id, self._clock

        def open_selfie() -> tuple[Any, float]:
            ticket = backend.open_selfie(session_id)
            # t0 is taken as the answer arrives, on this thread: frame times
            # counted from here never run ahead of the backend's own clock.
            return ticket, clock()

        self._runner.run(HTTP_LANE, open_selfie, self._opened, self._failed)

    def _opened(self, answer: tuple[Any, float]) -> None:
        if self._cancelled:
            return
        self.ticket, self._t0 = answer
        services = self._services
        self.liveness = services.new_liveness(self.ticket.challenges)
        self.uploader = SelfieUploader(
            services.backend, self._runner, self.ticket.selfie_id, self._t0,
            encode=services.encode_frame,
            settings=UploadSettings.from_config(services.config.selfie),
            max_frames_per_chunk=self.ticket.max_frames_per_chunk, clock=self._clock)
        self._loop = services.frame_loop(self._process, self._runner.posted(self._update),
                                         self._runner.posted(self._failed))
        self._set_stage(SelfieStage.LIVE)
        self._loop.start()

    def _process(self, frame: Any) -> Any:
        """The vision worker: guide with the local check, stream the frame."""
        liveness, uploader = self.liveness, self.uploader
        if frame.t_mono < self._t0 or liveness is None or uploader is None:
            return None  # from before the backend opened the selfie, or cancelled
        if self._done_t is not None:
            uploader.feed(frame, self._final)
            self._tail_frames += 1
            return (TAIL_DONE if tail_complete(frame.t_mono - self._done_t, self._tail_frames)
                    else None)
        update = liveness.feed(frame.image, frame.t_mono)
        uploader.feed(frame, update)
        if update.done:
            self._done_t, self._final = frame.t_mono, update
        return update

    def _update(self, update: Any) -> None:
        if self._cancelled or update is None:
            return
        if update is TAIL_DONE:
            if self.stage is SelfieStage.CHECKING and self._loop is not None:
                self._stop_loop()
                assert self.uploader is not None
                self.uploader.close(self._judged, self._failed)
            return
        if self.stage is not SelfieStage.LIVE:
            return
        t = getattr(update, "t_capture", None)
        if t is not None:
            self._lags_ms.append(1000.0 * (self._clock() - t))
            self._first_t = t if self._first_t is None else self._first_t
            self._last_t = t
        self._on_update(update)
        if not update.done:
            return
        self._summary = {"local_live": bool(update.live), "local_reason": update.reason,
                         "challenges": list(self.ticket.challenges), **self.timing()}
        log.info("local liveness %s (%s); asking the backend; %s",
                 "passed" if update.live else "failed", update.reason, self.timing())
        self._set_stage(SelfieStage.CHECKING)

    def timing(self) -> dict[str, Any]:
        """Guidance lag (ms from a frame's capture to its update reaching the
        screen: median, 95th percentile, max) and frames analysed per second
        of capture time, so far."""
        lags = sorted(self._lags_ms)
        n = len(lags)
        span = (self._last_t or 0.0) - (self._first_t or 0.0)
        return {"frames_analysed": n,
                "analysed_fps": round((n - 1) / span, 1) if n > 1 and span > 0 else None,
                "guidance_lag_ms": None if not n else {
                    "median": round(lags[n // 2], 1),
                    "p95": round(lags[min(n - 1, int(0.95 * n))], 1),
                    "max": round(lags[-1], 1)}}

    def _judged(self, verdict: Any) -> None:
        if self._cancelled or verdict is None:
            return
        uploader = self.uploader
        summary = {**self._summary, "live": bool(verdict.live), "reason": verdict.reason,
                   **({k: v for k, v in uploader.stats().items()
                       if k in ("frames_sent", "bytes_sent", "stopped")} if uploader else {})}
        log.info("backend liveness %s (%s)", "passed" if verdict.live else "failed",
                 verdict.reason)
        self._on_done(self.ticket.selfie_id, summary)

    def _failed(self, err: KioskError) -> None:
        if not self._cancelled:
            self._on_failed(err)

    def cancel(self) -> None:
        """The step is over (verify began, or the member left): stop the
        camera work, send nothing more, drop every frame held."""
        self._cancelled = True
        self._stop_loop()
        if self.uploader is not None:
            self.uploader.cancel()
        if self.liveness is not None:
            self.liveness.clear()
        self.uploader = self.liveness = None

    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()

    def _set_stage(self, stage: SelfieStage) -> None:
        self.stage = stage
        self._on_stage(stage)
