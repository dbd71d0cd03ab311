"""Pure parts of liveness: challenge parsing and drawing, the action detector,
the planar-motion and border checks on constructed inputs (no model)."""

from __future__ import annotations

import math
import random

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vision.liveness_actions import (
    ActionConfig,
    ActionDetector,
    Baseline,
    Challenge,
    Measures,
    draw_challenges,
    parse_challenges,
)
from vision.liveness_passive import (
    BorderCheck,
    PassiveConfig,
    PlanarMotionCheck,
    find_border,
    homography_residual,
    similarity_residual,
)
from vision.pose import RIGID_POINTS
from vision.synth.face import _rotation

# -- challenges ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("turn_left,blink", [Challenge.TURN_LEFT, Challenge.BLINK]),
    (" TURN-RIGHT , nod ,smile", [Challenge.TURN_RIGHT, Challenge.NOD, Challenge.SMILE]),
    ("blink,", [Challenge.BLINK]),
    (["nod", "smile"], [Challenge.NOD, Challenge.SMILE]),
])
def test_parse_challenges(text, expected):
    assert parse_challenges(text) == expected


@pytest.mark.parametrize("text", ["", ",", "jump", "turn_left;blink", "turn left",
                                  "blink,wink", "\x00", "turn_left," * 1000 + "x"])
def test_parse_challenges_refuses(text):
    with pytest.raises(ValueError):
        parse_challenges(text)


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_parse_challenges_fuzz_only_value_error(text):
    try:
        out = parse_challenges(text)
    except ValueError:
        return
    assert out and all(isinstance(c, Challenge) for c in out)


@pytest.mark.parametrize("rng", [random.Random(1), np.random.default_rng(1)])
@pytest.mark.parametrize("n", [2, 3])
def test_draw_challenges_distinct(rng, n):
    for _ in range(50):
        drawn = draw_challenges(rng, n)
        assert len(drawn) == n == len(set(drawn))


def test_draw_challenges_covers_all_and_rejects_bad_n():
    rng = random.Random(7)
    seen = {c for _ in range(100) for c in draw_challenges(rng, 2)}
    assert seen == set(Challenge)
    for bad in (0, 1, 4):
        with pytest.raises(ValueError):
            draw_challenges(rng, bad)


def test_challenge_values_are_the_wire_names():
    assert [c.value for c in Challenge] == ["turn_left", "turn_right", "blink", "nod", "smile"]


# -- action detector -------------------------------------------------------------
BASE = Baseline(yaw_deg=2.0, pitch_deg=8.0, ear=0.30, mouth=0.70)


def feed(detector: ActionDetector, rows, fps: float = 20.0):
    events = []
    for i, row in enumerate(rows):
        for e in detector.update(Measures(*row), i / fps):
            events.append((i, e))
    return events


def neutral(n: int):
    return [(BASE.yaw_deg, BASE.pitch_deg, BASE.ear, BASE.mouth)] * n


def test_turn_is_one_event_with_hysteresis():
    det = ActionDetector(BASE)
    left = [(BASE.yaw_deg + 20, BASE.pitch_deg, 0.3, 0.7)] * 10
    events = feed(det, neutral(3) + left + neutral(3) + left)
    assert [e for _, e in events] == [Challenge.TURN_LEFT, Challenge.TURN_LEFT]


@pytest.mark.parametrize(("dyaw", "expected"), [(+18, Challenge.TURN_LEFT),
                                                (-18, Challenge.TURN_RIGHT)])
def test_turn_direction_sign(dyaw, expected):
    det = ActionDetector(BASE)
    events = feed(det, neutral(2) + [(BASE.yaw_deg + dyaw, BASE.pitch_deg, 0.3, 0.7)] * 3)
    assert [e for _, e in events] == [expected]


def test_single_frame_spike_is_not_a_turn():
    det = ActionDetector(BASE)
    spike = [(BASE.yaw_deg + 30, BASE.pitch_deg, 0.3, 0.7)]
    assert feed(det, neutral(3) + spike + neutral(3)) == []


def test_nod_either_way_and_not_confused_with_turn():
    for dp in (+12, -12):
        det = ActionDetector(BASE)
        rows = neutral(2) + [(BASE.yaw_deg + 4, BASE.pitch_deg + dp, 0.3, 0.7)] * 3
        assert [e for _, e in feed(det, rows)] == [Challenge.NOD]
    det = ActionDetector(BASE)  # a diagonal movement is neither: no answer at all
    diagonal = [(BASE.yaw_deg + 15, BASE.pitch_deg + 14, 0.3, 0.7)] * 3
    assert feed(det, neutral(2) + diagonal) == []


def test_blink_needs_closing_and_reopening_within_the_limit():
    det = ActionDetector(BASE)
    closed = [(BASE.yaw_deg, BASE.pitch_deg, 0.08, 0.7)]
    assert [e for _, e in feed(det, neutral(3) + closed * 4 + neutral(2))] == [Challenge.BLINK]
    det = ActionDetector(BASE)  # eyes shut for 2 s: not a blink
    assert feed(det, neutral(3) + closed * 40 + neutral(2)) == []
    det = ActionDetector(BASE)  # a squint is not a blink
    squint = [(BASE.yaw_deg, BASE.pitch_deg, 0.24, 0.7)] * 4
    assert feed(det, neutral(3) + squint + neutral(2)) == []


def test_blink_is_ignored_while_the_head_is_turned():
    det = ActionDetector(BASE)
    turned_closed = [(BASE.yaw_deg + 25, BASE.pitch_deg, 0.05, 0.7)] * 3
    turned_open = [(BASE.yaw_deg + 25, BASE.pitch_deg, 0.3, 0.7)] * 2
    events = [e for _, e in feed(det, neutral(2) + turned_open + turned_closed + turned_open)]
    assert Challenge.BLINK not in events


