"""The kiosk's guide counts a blink only where the judge counts it too.

The judge (``backend.judge``) decides on the frames the guide saw, sent as
640 px JPEGs: the same moments, landmarks a little apart. A blink is seen
once, so a blink the guide counts at the edge of its limits and the judge
does not ends the selfie with the judge still waiting for it: the member is
refused "incomplete" (soak run 9). ``guide_config`` keeps the guide's blink
inside the judge's limits by a margin wider than that difference.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from kiosk.selfie import encode_jpeg
from kiosk.selfie_step import tail_complete
from vision.liveness import (
    GUIDE_BLINK_MARGIN_DEG,
    GUIDE_BLINK_MARGIN_RATIO,
    LivenessConfig,
    LivenessSession,
    guide_config,
)
from vision.liveness_actions import ActionDetector, Baseline, Challenge, Measures

BASE = Baseline(yaw_deg=2.0, pitch_deg=8.0, ear=0.30, mouth=0.70)
JUDGE = LivenessConfig(challenge_timeout_s=6.0)  # what backend.judge.w_open builds
GUIDE = guide_config(6.0)
# How far apart the guide's raw frame and the judge's JPEG of it were measured
# (the demo member at 1280x720, JPEG 640 px q50): up to 1.9 deg of yaw and
# 0.05 of the eye ratio.
JPEG_YAW_DEG, JPEG_EAR = 2.0, 0.05


def blinks(actions: object, rows: list[tuple[float, float, float]]) -> int:
    """BLINK events for frames of (yaw from baseline, pitch from baseline, eye ratio)."""
    det = ActionDetector(BASE, actions)  # type: ignore[arg-type]
    n = 0
    for i, (dyaw, dpitch, ear_r) in enumerate(rows):
        m = Measures(BASE.yaw_deg + dyaw, BASE.pitch_deg + dpitch, BASE.ear * ear_r,
                     BASE.mouth)
        n += det.update(m, i / 30.0).count(Challenge.BLINK)
    return n


# The head coming back from a turn (or a nod) while the eyes close and open:
# (the guide's view, the judge's view of the same frames).
TURN_BACK_GUIDE = [(-17.5, 0, 0.53), (-16.1, 0, 0.50), (-11.85, 0, 0.51), (-9.5, 0, 0.80),
                   (-6.4, 0, 1.0), (-4.1, 0, 1.0)]
TURN_BACK_JUDGE = [(-15.7, 0, 0.48), (-15.3, 0, 0.49), (-12.77, 0, 0.48), (-8.7, 0, 0.84),
                   (-6.0, 0, 0.98), (-4.2, 0, 0.98)]


def shifted(rows: list[tuple[float, float, float]], dyaw: float, dpitch: float,
            dear: float) -> list[tuple[float, float, float]]:
    """The judge's view: every frame's head further out (or in) and eyes wider (or not)."""
    def away(v: float, d: float) -> float:
        return v + d if v >= 0 else v - d

    return [(away(y, dyaw), away(p, dpitch), e + dear) for y, p, e in rows]


EDGE_ROWS = {
    # measured: soak run 9's refusal, reproduced with the demo member
    "turn back (measured)": (TURN_BACK_GUIDE, TURN_BACK_JUDGE),
    # the closure just inside the guide's yaw limit, the judge's view further out
    **{f"yaw edge {y:+.1f}": (
        [(y * 1.6, 0, 0.5), (y, 0, 0.5), (y * 0.7, 0, 0.55), (0.5 * y, 0, 1.0)],
        shifted([(y * 1.6, 0, 0.5), (y, 0, 0.5), (y * 0.7, 0, 0.55), (0.5 * y, 0, 1.0)],
                JPEG_YAW_DEG, 0, JPEG_EAR))
        for y in (-9.0, -10.5, -11.9, 9.0, 11.9)},
    # a nod coming back up while the eyes close
    **{f"pitch edge {p:+.1f}": (
        [(0, p * 1.5, 0.5), (0, p, 0.5), (0, p * 0.6, 1.0)],
        shifted([(0, p * 1.5, 0.5), (0, p, 0.5), (0, p * 0.6, 1.0)], 0, JPEG_YAW_DEG, 0))
        for p in (-6.0, -8.9, 6.0, 8.9)},
    # half-closed eyes right at the guide's ratio, the judge seeing them wider
    **{f"ratio edge {r:.2f}": (
        [(0, 0, 1.0), (0, 0, r), (0, 0, r), (0, 0, 1.0)],
        [(0, 0, 1.0), (0, 0, r + JPEG_EAR), (0, 0, r + JPEG_EAR), (0, 0, 1.0)])
        for r in (0.60, 0.62, 0.65, 0.67)},
}


@pytest.mark.parametrize("name", list(EDGE_ROWS))
def test_a_blink_the_guide_counts_the_judge_counts(name: str) -> None:
    guide_view, judge_view = EDGE_ROWS[name]
    if blinks(GUIDE.actions, guide_view):
        assert blinks(JUDGE.actions, judge_view), f"{name}: the guide counted a blink the judge missed"


@pytest.mark.parametrize("rows", [
    [(0, 0, 1.0), (0, 0, 0.3), (0, 0, 0.25), (0, 0, 1.0)],  # an ordinary blink
    [(5.0, 3.0, 1.0), (5.0, 3.0, 0.45), (4.0, 3.0, 0.9)],  # slightly off frontal
])
def test_the_guide_still_counts_ordinary_blinks(rows: list[tuple[float, float, float]]) -> None:
    assert blinks(GUIDE.actions, rows) == 1
    assert blinks(JUDGE.actions, rows) == 1


def test_the_guide_differs_from_the_judge_only_in_the_blink_margins() -> None:
    j, g = JUDGE.actions, GUIDE.actions
    assert g.expression_max_yaw_deg == j.expression_max_yaw_deg - GUIDE_BLINK_MARGIN_DEG
    assert g.expression_max_pitch_deg == j.expression_max_pitch_deg - GUIDE_BLINK_MARGIN_DEG
    assert g.blink_ratio == pytest.approx(j.blink_ratio - GUIDE_BLINK_MARGIN_RATIO)
    # the margins exceed what the JPEG moves
    assert GUIDE_BLINK_MARGIN_DEG > JPEG_YAW_DEG and GUIDE_BLINK_MARGIN_RATIO > JPEG_EAR
    same = {"expression_max_yaw_deg", "expression_max_pitch_deg", "blink_ratio"}
    for f in dataclasses.fields(j):
        if f.name not in same:
            assert getattr(g, f.name) == getattr(j, f.name), f.name
    assert dataclasses.replace(GUIDE, actions=j) == JUDGE


def test_the_kiosk_guides_with_the_guide_config() -> None:
    from kiosk.config import parse_config
    from kiosk.wiring import RealServices

    services = RealServices.__new__(RealServices)  # new_liveness reads only the config
    services.config = parse_config({})
    session = services.new_liveness(["turn_right", "blink"])
    assert session.config == guide_config(parse_config({}).selfie.challenge_timeout_s)


# -- the measured case, end to end: the demo member, raw frames to the guide,
# -- their JPEGs to a judge, the member reacting to what the guide shows ------------
def _selfie(guide: LivenessConfig, challenges: list[Challenge], *, offset_s: float,
            ask_lag_s: float, fps: float = 30.0) -> tuple[LivenessSession, LivenessSession]:
    from vision.synth.actor import Performer
    from vision.synth.face import SyntheticMember, astronaut_bgr

    performer = Performer(SyntheticMember(astronaut_bgr(), seed=0, size=(1280, 720)), seed=0)
    local = LivenessSession(challenges, config=guide, clock=lambda: 0.0)
    judge = LivenessSession(challenges, config=JUDGE, clock=lambda: 0.0)
    asks: list[tuple[float, Challenge | None]] = []
    asked, asked_t = None, 0.0
    t, done_t, tail = offset_s, None, 0
    while t < 15.0:
        for ask in [a for a in asks if a[0] <= t]:
            asks.remove(ask)
            ta, ch = ask
            if ch is not None and ch == asked and ta - asked_t > 2.0:
                performer.perform(ch, ta + 0.2)  # the demo stage's member asks itself again
                asked_t = ta
            elif ch != asked:
                asked, asked_t = ch, ta
            performer.set_action(ch, ta)
        image = performer.next_frame(t)
        jpeg = encode_jpeg(image, 640, 50)
        if not judge.done:
            judge.feed(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), t)
        if done_t is None:
            update = local.feed(image, t)
            asks.append((t + ask_lag_s, update.challenge))
            if update.done:
                done_t = t
        else:
            tail += 1
            if tail_complete(t - done_t, tail):
                break
        t += 1.0 / fps
    return local, judge


def test_a_turn_then_a_blink_is_judged_live() -> None:
    """turn_right then blink, the blink asked while the head comes back: the
    guide passes only once the judge, on the JPEGs, has decided live."""
    local, judge = _selfie(GUIDE, [Challenge.TURN_RIGHT, Challenge.BLINK],
                           offset_s=0.02, ask_lag_s=0.16)
    assert local.result is not None and local.result.live
    assert judge.result is not None and judge.result.live, judge.stats()
