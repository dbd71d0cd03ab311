"""Face embeddings and verification: real identities from ../shared/faces (skipped
when absent) and the synthetic member against its own enrolment photo."""

# Fixtures come from selfie_helpers (tests/vision/conftest.py is the scan tests'):
# a test's parameter of the same name is the fixture, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import numpy as np
import pytest
from selfie_helpers import (
    Scripted,
    drive,
    needs_faces,
    selfie_embedder,  # noqa: F401 - fixture
    selfie_member,  # noqa: F401 - fixture
    selfie_member_factory,  # noqa: F401 - fixture
    selfie_photo,  # noqa: F401 - fixture
    shared_photo,
)

from common.errors import Reason, VisionError
from vision import facemesh
from vision.face_embed import (
    DEFAULT_TOLERANCE,
    FaceEmbedder,
    distance,
    is_match,
    mesh_box_to_dlib,
)
from vision.liveness_actions import Challenge
from vision.synth.actor import Performer
from vision.synth.face import Pose


@pytest.fixture(scope="module")
def selfie_shared_embeddings(selfie_embedder) -> dict[str, np.ndarray]:
    return {name: selfie_embedder.embed(shared_photo(name))
            for name in ("obama", "obama2", "biden", "biden2")}


def test_embedding_shape_and_determinism(selfie_embedder, selfie_photo):
    a = selfie_embedder.embed(selfie_photo)
    b = selfie_embedder.embed(selfie_photo)
    assert a.shape == (128,) and a.dtype == np.float64
    assert distance(a, b) < 1e-9


@needs_faces
@pytest.mark.parametrize(("one", "two"), [("obama", "obama2"), ("biden", "biden2")])
def test_same_person_within_threshold(selfie_shared_embeddings, one, two):
    d = distance(selfie_shared_embeddings[one], selfie_shared_embeddings[two])
    assert d < DEFAULT_TOLERANCE
    assert is_match(selfie_shared_embeddings[one], selfie_shared_embeddings[two])


@needs_faces
@pytest.mark.parametrize(("one", "two"), [("obama", "biden"), ("obama2", "biden2"),
                                          ("obama", "biden2")])
def test_other_person_refused(selfie_shared_embeddings, one, two):
    d = distance(selfie_shared_embeddings[one], selfie_shared_embeddings[two])
    assert d > DEFAULT_TOLERANCE + 0.15
    assert not is_match(selfie_shared_embeddings[one], selfie_shared_embeddings[two])


def test_synthetic_member_matches_its_enrolment_photo(selfie_embedder, selfie_photo,
                                                      selfie_member_factory):
    """The live flow end to end: liveness, then the best frame's embedding
    against the enrolment photo's."""
    enrolled = selfie_embedder.embed(selfie_photo)
    member = selfie_member_factory(size=(1280, 720))
    update, session = drive([Challenge.BLINK, Challenge.TURN_LEFT], Performer(member, seed=2))
    assert update.live is True, session.stats()
    probe = selfie_embedder.embed_best(session)
    assert distance(enrolled, probe) < DEFAULT_TOLERANCE


@needs_faces
def test_synthetic_impostor_is_refused(selfie_embedder, selfie_photo, selfie_member_factory):
    enrolled = selfie_embedder.embed(selfie_photo)
    impostor = selfie_member_factory(shared_photo("biden2"), size=(1280, 720))
    frame = impostor.frame(yaw_deg=3, t=0.0)
    probe = selfie_embedder.embed(frame, facemesh.detect(frame)[0].box)
    assert distance(enrolled, probe) > DEFAULT_TOLERANCE


def test_known_box_gives_the_same_embedding_as_detection(selfie_embedder, selfie_member):
    frame = selfie_member.frame()
    box = facemesh.detect(frame)[0].box
    assert distance(selfie_embedder.embed(frame, box), selfie_embedder.embed(frame)) < 0.02


def test_no_face(selfie_embedder):
    with pytest.raises(VisionError) as info:
        selfie_embedder.embed(np.full((240, 320, 3), 100, np.uint8))
    assert info.value.reason is Reason.NO_FACE


