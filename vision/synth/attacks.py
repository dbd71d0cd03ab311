"""Attackers built from the same machinery as the synthetic members.

Each attacker has the reactive interface of ``Performer`` --
``set_action(challenge, t)`` when the screen asks for something, then
``next_frame(t)`` -- so the evaluation and the demo drive members and
attackers alike. All attack the photo's own person (same identity), so only
liveness can stop them:

- ``StillPhoto``: the photo held up to the camera, a little hand shake (a
  rigid 2-D move of the picture) and camera noise;
- ``TiltedPhoto``: the photo tilted and swung (a plane under perspective: a
  homography) to fake the turn or nod being asked for; held close, so its
  edges stay out of view;
- ``BorderedPrint``: a printed photo with a white border held in front of the
  lobby, moved and slightly swung;
- ``Replay``: a recording of the member doing other challenges than the ones
  asked, played back regardless of the prompts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum

import cv2
import numpy as np

from vision.liveness_actions import DELIBERATE, Challenge
from vision.synth.actor import Performer
from vision.synth.face import SyntheticMember, _rotation


class AttackKind(str, Enum):
    STILL_PHOTO = "still_photo"
    TILTED_PHOTO = "tilted_photo"
    BORDERED_PRINT = "bordered_print"
    REPLAY = "replay"


class _Shake:
    """Hand shake: a slow random walk of (dx px, dy px, rotation deg)."""

    def __init__(self, rng: np.random.Generator, scale: tuple[float, float, float]) -> None:
        self.rng = rng
        self.scale = np.array(scale)
        self.state = np.zeros(3)
        self.t: float | None = None

    def at(self, t: float) -> np.ndarray:
        dt = 0.04 if self.t is None else min(0.2, max(0.0, t - self.t))
        self.t = t
        self.state += (-self.state * dt / 0.5
                       + self.scale * math.sqrt(dt / 0.25) * self.rng.normal(size=3))
        return self.state.copy()


def plane_homography(size: tuple[int, int], centre: tuple[float, float], yaw_deg: float,
                     pitch_deg: float, *, roll_deg: float = 0.0, zoom: float = 1.0,
                     shift: tuple[float, float] = (0.0, 0.0),
                     focal: float | None = None) -> np.ndarray:
    """Homography of a flat picture (frontal, filling ``size``) rotated about
    ``centre`` and seen by a pinhole camera of ``focal`` px (default 1.1 x width)."""
    w, h = size
    f = focal or 1.1 * w
    cx, cy = centre
    corners = np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=np.float64)
    plane = np.column_stack([(corners - (cx, cy)) * zoom, np.zeros(4)])
    q = plane @ _rotation(math.radians(yaw_deg), math.radians(pitch_deg),
                          math.radians(roll_deg)).T
    q += (cx - w / 2 + shift[0], cy - h / 2 + shift[1], f)
    proj = f * q[:, :2] / q[:, 2:3] + (w / 2, h / 2)
    return cv2.getPerspectiveTransform(corners.astype(np.float32), proj.astype(np.float32))


class _Swing:
    """The swing an attacker makes when asked for a turn or a nod."""

    def __init__(self, rng: np.random.Generator, amp_deg: tuple[float, float],
                 reaction_s: tuple[float, float] = (0.4, 1.0)) -> None:
        self.rng = rng
        self.amp = amp_deg
        self.reaction = reaction_s
        self.asked: Challenge | None = None
        self.start = math.inf
        self.axis = "yaw"
        self.sign = 1.0
        self.period = 1.6
        self.amplitude = 0.0
        self.last_t = 0.0

    def ask(self, challenge: Challenge | None, t: float | None) -> None:
        if challenge == self.asked:
            return
        self.asked = challenge
        if challenge is None:
            self.start = math.inf
            return
        now = self.last_t if t is None else t
        self.start = now + float(self.rng.uniform(*self.reaction))
        if challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            self.axis = "yaw"
        elif challenge is Challenge.NOD:
            self.axis = "pitch"
        else:
            self.axis = "yaw" if self.rng.random() < 0.5 else "pitch"
        self.sign = 1.0 if self.rng.random() < 0.5 else -1.0
        self.amplitude = float(self.rng.uniform(*self.amp))
        self.period = float(self.rng.uniform(1.3, 2.0))

    def angles(self, t: float) -> tuple[float, float]:
        self.last_t = t
        if t < self.start:
            return 0.0, 0.0
        # Swing out and back, alternating sides: whichever way fools the camera.
        phase = (t - self.start) / self.period
        k = int(phase)
        a = self.amplitude * math.sin(math.pi * (phase - k)) * (self.sign if k % 2 == 0
                                                                  else -self.sign)
        return (a, 0.0) if self.axis == "yaw" else (0.0, a)


class StillPhoto:
    def __init__(self, member: SyntheticMember, seed: int = 0) -> None:
        self.member = member
        self.rng = np.random.default_rng(seed)
        self.shake = _Shake(self.rng, (1.5, 1.2, 0.3))
        self.photo = member.neutral()

    def set_action(self, challenge: Challenge | None, t: float | None = None) -> None:
        """A photo cannot react."""

    def next_frame(self, t: float) -> np.ndarray:
        dx, dy, rot = self.shake.at(t)
        w, h = self.member.size
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(rot), 1.0)
        m[:, 2] += (dx, dy)
        img = cv2.warpAffine(self.photo, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        return self.member.add_noise(img)


class TiltedPhoto:
    def __init__(self, member: SyntheticMember, seed: int = 0,
                 amp_deg: tuple[float, float] = (28.0, 45.0)) -> None:
        self.member = member
        self.rng = np.random.default_rng(seed)
        self.shake = _Shake(self.rng, (1.5, 1.2, 0.3))
        self.swing = _Swing(self.rng, amp_deg)
        self.photo = member.neutral()
        lm = member.landmarks
        self.centre = (float(lm[:, 0].mean()), float(lm[:, 1].mean()))
        self.zoom = float(self.rng.uniform(1.15, 1.3))

    def set_action(self, challenge: Challenge | None, t: float | None = None) -> None:
        self.swing.ask(challenge, t)

    def next_frame(self, t: float) -> np.ndarray:
        yaw, pitch = self.swing.angles(t)
        dx, dy, rot = self.shake.at(t)
        hm = plane_homography(self.member.size, self.centre, yaw, pitch, roll_deg=float(rot),
                              zoom=self.zoom, shift=(dx, dy))
        img = cv2.warpPerspective(self.photo, hm, self.member.size,
                                  borderMode=cv2.BORDER_REPLICATE)
        return self.member.add_noise(img)


def lobby_background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A plain, softly lit wall with a few blurred shades: no straight edges."""
    w, h = size
    base = rng.uniform(110, 190) + rng.uniform(-15, 15, 3)
    grad = np.linspace(0.85, 1.1, h)[:, None, None]
    img = np.ones((h, w, 3)) * base * grad
    small = rng.normal(0, 12, (5, 8, 1)) + rng.normal(0, 4, (5, 8, 3))
    img += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0, 255).astype(np.uint8)


