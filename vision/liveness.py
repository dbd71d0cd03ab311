"""The liveness session behind the selfie screen.

``LivenessSession(challenges)`` is fed camera frames (unmirrored BGR) one at a
time by the vision worker and answers each with a ``LivenessUpdate`` the
screen renders:

1. GET_READY -- quality gates (one face, close, centred, lit, sharp, frontal)
   must hold for ``ready_hold_s``; those frames give the member's baseline
   (pose, eye opening, mouth width) and the reference for the planar check;
2. CHALLENGE -- each challenge in order, each within ``challenge_timeout_s``
   of being shown. A deliberate action other than the one asked fails the
   session at once ("wrong_challenge"), so a replay of other challenges
   cannot pass;
3. DONE -- ``live`` True, or False with a ``reason``.

Passive checks run on every frame with a face: a rectangular border or bezel
around the face, and (once the baseline exists) whether the face moves like a
plane (see ``liveness_passive``). When a challenge times out without the face
ever having changed shape, the reason is "no_motion" (a photo held up).

The sharpest frontal, open-eyed frame is kept in memory for the face
embedding (``best_frame()``); ``clear()`` drops it. Nothing is logged but
outcomes and counts, and nothing is written to disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import numpy as np

from vision import facemesh
from vision.liveness_actions import (
    DELIBERATE,
    ActionConfig,
    ActionDetector,
    Baseline,
    Challenge,
    Measures,
    draw_challenges,
    parse_challenges,
)
from vision.liveness_passive import BorderCheck, PassiveConfig, PlanarMotionCheck
from vision.pose import eye_aspect_ratio, face_size, head_pose, mouth_ratio
from vision.quality import Guidance, QualityConfig, QualityReport, assess

__all__ = ["BestFrame", "Challenge", "Failure", "LivenessConfig", "LivenessSession",
           "LivenessUpdate", "Phase", "draw_challenges", "guide_config", "parse_challenges"]

log = logging.getLogger(__name__)


class Phase(str, Enum):
    GET_READY = "get_ready"  # quality guidance until the baseline is taken
    CHALLENGE = "challenge"
    DONE = "done"


# Two boxes of one face in consecutive processed frames overlap far more than
# this, even turning fast at 20 fps; a different face elsewhere does not.
_MIN_TRACK_IOU = 0.3


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


class Failure(str, Enum):
    """Why a session was not live (the ``reason`` of the final update)."""

    TIMEOUT = "timeout"
    WRONG_CHALLENGE = "wrong_challenge"
    PLANAR_MOTION = "planar_motion"
    NO_MOTION = "no_motion"
    BORDER_DETECTED = "border_detected"
    NOT_READY = "not_ready"  # quality never held long enough
    CANCELLED = "cancelled"  # clear() was called before the end
    FACE_CHANGED = "face_changed"  # another face took the place of the one being checked


@dataclass(frozen=True)
class LivenessConfig:
    challenge_timeout_s: float = 6.0  # config: selfie.challenge_timeout_s
    ready_hold_s: float = 0.5
    ready_min_frames: int = 5
    ready_timeout_s: float | None = 30.0  # None: wait for the journey's idle timeout
    # A session whose face never changed shape more than this (similarity
    # residual / face size) and never acted failed for "no_motion".
    no_motion: float = 0.012
    best_max_delta_deg: float = 8.0  # best frame: pose this close to the baseline
    quality: QualityConfig = field(default_factory=QualityConfig)
    actions: ActionConfig = field(default_factory=ActionConfig)
    passive: PassiveConfig = field(default_factory=PassiveConfig)


# How much stricter the kiosk's guide counts a blink than the judge does.
# The judge decides on the frames the guide saw, as 640 px JPEGs, whose
# landmarks put the head up to ~2 deg elsewhere and the eye ratio ~0.05
# apart. Turns, nods and smiles are held for a while, so a judge that sees
# one a frame later sees it in the tail; a blink is over in ~250 ms and is
# never seen again. One that closes as the head comes back from a turn was
# counted by the guide at 11.9 deg from frontal and dropped by the judge at
# 12.8 deg (outside ``expression_max_yaw_deg``): the guide ended the selfie,
# the judge was still waiting for the blink, and a genuine member was
# refused "incomplete". With these margins, a blink the guide counts the
# judge has already counted; one only the judge counts leaves the guide
# asking again, and the judge's verdict (live) stands. The narrower head
# limits also apply to the guide's smile, which is held long enough (0.8 s)
# to be seen once the head is frontal; the judge's limits are unchanged.
GUIDE_BLINK_MARGIN_DEG = 3.0
GUIDE_BLINK_MARGIN_RATIO = 0.06


def guide_config(challenge_timeout_s: float) -> LivenessConfig:
    """The kiosk's own check (it guides; the backend's judge decides): the
    judge's config with a blink counted only inside the margins above."""
    judge = LivenessConfig(challenge_timeout_s=challenge_timeout_s)
    a = judge.actions
    return replace(judge, actions=replace(
        a, expression_max_yaw_deg=a.expression_max_yaw_deg - GUIDE_BLINK_MARGIN_DEG,
        expression_max_pitch_deg=a.expression_max_pitch_deg - GUIDE_BLINK_MARGIN_DEG,
        blink_ratio=a.blink_ratio - GUIDE_BLINK_MARGIN_RATIO))


