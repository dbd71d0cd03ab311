"""``kiosk-backend enroll`` and ``kiosk-backend issue-pass`` (issue #12)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import requests

from backend.__main__ import main
from backend.enroll import template_from_image
from backend.models import Member
from backend.seed import load_templates
from backend.server import BackendServer
from vision.synth.face import astronaut_bgr, faces_dir


def test_the_seed_templates_are_what_enrolment_computes():
    # The demo seed's templates are the enrolment code's output, not another recipe.
    assert template_from_image(astronaut_bgr()) == load_templates()["astronaut"]


def test_issue_pass_prints_a_pass_the_running_service_accepts(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'b.db'}"
    with BackendServer(db, seed="demo") as srv:
        assert main(["issue-pass", "--db", db, "demo-ok"]) == 0
        text = capsys.readouterr().out.strip().splitlines()[-1]
        assert text.startswith("towerpass:v1;t=T1;m=demo-ok;")
        r = requests.post(srv.url + "/v1/sessions", json={"pass_text": text}, timeout=10,
                          headers={"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1",
                                   "Idempotency-Key": "issue-pass-test-1"})
        assert r.status_code == 200, r.text
        assert main(["issue-pass", "--db", db, "nobody"]) == 1
        assert main(["issue-pass", "--db", db, "demo-ok", "--tower", "T9"]) == 1


def test_enroll_stores_the_template_of_the_one_face(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'b.db'}"
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), astronaut_bgr())
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 128, np.uint8))
    with BackendServer(db, seed="demo") as srv:
        assert main(["enroll", "--db", db, "demo-face", str(photo)]) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[-1])["dims"] == 128
        with srv.db.read() as s:
            assert s.get(Member, "demo-face").template == load_templates()["astronaut"]
        assert main(["enroll", "--db", db, "demo-face", str(blank)]) == 1
        assert "NO_FACE" in capsys.readouterr().err
        assert main(["enroll", "--db", db, "demo-face", str(tmp_path / "missing.jpg")]) == 1
        assert main(["enroll", "--db", db, "nobody", str(photo)]) == 1


def test_enroll_refuses_a_photo_with_two_people(tmp_path, capsys):
    faces = faces_dir()
    if faces is None or not (faces / "two_people.jpg").is_file():
        pytest.skip("shared test photos not present")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    with BackendServer(db, seed="demo"):
        assert main(["enroll", "--db", db, "demo-ok", str(faces / "two_people.jpg")]) == 1
        assert "MANY_FACES" in capsys.readouterr().err