class BorderedPrint:
    def __init__(self, member: SyntheticMember, seed: int = 0) -> None:
        self.member = member
        self.rng = np.random.default_rng(seed)
        self.shake = _Shake(self.rng, (4.0, 3.0, 1.0))
        self.swing = _Swing(self.rng, (8.0, 18.0))
        w, h = member.size
        lm = member.landmarks
        fw = float(np.ptp(lm[:, 0]))
        cx, cy = float(lm[:, 0].mean()), float(lm[:, 1].mean())
        # Head and shoulders, as a print would frame them.
        x0, x1 = int(max(0, cx - 1.1 * fw)), int(min(w, cx + 1.1 * fw))
        y0, y1 = int(max(0, cy - 1.15 * fw)), int(min(h, cy + 1.35 * fw))
        crop = member.neutral()[y0:y1, x0:x1]
        b = int(round(float(self.rng.uniform(0.05, 0.09)) * (x1 - x0)))
        white = int(self.rng.integers(235, 256))
        self.print = cv2.copyMakeBorder(crop, b, b, b, b, cv2.BORDER_CONSTANT,
                                        value=(white, white, white))
        self.background = lobby_background(member.size, self.rng)
        # Held where the whole print is in view: its face then is a little
        # smaller than a member's at arm's length, but still large enough to
        # pass the distance gate.
        self.scale = float(self.rng.uniform(0.145, 0.165)) * w / fw
        self.centre_print = (b + cx - x0, b + cy - y0)
        self.where = (w * float(self.rng.uniform(0.46, 0.54)),
                      h * float(self.rng.uniform(0.43, 0.5)))

    def set_action(self, challenge: Challenge | None, t: float | None = None) -> None:
        self.swing.ask(challenge, t)

    def next_frame(self, t: float) -> np.ndarray:
        yaw, pitch = self.swing.angles(t)
        dx, dy, rot = self.shake.at(t)
        ph, pw = self.print.shape[:2]
        # Print corners around its face centre, scaled into the frame, then
        # rotated as a plane and projected.
        pc = np.array(self.centre_print)
        corners = np.array([(0, 0), (pw, 0), (pw, ph), (0, ph)], dtype=np.float64)
        w, h = self.member.size
        f = 1.1 * w
        plane = np.column_stack([(corners - pc) * self.scale, np.zeros(4)])
        q = plane @ _rotation(math.radians(yaw), math.radians(pitch), math.radians(rot)).T
        q += (self.where[0] - w / 2 + dx, self.where[1] - h / 2 + dy, f)
        proj = f * q[:, :2] / q[:, 2:3] + (w / 2, h / 2)
        hm = cv2.getPerspectiveTransform(corners.astype(np.float32), proj.astype(np.float32))
        out = self.background.copy()
        cv2.warpPerspective(self.print, hm, (w, h), dst=out, flags=cv2.INTER_AREA,
                            borderMode=cv2.BORDER_TRANSPARENT)
        return self.member.add_noise(out)


