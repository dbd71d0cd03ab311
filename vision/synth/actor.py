"""A performer for a ``SyntheticMember``: does the challenges like a person would.

Two ways to drive it:

- scripted: ``Performer(member).frames_for(challenges, fps)`` yields
  ``(t, frame)`` for a fixed plan (get ready, then each action in turn); used
  for recordings, replays and the CLI tests;
- reactive, for the demo actor and the evaluation: ``set_action(challenge, t)``
  when the screen asks for something, then ``next_frame(t)`` for each camera
  frame; the member reacts after a human delay and returns to neutral.

Every action is an envelope (rise, hold, fall) over a target pose; amounts
vary a little per member. Spontaneous blinks are optional (real people blink
every few seconds, and the liveness session must tolerate that).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from common.errors import Reason, VisionError
from vision.liveness_actions import Challenge
from vision.synth.face import Pose, SyntheticMember


@dataclass(frozen=True)
class Action:
    target: Pose
    rise_s: float
    hold_s: float
    fall_s: float

    @property
    def duration_s(self) -> float:
        return self.rise_s + self.hold_s + self.fall_s

    def amount(self, dt: float) -> float:
        """0..1 progress of the envelope ``dt`` seconds after it started."""
        if dt < 0 or dt >= self.duration_s:
            return 0.0
        if dt < self.rise_s:
            x = dt / self.rise_s
        elif dt < self.rise_s + self.hold_s:
            x = 1.0
        else:
            x = 1.0 - (dt - self.rise_s - self.hold_s) / self.fall_s
        return 0.5 - 0.5 * np.cos(np.pi * x)  # ease in and out


def _scaled(p: Pose, k: float) -> Pose:
    return Pose(p.yaw_deg * k, p.pitch_deg * k, p.roll_deg * k, p.blink * k, p.smile * k)


def _plus(a: Pose, b: Pose) -> Pose:
    return Pose(a.yaw_deg + b.yaw_deg, a.pitch_deg + b.pitch_deg, a.roll_deg + b.roll_deg,
                min(1.0, a.blink + b.blink), min(1.0, a.smile + b.smile))


def action_for(challenge: Challenge, rng: np.random.Generator | None = None) -> Action:
    """How a cooperative member performs ``challenge`` (with some variety)."""
    rng = rng or np.random.default_rng(0)
    u = float(rng.uniform(0.85, 1.15))
    if challenge is Challenge.TURN_LEFT:
        return Action(Pose(yaw_deg=28 * u, pitch_deg=2 * (u - 1)), 0.35, 0.45, 0.35)
    if challenge is Challenge.TURN_RIGHT:
        return Action(Pose(yaw_deg=-28 * u, pitch_deg=2 * (u - 1)), 0.35, 0.45, 0.35)
    if challenge is Challenge.NOD:
        return Action(Pose(pitch_deg=19 * u), 0.3, 0.3, 0.3)
    if challenge is Challenge.SMILE:
        return Action(Pose(smile=1.0), 0.3, 0.8, 0.3)
    return Action(Pose(blink=1.0), 0.07, 0.1 * u, 0.09)  # BLINK: ~250 ms in all


_BLINK = Action(Pose(blink=1.0), 0.06, 0.08, 0.08)


class Performer:
    """Turns challenges into frames of a SyntheticMember (see the module doc).

    ``set_action`` may be called from another thread than ``next_frame`` (the
    demo camera renders in its own thread while the vision worker reads the
    prompts); one lock guards the schedule. Rendering itself is not shared."""

    def __init__(self, member: SyntheticMember, seed: int = 0, *,
                 reaction_s: tuple[float, float] = (0.35, 0.9),
                 spontaneous_blink_hz: float = 0.0) -> None:
        self.member = member
        self.rng = np.random.default_rng(seed)
        self.reaction_s = reaction_s
        self.blink_hz = spontaneous_blink_hz
        self._active: list[tuple[float, Action]] = []
        self._asked: Challenge | None = None
        self._next_blink: float | None = None
        self._last_t = 0.0
        self._lock = threading.Lock()

    # -- reactive --------------------------------------------------------------
    def set_action(self, challenge: Challenge | None, t: float | None = None) -> None:
        """The screen now asks for ``challenge`` (None: nothing); react to it once.

        ``t`` defaults to the time of the last frame rendered."""
        with self._lock:
            if challenge == self._asked:
                return
            self._asked = challenge
            if challenge is None:
                return
            now = self._last_t if t is None else t
            start = now + float(self.rng.uniform(*self.reaction_s))
        self.perform(challenge, start)

    def perform(self, challenge: Challenge, start_t: float) -> float:
        """Schedule ``challenge`` at ``start_t``; returns when it ends."""
        with self._lock:
            action = action_for(challenge, self.rng)
            self._active.append((start_t, action))
        return start_t + action.duration_s

    def pose_at(self, t: float) -> Pose:
        with self._lock:
            pose = Pose()
            self._active = [(s, a) for s, a in self._active if t < s + a.duration_s]
            for start, action in self._active:
                pose = _plus(pose, _scaled(action.target, action.amount(t - start)))
            if self.blink_hz > 0:
                if self._next_blink is None:
                    self._next_blink = t + float(self.rng.exponential(1.0 / self.blink_hz)) + 0.5
                if t >= self._next_blink:
                    self._active.append((t, _BLINK))
                    self._next_blink = t + 1.0 + float(self.rng.exponential(1.0 / self.blink_hz))
            return pose

    def next_frame(self, t: float) -> np.ndarray:
        with self._lock:
            self._last_t = t
        return self.member.render(self.pose_at(t), t)

    # -- scripted ----------------------------------------------------------------
    def frames_for(self, challenges: Sequence[Challenge], fps: float = 25.0, *,
                   ready_s: float = 1.6, gap_s: float = 0.9,
                   tail_s: float = 0.8) -> Iterator[tuple[float, np.ndarray]]:
        """A fixed recording: neutral for ``ready_s``, then each challenge with
        ``gap_s`` of neutral after it. Yields ``(t, frame)``."""
        t_next = ready_s
        for ch in challenges:
            t_next = self.perform(ch, t_next) + gap_s
        end = t_next + tail_s
        n = int(np.ceil(end * fps))
        for i in range(n):
            t = i / fps
            yield t, self.next_frame(t)


def write_video(path: str | Path, frames: Iterator[tuple[float, np.ndarray]] | Sequence,
                fps: float = 25.0) -> int:
    """Write frames to a video file (MJPG .avi or mp4v .mp4); returns the count.

    For demos and tests only: the kiosk itself never writes faces to disk."""
    path = Path(path)
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix.lower() == ".mp4" else "MJPG"))
    writer = None
    n = 0
    try:
        for item in frames:
            frame = item[1] if isinstance(item, tuple) else item
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
                if not writer.isOpened():
                    raise VisionError(f"cannot write video {path}", reason=Reason.INTERNAL)
            writer.write(frame)
            n += 1
    finally:
        if writer is not None:
            writer.release()
    return n
