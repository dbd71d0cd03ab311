"""Quality gates on real FaceMesh output: each guidance from a frame that earns it."""

# Fixtures come from selfie_helpers (tests/vision/conftest.py is the scan tests'):
# a test's parameter of the same name is the fixture, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import cv2
import numpy as np
import pytest
from selfie_helpers import (
    SIZE,
    selfie_member,  # noqa: F401 - fixture
    selfie_member_factory,  # noqa: F401 - fixture
    selfie_photo,  # noqa: F401 - fixture
    shared_photo,
)

from common.errors import VisionError
from vision import facemesh
from vision.quality import Guidance, QualityConfig, assess


def guidance(image: np.ndarray, **kwargs) -> Guidance:
    return assess(image, facemesh.detect(image), **kwargs).guidance


def test_ok_frame(selfie_member):
    report = assess(frame := selfie_member.frame(), facemesh.detect(frame))
    assert report.guidance is Guidance.OK and report.ok
    assert report.n_faces == 1 and report.pose is not None
    assert 60 < report.brightness < 210 and report.sharpness > 25


def test_no_face():
    assert guidance(np.full((360, 640, 3), 128, np.uint8)) is Guidance.NO_FACE


def test_no_face_in_the_dark_says_too_dark():
    assert guidance(np.full((360, 640, 3), 8, np.uint8)) is Guidance.TOO_DARK


def test_two_synthetic_faces_side_by_side(selfie_member_factory):
    a = selfie_member_factory(seed=1, size=(320, 360), face_frac=0.45)
    b = selfie_member_factory(seed=2, size=(320, 360), face_frac=0.45)
    report = assess(img := np.hstack([a.frame(), b.frame()]), facemesh.detect(img))
    assert report.guidance is Guidance.MANY_FACES and report.n_faces == 2


def test_two_people_photo():
    photo = shared_photo("two_people")
    assert guidance(photo) is Guidance.MANY_FACES


def test_a_small_face_far_behind_does_not_count(selfie_member_factory):
    main = selfie_member_factory(seed=1, size=(640, 360), face_frac=0.3).frame()
    far = selfie_member_factory(seed=2, size=(640, 360), face_frac=0.3).frame()
    small = cv2.resize(far, (160, 90))
    img = main.copy()
    img[10:100, 470:630] = small  # a passer-by at a quarter of the size
    report = assess(img, facemesh.detect(img))
    assert report.guidance is not Guidance.MANY_FACES


def test_too_dark(selfie_member):
    dark = (selfie_member.frame().astype(np.float32) * 0.22).astype(np.uint8)
    assert guidance(dark) is Guidance.TOO_DARK


def test_too_bright(selfie_member):
    bright = cv2.convertScaleAbs(selfie_member.frame(), alpha=1.9, beta=60)
    assert guidance(bright) is Guidance.TOO_BRIGHT


def test_too_far(selfie_member_factory):
    far = selfie_member_factory(size=(1280, 720), face_frac=0.09).frame()
    assert guidance(far) is Guidance.TOO_FAR


def test_not_centred(selfie_member):
    frame = selfie_member.frame()
    shifted = cv2.warpAffine(frame, np.float32([[1, 0, 210], [0, 1, 0]]), SIZE,
                             borderMode=cv2.BORDER_REPLICATE)
    assert guidance(shifted) is Guidance.NOT_CENTRED


def test_blurry(selfie_member):
    blurred = cv2.GaussianBlur(selfie_member.frame(), (0, 0), 4)
    assert guidance(blurred) is Guidance.BLURRY


def test_not_frontal_only_when_asked(selfie_member):
    turned = selfie_member.frame(yaw_deg=32)
    assert guidance(turned) is Guidance.NOT_FRONTAL
    assert guidance(turned, require_frontal=False) is Guidance.OK


def test_thresholds_come_from_the_config(selfie_member):
    frame = selfie_member.frame()
    assert guidance(frame, config=QualityConfig(min_face_frac=0.5)) is Guidance.TOO_FAR


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.float32),
                                 "not an image"])
def test_facemesh_refuses_non_images(bad):
    with pytest.raises(VisionError):
        facemesh.detect(bad)


def test_facemesh_is_one_shared_instance():
    facemesh.warm_up()
    first = facemesh._mesh
    facemesh.detect(np.zeros((32, 32, 3), np.uint8))
    assert facemesh.is_loaded() and facemesh._mesh is first