class Replay:
    """A recording of the member doing OTHER challenges, played regardless of prompts."""

    def __init__(self, member: SyntheticMember, asked: Sequence[Challenge], seed: int = 0,
                 script: Sequence[Challenge] | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.script = list(script) if script is not None else wrong_script(asked, self.rng)
        self.performer = Performer(member, seed=seed + 1)
        t = float(self.rng.uniform(1.2, 2.2))
        for ch in self.script:
            t = self.performer.perform(ch, t) + float(self.rng.uniform(0.6, 1.2))

    def set_action(self, challenge: Challenge | None, t: float | None = None) -> None:
        """A recording cannot react."""

    def next_frame(self, t: float) -> np.ndarray:
        return self.performer.next_frame(t)


def wrong_script(asked: Sequence[Challenge], rng: np.random.Generator) -> list[Challenge]:
    """Deliberate actions that differ from the asked ones position by position."""
    out = []
    for ch in list(asked) + [None]:
        options = sorted(DELIBERATE - {ch} - set(out), key=lambda c: c.value)
        out.append(options[int(rng.integers(len(options)))])
    return out


def make_attacker(kind: AttackKind, member: SyntheticMember, asked: Sequence[Challenge],
                  seed: int = 0) -> StillPhoto | TiltedPhoto | BorderedPrint | Replay:
    if kind is AttackKind.STILL_PHOTO:
        return StillPhoto(member, seed)
    if kind is AttackKind.TILTED_PHOTO:
        return TiltedPhoto(member, seed)
    if kind is AttackKind.BORDERED_PRINT:
        return BorderedPrint(member, seed)
    return Replay(member, asked, seed)
