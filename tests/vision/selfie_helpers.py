"""Helpers and fixtures for the selfie (liveness, face, synthetic member) tests.

Import the fixtures you use into the test module (``from selfie_helpers import
selfie_member``): ``tests/vision/conftest.py`` belongs to the scan tests.
Fixtures are prefixed ``selfie_``. Sequences run at 640x360 in simulated
time (frames carry their own timestamps), so no test depends on how fast the
machine is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from bench.evaluation import run_sequence
from vision.liveness import LivenessConfig, LivenessSession, LivenessUpdate
from vision.liveness_actions import Challenge
from vision.synth.face import SyntheticMember, astronaut_bgr, faces_dir, load_face_photo

SIZE = (640, 360)
FPS = 20.0
FACES = faces_dir()
needs_faces = pytest.mark.skipif(FACES is None, reason="../shared/faces is not present")


def shared_photo(name: str) -> np.ndarray:
    photo = load_face_photo(name)
    if photo is None:
        pytest.skip(f"../shared/faces/{name}.jpg is not present")
    return photo


@pytest.fixture(scope="session")
def selfie_photo() -> np.ndarray:
    return astronaut_bgr()


@pytest.fixture
def selfie_member(selfie_photo: np.ndarray) -> SyntheticMember:
    """A fresh astronaut member (members keep random state: never share one)."""
    return SyntheticMember(selfie_photo, seed=1, size=SIZE)


@pytest.fixture
def selfie_member_factory(selfie_photo: np.ndarray) -> Callable[..., SyntheticMember]:
    def make(photo: np.ndarray | None = None, seed: int = 1, **kwargs: Any) -> SyntheticMember:
        return SyntheticMember(selfie_photo if photo is None else photo, seed=seed,
                               size=kwargs.pop("size", SIZE), **kwargs)

    return make


@pytest.fixture(scope="session")
def selfie_embedder() -> Any:
    from vision.face_embed import FaceEmbedder

    return FaceEmbedder()


def config(timeout_s: float = 6.0) -> LivenessConfig:
    return LivenessConfig(challenge_timeout_s=timeout_s, ready_timeout_s=10.0)


def drive(challenges: list[Challenge], actor: Any, *, timeout_s: float = 6.0,
          fps: float = FPS) -> tuple[LivenessUpdate, LivenessSession]:
    """Run ``actor`` against a fresh session to the end; returns the last update."""
    session = LivenessSession(challenges, config=config(timeout_s))
    update, _, _, _ = run_sequence(session, actor, fps)
    assert update is not None and update.done, "the session never finished"
    return update, session


class Scripted:
    """An actor with a fixed pose schedule: ``poses(t) -> Pose``."""

    def __init__(self, member: SyntheticMember, poses: Callable[[float], Any]) -> None:
        self.member = member
        self.poses = poses

    def set_action(self, challenge: Challenge | None, t: float) -> None:
        """Deaf on purpose."""

    def next_frame(self, t: float) -> np.ndarray:
        return self.member.render(self.poses(t), t)
