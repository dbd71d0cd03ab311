"""Active liveness: the challenges and the detector that turns measures into actions.

Each measure is compared with the member's own baseline (taken while they
looked straight at the camera), and each action is an *event*: it fires once
when the measure crosses its threshold and re-arms only after it has come
back, so holding a turn is one turn, and the turn that completed one
challenge is not counted again for the next.

Which detections count against the member: a deliberate action (a turn, a
nod, a smile) that is not the one asked for is a wrong answer -- that is what
stops a replay of someone doing other challenges. Blinks are involuntary
(people blink every few seconds), so a blink only ever counts as the answer
to BLINK and is never "wrong".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np


class Challenge(str, Enum):
    """Named from the member's point of view (turn_left: to THEIR left)."""

    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    BLINK = "blink"
    NOD = "nod"
    SMILE = "smile"


DELIBERATE = frozenset({Challenge.TURN_LEFT, Challenge.TURN_RIGHT, Challenge.NOD,
                        Challenge.SMILE})


def draw_challenges(rng: random.Random | np.random.Generator | Any, n: int = 2) -> list[Challenge]:
    """``n`` (2 or 3) distinct challenges in random order."""
    if n not in (2, 3):
        raise ValueError("n must be 2 or 3")
    pool = list(Challenge)
    if isinstance(rng, np.random.Generator):
        return [pool[i] for i in rng.permutation(len(pool))[:n]]
    return rng.sample(pool, n)


def parse_challenges(text: str | Sequence[str]) -> list[Challenge]:
    """``"turn_left,blink"`` -> [TURN_LEFT, BLINK]; ValueError on unknown names."""
    names = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for name in names:
        name = name.strip().lower().replace("-", "_")
        if not name:
            continue
        try:
            out.append(Challenge(name))
        except ValueError:
            valid = ", ".join(c.value for c in Challenge)
            raise ValueError(f"unknown challenge {name!r} (one of {valid})") from None
    if not out:
        raise ValueError("no challenge given")
    return out


@dataclass(frozen=True)
class ActionConfig:
    turn_deg: float = 12.0  # |yaw change| for a turn (estimated; ~16 deg of real turn)
    turn_release_deg: float = 6.0
    nod_deg: float = 10.0  # |pitch change| for a nod (down, or up)
    nod_release_deg: float = 5.0
    dominance: float = 1.3  # a turn's yaw change must exceed its pitch change this much
    blink_ratio: float = 0.68  # EAR below this x baseline: eyes closed
    blink_open_ratio: float = 0.85  # EAR back above this x baseline: open again
    max_blink_s: float = 0.7  # closed longer than this is not a blink
    smile_ratio: float = 1.12  # mouth ratio above this x baseline
    smile_release_ratio: float = 1.05
    # Eye and mouth measures are unreliable with the head turned or tilted.
    expression_max_yaw_deg: float = 12.0
    expression_max_pitch_deg: float = 9.0
    confirm_frames: int = 2  # consecutive frames a turn, nod or smile must hold


@dataclass(frozen=True)
class Baseline:
    """The member's neutral face: what every measure is compared with."""

    yaw_deg: float
    pitch_deg: float
    ear: float
    mouth: float


@dataclass(frozen=True)
class Measures:
    yaw_deg: float
    pitch_deg: float
    ear: float
    mouth: float


class ActionDetector:
    """Feed ``Measures`` per frame; get the actions that just happened."""

    def __init__(self, baseline: Baseline, config: ActionConfig | None = None) -> None:
        self.base = baseline
        self.cfg = config or ActionConfig()
        self._turn_armed = True
        self._nod_armed = True
        self._smile_armed = True
        self._turn_sign = 0.0  # the side of the turn (nod) that fired last
        self._nod_sign = 0.0
        self._pending: dict[Challenge, int] = {}
        self._closed_since: float | None = None
        self.max_abs_yaw = 0.0
        self.max_abs_pitch = 0.0
        self.min_ear_ratio = 1.0
        self.max_mouth_ratio = 1.0

    def _confirm(self, ch: Challenge, active: bool) -> bool:
        if not active:
            self._pending.pop(ch, None)
            return False
        self._pending[ch] = self._pending.get(ch, 0) + 1
        return self._pending[ch] >= self.cfg.confirm_frames

    def update(self, m: Measures, t: float) -> list[Challenge]:
        c, b = self.cfg, self.base
        dyaw, dpitch = m.yaw_deg - b.yaw_deg, m.pitch_deg - b.pitch_deg
        ear_r, mouth_r = m.ear / max(b.ear, 1e-6), m.mouth / max(b.mouth, 1e-6)
        self.max_abs_yaw = max(self.max_abs_yaw, abs(dyaw))
        self.max_abs_pitch = max(self.max_abs_pitch, abs(dpitch))
        events: list[Challenge] = []

        # Re-arm once the head is back near its baseline -- or on the other
        # side of it: a head going from one side to the other passed through
        # the middle, even when no frame caught it there (a busy kiosk sees a
        # few frames a second, and a left turn followed by a right one
        # crosses the middle between two of them).
        if not self._turn_armed and (abs(dyaw) < c.turn_release_deg
                                     or dyaw * self._turn_sign < 0):
            self._turn_armed = True
        if self._turn_armed:
            turning = abs(dyaw) >= c.turn_deg and abs(dyaw) >= c.dominance * abs(dpitch)
            ch = Challenge.TURN_LEFT if dyaw > 0 else Challenge.TURN_RIGHT
            if self._confirm(ch, turning):
                events.append(ch)
                self._turn_armed = False
                self._turn_sign = 1.0 if dyaw > 0 else -1.0
                self._pending.clear()
            elif not turning:
                self._pending.pop(Challenge.TURN_LEFT, None)
                self._pending.pop(Challenge.TURN_RIGHT, None)

        if not self._nod_armed and (abs(dpitch) < c.nod_release_deg
                                    or dpitch * self._nod_sign < 0):
            self._nod_armed = True
        if self._nod_armed:
            nodding = abs(dpitch) >= c.nod_deg and abs(dpitch) > abs(dyaw)
            if self._confirm(Challenge.NOD, nodding):
                events.append(Challenge.NOD)
                self._nod_armed = False
                self._nod_sign = 1.0 if dpitch > 0 else -1.0

        frontal = (abs(dyaw) <= c.expression_max_yaw_deg
                   and abs(dpitch) <= c.expression_max_pitch_deg)
        if frontal:
            self.min_ear_ratio = min(self.min_ear_ratio, ear_r)
            self.max_mouth_ratio = max(self.max_mouth_ratio, mouth_r)
            if self._smile_armed:
                if self._confirm(Challenge.SMILE, mouth_r >= c.smile_ratio):
                    events.append(Challenge.SMILE)
                    self._smile_armed = False
            elif mouth_r < c.smile_release_ratio:
                self._smile_armed = True
            if ear_r < c.blink_ratio:
                if self._closed_since is None:
                    self._closed_since = t
            elif ear_r > c.blink_open_ratio and self._closed_since is not None:
                if t - self._closed_since <= c.max_blink_s:
                    events.append(Challenge.BLINK)
                self._closed_since = None
        else:
            # Turning the head changes the eye's shape; a closure straddling a
            # turn cannot be judged, so start afresh.
            self._closed_since = None
            self._pending.pop(Challenge.SMILE, None)
        return events