def test_smile_relative_to_own_baseline():
    det = ActionDetector(BASE)
    smile = [(BASE.yaw_deg, BASE.pitch_deg, 0.3, BASE.mouth * 1.2)] * 4
    assert [e for _, e in feed(det, neutral(2) + smile)] == [Challenge.SMILE]
    det = ActionDetector(Baseline(0, 0, 0.3, 0.9))  # a wide mouth at rest is no smile
    assert feed(det, [(0, 0, 0.3, 0.92)] * 10) == []


def test_detector_config_is_respected():
    det = ActionDetector(BASE, ActionConfig(turn_deg=30.0))
    rows = neutral(2) + [(BASE.yaw_deg + 20, BASE.pitch_deg, 0.3, 0.7)] * 5
    assert feed(det, rows) == []


# -- planar motion ---------------------------------------------------------------
def face_cloud(seed: int = 0) -> np.ndarray:
    """478 points on a face-like surface: x, y in px, z (depth, toward -z) in px."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-80, 80, (478, 2)) * (1.0, 1.2)
    r2 = (xy[:, 0] / 80) ** 2 + (xy[:, 1] / 96) ** 2
    z = 60 * r2 - 40 * np.exp(-((xy[:, 0] / 15) ** 2 + ((xy[:, 1] - 10) / 30) ** 2))
    return np.column_stack([xy + (320, 180), z])


def rotate(points: np.ndarray, yaw: float, pitch: float = 0.0) -> np.ndarray:
    c = points[:, :2].mean(axis=0)
    p = points.copy()
    p[:, :2] -= c
    p[:, 2] -= 80  # pivot behind the face
    p = p @ _rotation(math.radians(yaw), math.radians(pitch), 0.0).T
    p[:, :2] += c
    p[:, 2] += 80
    return p


def test_residual_helpers():
    rng = np.random.default_rng(3)
    src = rng.uniform(0, 100, (40, 2))
    theta = 0.3
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    assert similarity_residual(src, 1.7 * src @ rot.T + (5, -2)) < 1e-6
    hm = np.array([[1.1, 0.1, 3], [0.05, 0.9, -4], [0.001, 0.0005, 1]])
    dst = cv2.perspectiveTransform(src.reshape(-1, 1, 2), hm).reshape(-1, 2)
    assert homography_residual(src, dst) < 1e-6
    assert similarity_residual(src, dst) > 1.0


def test_a_turning_head_is_solid_and_a_swung_plane_is_planar():
    ref = face_cloud()
    size = 160.0
    head = PlanarMotionCheck(ref, size, 640)
    rng = np.random.default_rng(1)
    for yaw in (8, 14, 20, 25, 20, 10):
        cur = rotate(ref, yaw)
        cur[:, :2] += rng.normal(0, 0.3, (478, 2))
        head.update(cur)
    assert head.solid >= 3 and not head.is_planar

    photo = PlanarMotionCheck(ref, size, 640)
    corners = np.float32([(0, 0), (640, 0), (640, 360), (0, 360)])
    for k in (0.08, 0.14, 0.2, 0.14):
        # A picture swung about a vertical axis: the near side grows, the far side shrinks.
        far = np.float32([(40, 360 * k), (600, -360 * k / 3), (600, 360 + 360 * k / 3),
                          (40, 360 - 360 * k)])
        hm = cv2.getPerspectiveTransform(corners, far)
        cur = ref.copy()
        cur[:, :2] = cv2.perspectiveTransform(ref[:, :2].reshape(-1, 1, 2), hm).reshape(-1, 2)
        cur[:, :2] += rng.normal(0, 0.3, (478, 2))
        photo.update(cur)
    assert photo.is_planar, (photo.planar, photo.solid)


def test_small_motion_is_not_evidence_either_way():
    ref = face_cloud()
    check = PlanarMotionCheck(ref, 160.0, 640)
    for _ in range(10):
        assert check.update(ref + np.random.default_rng(2).normal(0, 0.2, ref.shape)) is None
    assert check.planar == check.solid == 0 and not check.is_planar


def test_rigid_points_are_valid_indices():
    assert RIGID_POINTS.max() < 468 and len(set(RIGID_POINTS.tolist())) == len(RIGID_POINTS)


# -- border ----------------------------------------------------------------------
def scene(border: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    img = np.full((360, 640, 3), 150, np.uint8)
    rng = np.random.default_rng(0)
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    face = (280, 120, 80, 95)
    if border in ("closed", "open_bottom"):
        cv2.rectangle(img, (200, 40), (440, 330), (245, 245, 245), 12)
        cv2.rectangle(img, (212, 52), (428, 318), (90, 70, 60), -1)
    if border == "open_bottom":  # a door frame: the body hides the bottom
        img[240:, 150:500] = (60, 50, 120)
    cv2.ellipse(img, (320, 167), (40, 48), 0, 0, 360, (150, 170, 200), -1)
    return img, face


def test_find_border_sees_a_frame_around_the_face():
    img, face = scene("closed")
    sides = find_border(img, face)
    assert sides is not None and set(sides) == {"top", "bottom", "left", "right"}


@pytest.mark.parametrize("kind", ["none", "open_bottom"])
def test_find_border_needs_all_four_sides(kind):
    img, face = scene(kind)
    assert find_border(img, face) is None


def test_border_check_needs_repeated_hits():
    img, face = scene("closed")
    blank, _ = scene("none")
    check = BorderCheck(PassiveConfig(border_window=6, border_hits=3))
    assert not check.update(img, face)
    assert not check.update(blank, face)
    assert not check.update(img, face)
    assert check.update(img, face)
