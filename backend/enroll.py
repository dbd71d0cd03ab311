"""Enrolment and operator tools that act on the database directly.

``kiosk-backend enroll --db URL MEMBER_ID PHOTO``: the member's face template,
computed by the same ``vision`` embedder that judges selfies (in production
the photo is the member app's enrolment selfie). The demo seed's templates
(``seed_templates.json``) are made by this code too
(``backend/tools/make_templates.py``), since the photos are not in the repo.

``kiosk-backend issue-pass --db URL MEMBER_ID [--tower T]``: a fresh member
pass, exactly as the member app would receive it; the pass text is the last
line printed. It works while the service runs (the same database).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backend.db import Database
from backend.models import Member

ENROL_JITTERS = 10  # the template is computed once: spend time on a stable one


class EnrolError(ValueError):
    """The photo cannot give a template (no face, several faces, unreadable)."""


def template_from_image(image_bgr: np.ndarray, jitters: int = ENROL_JITTERS) -> list[float]:
    """The 128-d template of the one face in an enrolment photo."""
    from common.errors import VisionError
    from vision.face_embed import FaceEmbedder

    try:
        emb = FaceEmbedder(num_jitters=jitters).embed(image_bgr)
    except VisionError as exc:
        raise EnrolError(f"{exc.reason.value}: {exc}") from exc
    return [round(float(x), 8) for x in emb]


def template_from_file(path: str) -> list[float]:
    import cv2

    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise EnrolError(f"cannot read an image from {path}")
    return template_from_image(image)


def enroll(db: Database, member_id: str, template: list[float]) -> None:
    with db.write() as s:
        member = s.get(Member, member_id)
        if member is None:
            raise EnrolError(f"no member {member_id!r}")
        member.template = template


def open_service(db_url: str) -> Any:
    """The service's operations on a database, without serving HTTP."""
    import secrets

    from backend.app import _pass_key, _setting
    from backend.service import Service

    db = Database(db_url)
    db.migrate()
    ref_secret = bytes.fromhex(_setting(db, "member_ref_secret", lambda: secrets.token_hex(32)))
    return Service(db, _pass_key(db, None), ref_secret)
