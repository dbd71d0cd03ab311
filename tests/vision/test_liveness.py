"""Liveness sessions on synthetic members and attackers (FaceMesh on real frames)."""

# Fixtures come from selfie_helpers (tests/vision/conftest.py is the scan tests'):
# a test's parameter of the same name is the fixture, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import numpy as np
import pytest
from selfie_helpers import (
    Scripted,
    drive,
    selfie_member,  # noqa: F401 - fixture
    selfie_member_factory,  # noqa: F401 - fixture
    selfie_photo,  # noqa: F401 - fixture
)

from vision import facemesh
from vision.liveness import Failure, LivenessSession, Phase
from vision.liveness_actions import Challenge
from vision.pose import NOSE_TIP, head_pose
from vision.synth.actor import Performer
from vision.synth.attacks import BorderedPrint, Replay, StillPhoto, TiltedPhoto
from vision.synth.face import Pose


@pytest.mark.parametrize("challenge", list(Challenge))
def test_live_member_passes_each_challenge(selfie_member, challenge):
    update, session = drive([challenge], Performer(selfie_member, seed=3))
    assert update.live is True, (update.reason, session.stats())
    assert update.reason is None
    assert update.challenge_index == 1 == update.challenges_total
    assert session.best_frame() is not None


def test_live_member_passes_three_challenges_and_keeps_a_frontal_best_frame(selfie_member):
    challenges = [Challenge.NOD, Challenge.TURN_RIGHT, Challenge.SMILE]
    update, session = drive(challenges, Performer(selfie_member, seed=5,
                                                  spontaneous_blink_hz=0.5))
    assert update.live is True, (update.reason, session.stats())
    best = session.best_frame()
    assert best is not None and best.image.shape == (360, 640, 3)
    pose = head_pose(best.points)
    assert abs(pose.yaw_deg) < 12
    session.clear()
    assert session.best_frame() is None


def test_phases_and_countdown(selfie_member):
    session = LivenessSession([Challenge.BLINK, Challenge.TURN_LEFT])
    performer = Performer(selfie_member, seed=2)
    phases, lefts = [], []
    for i in range(400):
        t = i / 20
        update = session.feed(performer.next_frame(t), t)
        phases.append(update.phase)
        if update.phase is Phase.CHALLENGE and update.challenge_index == 0:
            lefts.append(update.time_left_s)
            assert update.challenge is Challenge.BLINK
            assert update.face_box is not None and update.face_box[2] > 50
        if update.done:
            break
        performer.set_action(update.challenge, t)
    assert update.done and update.live, session.stats()
    first_challenge = phases.index(Phase.CHALLENGE)
    assert set(phases[:first_challenge]) == {Phase.GET_READY}
    assert phases[-1] is Phase.DONE
    assert lefts == sorted(lefts, reverse=True) and lefts[0] <= 6.0
    # Once done, further frames change nothing.
    assert session.feed(performer.next_frame(99.0), 99.0) is update


def test_turn_left_is_the_members_left_nose_to_image_right(selfie_member):
    """Unmirrored camera: a member turning to THEIR left moves the nose toward
    the image's right edge; that (and only that) answers TURN_LEFT."""
    frontal = facemesh.detect(selfie_member.frame(0, 0, t=0.0))[0].points
    turned = facemesh.detect(selfie_member.frame(25, 0, t=0.04))[0].points
    assert turned[NOSE_TIP, 0] - frontal[NOSE_TIP, 0] > 0.05 * np.ptp(frontal[:, 0])
    assert head_pose(turned).yaw_deg - head_pose(frontal).yaw_deg > 12

    def turn(sign: float):
        return lambda t: Pose(yaw_deg=sign * 28 * max(0.0, min(1.0, (t - 1.6) / 0.4)))

    update, _ = drive([Challenge.TURN_LEFT], Scripted(selfie_member, turn(+1)))
    assert update.live is True
    update, _ = drive([Challenge.TURN_LEFT], Scripted(selfie_member, turn(-1)))
    assert (update.live, update.reason) == (False, Failure.WRONG_CHALLENGE.value)


def test_challenges_must_come_in_order(selfie_member):
    performer = Performer(selfie_member, seed=4)
    performer.perform(Challenge.TURN_RIGHT, 1.8)  # asked second, done first
    performer.perform(Challenge.NOD, 3.6)

    class Deaf:
        set_action = staticmethod(lambda c, t: None)
        next_frame = staticmethod(performer.next_frame)

    update, _ = drive([Challenge.NOD, Challenge.TURN_RIGHT], Deaf())
    assert (update.live, update.reason) == (False, "wrong_challenge")


def test_blinks_never_count_as_a_wrong_answer(selfie_member):
    performer = Performer(selfie_member, seed=6, spontaneous_blink_hz=1.5)
    update, session = drive([Challenge.TURN_LEFT], performer)
    assert update.live is True, session.stats()


