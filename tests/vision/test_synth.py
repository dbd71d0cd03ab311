"""Synthetic members and attackers: they must look to FaceMesh like what they claim."""

# Fixtures come from selfie_helpers (tests/vision/conftest.py is the scan tests'):
# a test's parameter of the same name is the fixture, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import itertools

import numpy as np
import pytest
from selfie_helpers import (
    SIZE,
    needs_faces,
    selfie_member,  # noqa: F401 - fixture
    selfie_member_factory,  # noqa: F401 - fixture
    selfie_photo,  # noqa: F401 - fixture
    shared_photo,
)

from common.errors import Reason, VisionError
from vision import facemesh
from vision.liveness_actions import DELIBERATE, Challenge
from vision.liveness_passive import similarity_residual
from vision.pose import NOSE_TIP, RIGID_POINTS, eye_aspect_ratio, mouth_ratio
from vision.synth.actor import Performer, action_for
from vision.synth.attacks import (
    AttackKind,
    BorderedPrint,
    StillPhoto,
    TiltedPhoto,
    make_attacker,
    wrong_script,
)
from vision.synth.face import FRAME_SIZE, Pose, SyntheticMember


def landmarks(image: np.ndarray) -> np.ndarray:
    faces = facemesh.detect(image)
    assert len(faces) == 1
    return faces[0].points


def test_default_frame_is_720p_bgr(selfie_photo):
    member = SyntheticMember(selfie_photo, seed=0)
    frame = member.frame(10, -5, 0.2, 0.3, t=0.0)
    assert frame.shape == (FRAME_SIZE[1], FRAME_SIZE[0], 3) and frame.dtype == np.uint8


def test_same_seed_same_frames(selfie_photo):
    a = SyntheticMember(selfie_photo, seed=4, size=SIZE)
    b = SyntheticMember(selfie_photo, seed=4, size=SIZE)
    for t in (0.0, 0.04, 0.08):
        assert np.array_equal(a.frame(12, 3, 0.5, 0.5, t), b.frame(12, 3, 0.5, 0.5, t))


def test_a_still_member_is_never_perfectly_static(selfie_member):
    p0 = landmarks(selfie_member.frame(t=0.0))
    p1 = landmarks(selfie_member.frame(t=1.0))
    assert 0 < np.abs(p1[:, :2] - p0[:, :2]).mean() < 0.03 * np.ptp(p0[:, 0])


def test_photo_without_a_face_is_refused():
    with pytest.raises(VisionError) as info:
        SyntheticMember(np.full((200, 200, 3), 120, np.uint8))
    assert info.value.reason is Reason.NO_FACE


@needs_faces
def test_photo_with_two_people_is_refused():
    with pytest.raises(VisionError) as info:
        SyntheticMember(shared_photo("two_people"))
    assert info.value.reason is Reason.MANY_FACES


def test_yaw_sign_moves_the_nose_to_the_image_right(selfie_member):
    """The renderer's convention: yaw > 0 is the member's left (unmirrored)."""
    neutral = selfie_member.project(Pose(), 0.0)
    turned = selfie_member.project(Pose(yaw_deg=20), 0.0)
    assert turned[NOSE_TIP, 0] > neutral[NOSE_TIP, 0] + 5
    down = selfie_member.project(Pose(pitch_deg=15), 0.0)
    assert down[NOSE_TIP, 1] > neutral[NOSE_TIP, 1] + 5


def test_blink_is_seen_by_the_eye_aspect_ratio(selfie_member):
    open_ear = eye_aspect_ratio(landmarks(selfie_member.frame(t=0.0)))
    closed_ear = eye_aspect_ratio(landmarks(selfie_member.frame(blink=1.0, t=0.04)))
    half_ear = eye_aspect_ratio(landmarks(selfie_member.frame(blink=0.5, t=0.08)))
    assert closed_ear < 0.62 * open_ear
    assert closed_ear < half_ear < open_ear


def test_smile_widens_the_mouth(selfie_member):
    rest = mouth_ratio(landmarks(selfie_member.frame(t=0.0)))
    smile = mouth_ratio(landmarks(selfie_member.frame(smile=1.0, t=0.04)))
    assert smile > 1.15 * rest