def test_many_faces_synthetic(selfie_embedder, selfie_member_factory):
    a = selfie_member_factory(seed=1, size=(320, 360), face_frac=0.45).frame()
    b = selfie_member_factory(seed=2, size=(320, 360), face_frac=0.45).frame()
    with pytest.raises(VisionError) as info:
        selfie_embedder.embed(np.hstack([a, b]))
    assert info.value.reason is Reason.MANY_FACES


@needs_faces
def test_many_faces_two_people(selfie_embedder):
    with pytest.raises(VisionError) as info:
        selfie_embedder.embed(shared_photo("two_people"))
    assert info.value.reason is Reason.MANY_FACES


def test_embed_best_without_a_frame_is_no_face(selfie_embedder, selfie_member):
    update, session = drive([Challenge.SMILE], Scripted(selfie_member, lambda t: Pose()),
                            timeout_s=1.0)
    assert update.live is False and session.best_frame() is None
    with pytest.raises(VisionError) as info:
        selfie_embedder.embed_best(session)
    assert info.value.reason is Reason.NO_FACE


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.uint8), np.zeros((9, 9, 3), np.int32)])
def test_embed_refuses_non_images(selfie_embedder, bad):
    with pytest.raises(VisionError):
        selfie_embedder.embed(bad)


@pytest.mark.parametrize(("box", "shape", "expected"), [
    ((100, 50, 200, 240), (720, 1280, 3), (62, 302, 276, 98)),
    ((-20, -10, 100, 120), (100, 100, 3), (0, 81, 99, 0)),  # clipped to the image
])
def test_mesh_box_to_dlib(box, shape, expected):
    assert mesh_box_to_dlib(box, shape) == expected


def test_distance_is_symmetric_and_zero_on_self():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=128), rng.normal(size=128)
    assert distance(a, b) == pytest.approx(distance(b, a))
    assert distance(a, a) == 0.0
    assert FaceEmbedder.distance(a, b) == distance(a, b)


def test_dlib_direct_equals_face_recognition(selfie_embedder, selfie_photo):
    """The embedder calls dlib as face_recognition.face_encodings does (5-point
    alignment, ResNet), loading two models instead of four: same numbers."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # face_recognition_models imports pkg_resources
        import face_recognition

    rgb = np.ascontiguousarray(selfie_photo[:, :, ::-1])
    locations = face_recognition.face_locations(rgb, number_of_times_to_upsample=1)
    assert locations
    for location in locations:
        reference = face_recognition.face_encodings(rgb, [location], num_jitters=1)[0]
        ours = selfie_embedder._encode(rgb, location, 1)
        assert np.max(np.abs(ours - reference)) < 1e-9
    # The HOG fallback finds the boxes face_locations does.
    assert selfie_embedder._hog(selfie_photo) == locations


def test_face_models_found_without_importing_face_recognition():
    import subprocess
    import sys

    code = ("import sys; from vision.face_embed import FaceEmbedder, model_path; "
            "e = FaceEmbedder(); e.warm_up(); "
            "assert 'face_recognition' not in sys.modules and 'pkg_resources' not in sys.modules, "
            "sorted(m for m in sys.modules if 'pkg_res' in m or 'face_rec' in m); "
            "print(model_path('shape_predictor_5_face_landmarks.dat'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("face_recognition_models/models/"
                                       "shape_predictor_5_face_landmarks.dat")


def test_missing_models_are_a_typed_error(monkeypatch):
    from vision import face_embed

    monkeypatch.setattr(face_embed.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(VisionError) as exc:
        face_embed.model_path(face_embed.SHAPE_MODEL)
    assert exc.value.reason is Reason.MODEL_UNAVAILABLE
    embedder = face_embed.FaceEmbedder()
    with pytest.raises(VisionError) as exc:
        embedder.embed(np.zeros((64, 64, 3), np.uint8), (10, 10, 40, 40))
    assert exc.value.reason is Reason.MODEL_UNAVAILABLE