def test_doing_nothing_but_blinking_times_out(selfie_member):
    def blinking(t: float) -> Pose:
        return Pose(blink=1.0 if t > 2.0 and t % 1.0 < 0.2 else 0.0)

    update, session = drive([Challenge.SMILE], Scripted(selfie_member, blinking), timeout_s=2.0)
    assert (update.live, update.reason) == (False, "timeout"), session.stats()
    assert session.best_frame() is None  # a failed attempt keeps nothing


# -- attacks -------------------------------------------------------------------
def test_still_photo_fails_for_no_motion(selfie_member):
    update, session = drive([Challenge.TURN_LEFT, Challenge.BLINK],
                            StillPhoto(selfie_member, seed=1), timeout_s=2.5)
    assert (update.live, update.reason) == (False, "no_motion"), session.stats()


def test_tilted_photo_faking_turns_fails_as_planar(selfie_member):
    attacker = TiltedPhoto(selfie_member, seed=2, amp_deg=(40.0, 55.0))
    update, session = drive([Challenge.TURN_LEFT, Challenge.NOD], attacker)
    assert (update.live, update.reason) == (False, "planar_motion"), session.stats()
    assert session.stats()["planar_frames"] >= 3


def test_tilted_photo_never_passes_a_turn(selfie_member_factory):
    # Whatever the swing, a flat picture does not turn like a head.
    for seed in range(3):
        attacker = TiltedPhoto(selfie_member_factory(seed=seed), seed=seed)
        update, session = drive([Challenge.TURN_RIGHT], attacker, timeout_s=4.0)
        assert update.live is False, session.stats()
        assert update.reason in ("planar_motion", "timeout", "no_motion")


def test_bordered_print_fails_for_its_border(selfie_member):
    update, session = drive([Challenge.TURN_RIGHT, Challenge.SMILE],
                            BorderedPrint(selfie_member, seed=3))
    assert (update.live, update.reason) == (False, "border_detected"), session.stats()


def test_replay_of_other_challenges_fails(selfie_member):
    asked = [Challenge.BLINK, Challenge.TURN_LEFT]
    replay = Replay(selfie_member, asked, seed=4,
                    script=[Challenge.TURN_RIGHT, Challenge.SMILE])
    update, session = drive(asked, replay)
    assert (update.live, update.reason) == (False, "wrong_challenge"), session.stats()


def test_replay_with_the_right_moves_in_the_wrong_order_fails(selfie_member):
    asked = [Challenge.TURN_LEFT, Challenge.NOD]
    replay = Replay(selfie_member, asked, seed=5, script=[Challenge.NOD, Challenge.TURN_LEFT])
    update, _ = drive(asked, replay)
    assert (update.live, update.reason) == (False, "wrong_challenge")


def test_two_faces_never_start_the_challenges(selfie_member_factory):
    a = selfie_member_factory(seed=1, size=(320, 360), face_frac=0.45)
    b = selfie_member_factory(seed=2, size=(320, 360), face_frac=0.45)

    class Pair:
        set_action = staticmethod(lambda c, t: None)

        @staticmethod
        def next_frame(t: float) -> np.ndarray:
            return np.hstack([a.frame(t=t), b.frame(t=t)])

    session = LivenessSession([Challenge.BLINK])
    pair = Pair()
    for i in range(20):
        update = session.feed(pair.next_frame(i / 20), i / 20)
        assert update.phase is Phase.GET_READY
    assert update.guidance is not None and update.guidance.value == "many_faces"


def test_clear_mid_session_ends_it(selfie_member):
    session = LivenessSession([Challenge.NOD])
    performer = Performer(selfie_member, seed=8)
    for i in range(30):
        update = session.feed(performer.next_frame(i / 20), i / 20)
    assert update.phase is Phase.CHALLENGE and session.best_frame() is not None
    session.clear()
    assert session.best_frame() is None
    after = session.feed(performer.next_frame(2.0), 2.0)
    assert after.done and after.live is False and after.reason == Failure.CANCELLED.value


class _SwapAfter:
    """A live member does the moves; after ``t_swap`` another face (the same
    photo far to one side: a photo held up elsewhere) takes their place."""

    def __init__(self, performer: Performer, t_swap: float) -> None:
        self.performer = performer
        self.t_swap = t_swap

    def set_action(self, challenge, t):
        self.performer.set_action(challenge, t)

    def next_frame(self, t):
        frame = self.performer.next_frame(t)
        if t < self.t_swap:
            return frame
        return np.ascontiguousarray(np.roll(frame, frame.shape[1] // 3, axis=1))


def test_a_face_swapped_in_mid_check_fails_and_is_never_the_best_frame(selfie_member):
    # Swap shortly after the challenges begin (get-ready takes ~1 s).
    update, session = drive([Challenge.TURN_LEFT, Challenge.BLINK],
                            _SwapAfter(Performer(selfie_member, seed=3), t_swap=1.6))
    assert update.live is False and update.reason == Failure.FACE_CHANGED.value
    assert session.best_frame() is None