@needs_faces
@pytest.mark.parametrize("name", ["obama", "biden2"])
def test_other_photos_animate_too(selfie_member_factory, name):
    member = selfie_member_factory(shared_photo(name), seed=2)
    rest = landmarks(member.frame(t=0.0))
    closed = landmarks(member.frame(blink=1.0, t=0.04))
    assert eye_aspect_ratio(closed) < 0.7 * eye_aspect_ratio(rest)


def test_performer_script_and_envelopes(selfie_member):
    performer = Performer(selfie_member, seed=1)
    frames = list(performer.frames_for([Challenge.BLINK], fps=10.0, ready_s=0.5, gap_s=0.2,
                                       tail_s=0.1))
    assert [round(t, 2) for t, _ in frames[:3]] == [0.0, 0.1, 0.2]
    assert frames[-1][0] >= 0.5 + action_for(Challenge.BLINK).duration_s
    p = Performer(selfie_member, seed=2, reaction_s=(0.0, 0.0))
    p.set_action(Challenge.TURN_LEFT, 1.0)
    p.set_action(Challenge.TURN_LEFT, 1.2)  # the same prompt again: no second turn
    action = action_for(Challenge.TURN_LEFT)
    peak = p.pose_at(1.0 + action.rise_s + 0.1)
    assert peak.yaw_deg > 20 and peak.blink == 0
    assert p.pose_at(1.0 + action.duration_s + 0.5) == Pose()


def test_action_envelope_is_continuous():
    action = action_for(Challenge.NOD)
    values = [action.amount(t / 100) for t in range(-10, int(action.duration_s * 100) + 10)]
    assert max(values) == pytest.approx(1.0) and values[0] == 0 and values[-1] == 0
    assert max(abs(a - b) for a, b in itertools.pairwise(values)) < 0.1


def test_still_photo_moves_rigidly(selfie_member):
    attacker = StillPhoto(selfie_member, seed=1)
    ref = landmarks(attacker.next_frame(0.0))[RIGID_POINTS, :2].astype(float)
    for t in (0.5, 1.0, 1.5):
        cur = landmarks(attacker.next_frame(t))[RIGID_POINTS, :2].astype(float)
        assert similarity_residual(ref, cur) < 0.01 * np.ptp(ref[:, 0]) * 2


def test_tilted_photo_swings_when_asked(selfie_member):
    attacker = TiltedPhoto(selfie_member, seed=1, amp_deg=(40, 40))
    before = attacker.next_frame(0.0)
    attacker.set_action(Challenge.TURN_LEFT, 0.0)
    later = [attacker.next_frame(t / 10) for t in range(5, 25)]
    assert max(np.abs(f.astype(int) - before.astype(int)).mean() for f in later) > 5


def test_bordered_print_has_a_white_border(selfie_member):
    attacker = BorderedPrint(selfie_member, seed=1)
    frame = attacker.next_frame(0.0)
    assert attacker.print[:3].mean() > 220 and attacker.print[:, :3].mean() > 220
    assert facemesh.detect(frame), "the printed face must be detectable"


@pytest.mark.parametrize("asked", [list(p) for p in itertools.permutations(Challenge, 2)]
                         + [list(p) for p in itertools.permutations(Challenge, 3)][::7])
def test_wrong_script_differs_everywhere(asked):
    script = wrong_script(asked, np.random.default_rng(len(asked)))
    assert len(script) == len(asked) + 1 and len(set(script)) == len(script)
    assert all(c in DELIBERATE for c in script)
    assert all(s != a for s, a in zip(script, asked, strict=False))


def test_make_attacker_covers_every_kind(selfie_member):
    for kind in AttackKind:
        actor = make_attacker(kind, selfie_member, [Challenge.NOD, Challenge.SMILE], seed=3)
        actor.set_action(Challenge.NOD, 0.0)
        assert actor.next_frame(0.1).shape == (SIZE[1], SIZE[0], 3)


def test_reactive_prompt_without_a_time_uses_the_last_frame(selfie_member):
    p = Performer(selfie_member, seed=3, reaction_s=(0.0, 0.0))
    p.next_frame(2.0)
    p.set_action(Challenge.NOD)
    action = action_for(Challenge.NOD)
    assert p.pose_at(2.0 + action.rise_s + 0.05).pitch_deg > 10
    attacker = TiltedPhoto(selfie_member, seed=1)
    attacker.next_frame(1.0)
    attacker.set_action(Challenge.TURN_LEFT)
    assert 1.0 < attacker.swing.start < 2.5
