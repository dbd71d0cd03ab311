"""The demo and evaluation cameras' scene (rendered in the camera's own
process in use; here called directly, issue #19)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.stage import Stage
from vision import facemesh
from vision.pose import head_pose

SIZE = (640, 360)
T0 = 5000.0  # the kiosk's clock when the person steps in


@pytest.fixture(scope="module")
def stage() -> Stage:
    return Stage(size=SIZE, seed=0, demo_member=False, include_shared=False)


def yaw_at(stage: Stage, t: float) -> float | None:
    faces = facemesh.detect(stage.frame(t))
    return head_pose(faces[0].points).yaw_deg if faces else None


def test_idle_and_a_phone_are_still_pictures(stage):
    stage.command("idle")
    lobby = stage.frame(T0)
    assert lobby.shape == (SIZE[1], SIZE[0], 3)
    stage.command("phone", "KIOSK1:test-pass")
    phone = stage.frame(T0)
    assert phone.shape == lobby.shape and not np.array_equal(phone, lobby)
    assert stage.frame(T0 + 5) is phone  # held still: the same picture
    stage.command("idle")
    assert np.array_equal(stage.frame(T0), lobby)


def test_a_cast_member_turns_when_asked_at_the_kiosks_time(stage):
    stage.command("cast", T0, "live", 0, 3, [], 0.0)
    rest = yaw_at(stage, T0 + 1.0)
    assert rest is not None
    stage.command("ask", T0 + 1.0, "turn_left")
    # A person reacts within a second and holds the turn about half a second.
    turned = [yaw_at(stage, T0 + 1.0 + dt) for dt in np.arange(0.4, 2.6, 0.1)]
    assert max(y for y in turned if y is not None) - rest > 10


def test_an_attacker_is_cast_like_a_member(stage):
    stage.command("cast", T0, "still_photo", 0, 1, ["turn_left", "blink"], 0.0)
    assert facemesh.detect(stage.frame(T0 + 0.5))


def test_an_unknown_command_is_refused(stage):
    with pytest.raises(ValueError, match="unknown stage command"):
        stage.command("dance")