@dataclass(frozen=True)
class LivenessUpdate:
    phase: Phase
    guidance: Guidance | None  # quality guidance for this frame (None once done)
    challenge: Challenge | None  # the challenge on screen now
    challenge_index: int  # 0-based index of ``challenge`` (== total when done)
    challenges_total: int
    time_left_s: float | None  # for the current challenge (or to get ready)
    done: bool
    live: bool | None  # None until done
    reason: str | None  # a Failure value when not live
    face_box: tuple[int, int, int, int] | None  # (x, y, w, h) in the frame, for the overlay
    # When the frame this answers was taken (the t fed): how late the screen
    # shows it is measured from here (guidance lag, issue #19).
    t_capture: float | None = None


@dataclass(frozen=True)
class BestFrame:
    """A frame for the face embedding. Lives in memory only."""

    image: np.ndarray  # BGR, the full camera frame (a private copy)
    box: tuple[int, int, int, int]  # FaceMesh box (x, y, w, h)
    points: np.ndarray  # the face's landmarks (478, 3)
    sharpness: float
    t_mono: float


class LivenessSession:
    """One selfie attempt. ``feed`` from one worker thread; ``best_frame`` and
    ``clear`` may be called from another."""

    def __init__(self, challenges: Sequence[Challenge], *,
                 config: LivenessConfig | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not challenges:
            raise ValueError("at least one challenge is needed")
        self.challenges: tuple[Challenge, ...] = tuple(Challenge(c) for c in challenges)
        self.config = config = config or LivenessConfig()
        self._clock = clock
        self._lock = threading.Lock()
        self._phase = Phase.GET_READY
        self._t0: float | None = None
        self._ready: list[tuple[float, Measures, np.ndarray]] = []
        self._index = 0
        self._challenge_t: float = 0.0
        self._detector: ActionDetector | None = None
        self._planar: PlanarMotionCheck | None = None
        self._border = BorderCheck(config.passive)
        self._best: BestFrame | None = None
        self._track: tuple[int, int, int, int] | None = None  # the face box last seen
        self._final: LivenessUpdate | None = None
        self._events: list[tuple[float, Challenge]] = []
        self.frames = 0
        self.passed_at: float | None = None  # seconds from the first frame to live
        self.last_sample: Any = None  # the last planar sample (diagnostics)

    # -- public ---------------------------------------------------------------
    @classmethod
    def random(cls, rng: Any, n: int = 2, **kwargs: Any) -> LivenessSession:
        return cls(draw_challenges(rng, n), **kwargs)

    @property
    def done(self) -> bool:
        return self._final is not None

    @property
    def result(self) -> LivenessUpdate | None:
        return self._final

    def feed(self, image_bgr: np.ndarray, t_mono: float | None = None) -> LivenessUpdate:
        t = self._clock() if t_mono is None else float(t_mono)
        with self._lock:
            if self._final is not None:
                return self._final
            if self._t0 is None:
                self._t0 = t
            self.frames += 1
            faces = facemesh.detect(image_bgr)
            frontal = self._phase is Phase.GET_READY
            report = assess(image_bgr, faces, self.config.quality, require_frontal=frontal)
            box = report.face.box if report.face is not None else None
            if box is not None:
                # One continuous face from Start to the end: a face that jumps
                # between two frames is another face (a photo swapped in after
                # a live person did the moves), never the member moving.
                if self._track is not None and _iou(box, self._track) < _MIN_TRACK_IOU:
                    if self._phase is not Phase.GET_READY:
                        return self._finish(t, Failure.FACE_CHANGED, report, box)
                    self._ready.clear()
                    self._best = None
                self._track = box
            if report.face is not None and report.n_faces == 1:
                if self._border.update(image_bgr, box):
                    return self._finish(t, Failure.BORDER_DETECTED, report, box)
            if self._phase is Phase.GET_READY:
                return self._get_ready(image_bgr, t, report, box)
            return self._challenge(image_bgr, t, report, box)

    def best_frame(self) -> BestFrame | None:
        with self._lock:
            return self._best

    def clear(self) -> None:
        """Drop every frame and measure held. The session is over: a frame
        fed afterwards (a worker that had not stopped yet) changes nothing."""
        with self._lock:
            if self._final is None:
                self._phase = Phase.DONE
                self._final = LivenessUpdate(Phase.DONE, None, None, self._index,
                                             len(self.challenges), None, True, False,
                                             Failure.CANCELLED.value, None)
            self._best = None
            self._ready.clear()
            self._planar = None
            self.last_sample = None

    def stats(self) -> dict[str, Any]:
        """Counts for the evaluation and logs (no face data)."""
        planar = self._planar
        return {
            "frames": self.frames,
            "events": [(round(t - self._start_t(t), 2), c.value) for t, c in self._events],
            "max_motion": planar.max_motion if planar else 0.0,
            "planar_frames": planar.planar if planar else 0,
            "solid_frames": planar.solid if planar else 0,
            "border_hits": self._border.hits,
            "passed_at_s": self.passed_at,
        }

    def _start_t(self, t: float) -> float:
        return t if self._t0 is None else self._t0

    # -- phases ---------------------------------------------------------------
    def _measures(self, points: np.ndarray) -> Measures:
        pose = head_pose(points)
        return Measures(pose.yaw_deg, pose.pitch_deg, eye_aspect_ratio(points),
                        mouth_ratio(points))

    def _get_ready(self, image: np.ndarray, t: float, report: QualityReport,
                   box: tuple[int, int, int, int] | None) -> LivenessUpdate:
        cfg = self.config
        if report.ok:
            face = report.face
            assert face is not None
            m = self._measures(face.points)
            self._ready.append((t, m, face.points))
            self._consider_best(image, t, report, m)
            if (len(self._ready) >= cfg.ready_min_frames
                    and t - self._ready[0][0] >= cfg.ready_hold_s):
                self._start_challenges(t, image.shape[1])
                return self._update(t, report.guidance, box)
        else:
            self._ready.clear()
        if cfg.ready_timeout_s is not None and t - self._start_t(t) > cfg.ready_timeout_s:
            return self._finish(t, Failure.NOT_READY, report, box)
        return self._update(t, report.guidance, box)

    def _start_challenges(self, t: float, image_w: int) -> None:
        ms = [m for _, m, _ in self._ready]
        base = Baseline(float(np.median([m.yaw_deg for m in ms])),
                        float(np.median([m.pitch_deg for m in ms])),
                        float(np.median([m.ear for m in ms])),
                        float(np.median([m.mouth for m in ms])))
        ref = self._ready[-1][2]
        self._detector = ActionDetector(base, self.config.actions)
        self._planar = PlanarMotionCheck(ref, face_size(ref), image_w, self.config.passive)
        self._ready.clear()
        self._phase = Phase.CHALLENGE
        self._challenge_t = t

    def _challenge(self, image: np.ndarray, t: float, report: QualityReport,
                   box: tuple[int, int, int, int] | None) -> LivenessUpdate:
        detector, planar = self._detector, self._planar
        assert detector is not None and planar is not None
        if report.face is not None and report.n_faces == 1:
            points = report.face.points
            self.last_sample = planar.update(points)
            if planar.is_planar:
                return self._finish(t, Failure.PLANAR_MOTION, report, box)
            m = self._measures(points)
            for event in detector.update(m, t):
                self._events.append((t, event))
                if event is self.challenges[self._index]:
                    self._index += 1
                    self._challenge_t = t
                    if self._index == len(self.challenges):
                        self.passed_at = t - self._start_t(t)
                        return self._finish(t, None, report, box)
                elif event in DELIBERATE:
                    return self._finish(t, Failure.WRONG_CHALLENGE, report, box)
            if report.ok:
                self._consider_best(image, t, report, m)
        if t - self._challenge_t > self.config.challenge_timeout_s:
            moved = planar.max_motion >= self.config.no_motion or bool(self._events)
            return self._finish(t, Failure.TIMEOUT if moved else Failure.NO_MOTION, report, box)
        return self._update(t, report.guidance, box)

    def _consider_best(self, image: np.ndarray, t: float, report: QualityReport,
                       m: Measures) -> None:
        if report.sharpness is None or report.face is None:
            return
        det = self._detector
        if det is not None:
            b, lim = det.base, self.config.best_max_delta_deg
            if (abs(m.yaw_deg - b.yaw_deg) > lim or abs(m.pitch_deg - b.pitch_deg) > lim
                    or m.ear < 0.8 * b.ear or m.mouth > 1.08 * b.mouth):
                return
        if self._best is None or report.sharpness > self._best.sharpness:
            self._best = BestFrame(image.copy(), report.face.box, report.face.points.copy(),
                                   report.sharpness, t)

    # -- updates ----------------------------------------------------------------
    def _update(self, t: float, guidance: Guidance | None,
                box: tuple[int, int, int, int] | None) -> LivenessUpdate:
        cfg = self.config
        if self._phase is Phase.CHALLENGE:
            left = max(0.0, cfg.challenge_timeout_s - (t - self._challenge_t))
            challenge = self.challenges[self._index]
        else:
            left = (None if cfg.ready_timeout_s is None
                    else max(0.0, cfg.ready_timeout_s - (t - self._start_t(t))))
            challenge = None
        return LivenessUpdate(self._phase, guidance, challenge, self._index,
                              len(self.challenges), left, False, None, None, box, t)

    def _finish(self, t: float, failure: Failure | None, report: QualityReport,
                box: tuple[int, int, int, int] | None) -> LivenessUpdate:
        self._phase = Phase.DONE
        live = failure is None
        self._final = LivenessUpdate(Phase.DONE, None, None, self._index, len(self.challenges),
                                     None, True, live, None if live else failure.value, box, t)
        log.info("liveness done: live=%s reason=%s challenges=%s passed=%d frames=%d",
                 live, None if live else failure.value,
                 ",".join(c.value for c in self.challenges), self._index, self.frames)
        if not live:
            self._best = None  # never embed a frame from a failed attempt
        return self._final
