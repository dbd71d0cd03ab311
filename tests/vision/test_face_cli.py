"""``kiosk verify-face`` on generated image files (and the shared photos when present)."""

# Fixtures come from selfie_helpers (tests/vision/conftest.py is the scan tests'):
# a test's parameter of the same name is the fixture, not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from selfie_helpers import (
    needs_faces,
    selfie_member_factory,  # noqa: F401 - fixture
    selfie_photo,  # noqa: F401 - fixture
)

from cli.main import main
from vision.synth.face import faces_dir


def run_cli(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["verify-face", *argv])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(lines[-1])


@pytest.fixture
def selfie_files(tmp_path, selfie_photo, selfie_member_factory):
    member = selfie_member_factory(size=(1280, 720))
    paths = {
        "enrolled": tmp_path / "enrolled.png",
        "probe": tmp_path / "probe.jpg",
        "blank": tmp_path / "blank.png",
        "two": tmp_path / "two.png",
        "junk": tmp_path / "junk.png",
    }
    cv2.imwrite(str(paths["enrolled"]), selfie_photo)
    cv2.imwrite(str(paths["probe"]), member.frame(yaw_deg=6, pitch_deg=3, smile=0.3))
    cv2.imwrite(str(paths["blank"]), np.full((240, 320, 3), 90, np.uint8))
    a = selfie_member_factory(seed=1, size=(320, 360), face_frac=0.45).frame()
    b = selfie_member_factory(seed=2, size=(320, 360), face_frac=0.45).frame()
    cv2.imwrite(str(paths["two"]), np.hstack([a, b]))
    paths["junk"].write_bytes(b"not an image at all")
    return {k: str(v) for k, v in paths.items()}


def test_same_member_matches(capsys, selfie_files):
    code, out = run_cli(capsys, selfie_files["enrolled"], selfie_files["probe"])
    assert code == 0
    assert out["match"] is True and 0 <= out["distance"] < 0.5


def test_tolerance_option(capsys, selfie_files):
    code, out = run_cli(capsys, selfie_files["enrolled"], selfie_files["probe"],
                        "--tolerance", "0.01")
    assert code == 1 and out["match"] is False and out["tolerance"] == 0.01


@pytest.mark.parametrize(("which", "role", "reason"), [
    (("blank", "probe"), "enrolled", "NO_FACE"),
    (("enrolled", "blank"), "probe", "NO_FACE"),
    (("enrolled", "two"), "probe", "MANY_FACES"),
    (("junk", "probe"), "enrolled", "BAD_IMAGE"),
])
def test_errors_are_json_with_nonzero_exit(capsys, selfie_files, which, role, reason):
    code, out = run_cli(capsys, selfie_files[which[0]], selfie_files[which[1]])
    assert code == 2
    assert out["match"] is None and out["error"]["image"] == role
    assert out["error"]["reason"] == reason and out["error"]["message"]


def test_missing_file(capsys, selfie_files, tmp_path):
    code, out = run_cli(capsys, str(tmp_path / "nope.png"), selfie_files["probe"])
    assert code == 2 and out["error"]["reason"] == "BAD_IMAGE"


def test_bad_tolerance(capsys, selfie_files):
    code, out = run_cli(capsys, selfie_files["enrolled"], selfie_files["probe"],
                        "--tolerance", "-1")
    assert code == 2 and "tolerance" in out["error"]["message"]


@needs_faces
@pytest.mark.parametrize(("one", "two", "match"), [("obama", "obama2", True),
                                                   ("biden", "obama", False)])
def test_shared_photos(capsys, one, two, match):
    folder = faces_dir()
    code, out = run_cli(capsys, str(folder / f"{one}.jpg"), str(folder / f"{two}.jpg"))
    assert out["match"] is match and code == (0 if match else 1)


@needs_faces
def test_shared_two_people_is_an_error(capsys):
    folder = faces_dir()
    code, out = run_cli(capsys, str(folder / "obama.jpg"), str(folder / "two_people.jpg"))
    assert code == 2 and out["error"]["reason"] == "MANY_FACES"
