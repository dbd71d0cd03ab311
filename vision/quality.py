"""Selfie quality gates: one face, close enough, centred, lit, sharp, frontal.

``assess(image, faces)`` returns the first failing gate as a ``Guidance`` the
screen shows live (the order is the order a member can fix things in: get in
view alone, come closer, centre, then light and focus, then look straight).
Measures are taken on the face, not the whole frame: a bright window behind
the member must not hide a dark face.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from vision.facemesh import FaceLandmarks
from vision.pose import HeadPose, head_pose


class Guidance(str, Enum):
    NO_FACE = "no_face"
    MANY_FACES = "many_faces"  # "only one person please"
    TOO_FAR = "too_far"
    NOT_CENTRED = "not_centred"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRY = "blurry"
    NOT_FRONTAL = "not_frontal"
    OK = "ok"


@dataclass(frozen=True)
class QualityConfig:
    min_face_frac: float = 0.13  # face width / frame width (~ arm's length at 720p)
    max_centre_offset: float = 0.22  # face centre from frame centre, fraction of w / h
    # A second face counts when at least this fraction of the main face's
    # width: a passer-by far behind does not block the member.
    other_face_frac: float = 0.45
    dark_mean: float = 55.0  # face mean grey below this: too dark
    frame_dark_mean: float = 35.0  # no face and the frame this dark: say "too dark"
    bright_mean: float = 215.0
    clipped_frac: float = 0.35  # share of face pixels at >= 250: overexposed
    min_sharpness: float = 25.0  # Laplacian variance on the 128-px-wide inner face
    max_yaw_deg: float = 18.0
    max_pitch_deg: float = 22.0


@dataclass(frozen=True)
class QualityReport:
    guidance: Guidance
    face: FaceLandmarks | None  # the main (largest) face, if any
    n_faces: int
    pose: HeadPose | None = None
    brightness: float | None = None
    sharpness: float | None = None

    @property
    def ok(self) -> bool:
        return self.guidance is Guidance.OK


_SHARP_W = 128


def inner_face_box(face: FaceLandmarks) -> tuple[int, int, int, int]:
    """Brows to mouth, cheek to cheek: skin and features, little background."""
    p = face.points
    # 234/454 cheeks, 105/334 brows, 17 below the lower lip.
    x0, x1 = sorted((float(p[234, 0]), float(p[454, 0])))
    y0 = float(min(p[105, 1], p[334, 1]))
    y1 = float(p[17, 1])
    w_img, h_img = face.image_size
    xa, ya = max(0, int(x0)), max(0, int(y0))
    xb, yb = min(w_img, int(np.ceil(x1))), min(h_img, int(np.ceil(y1)))
    return xa, ya, max(0, xb - xa), max(0, yb - ya)


def _face_grey(image: np.ndarray, face: FaceLandmarks) -> np.ndarray | None:
    x, y, w, h = inner_face_box(face)
    if w < 8 or h < 8:
        return None
    roi = image[y:y + h, x:x + w]
    scale = _SHARP_W / w
    roi = cv2.resize(roi, (_SHARP_W, max(8, int(round(h * scale)))),
                     interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return cv2.cvtColor(roi, cv2.COLOR_BGR2GRAY)


def sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian: falls steeply with defocus and motion blur."""
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def assess(image: np.ndarray, faces: list[FaceLandmarks],
           config: QualityConfig | None = None, *,
           require_frontal: bool = True) -> QualityReport:
    """The first failing gate for this frame (``faces`` largest first)."""
    config = config or QualityConfig()
    h_img, w_img = image.shape[:2]
    if not faces:
        small = cv2.resize(image, (64, 36), interpolation=cv2.INTER_AREA)
        if float(small.mean()) < config.frame_dark_mean:
            return QualityReport(Guidance.TOO_DARK, None, 0)
        return QualityReport(Guidance.NO_FACE, None, 0)
    face = faces[0]
    others = sum(1 for f in faces[1:] if f.width >= config.other_face_frac * face.width)
    n = 1 + others
    if others:
        return QualityReport(Guidance.MANY_FACES, face, n)
    if face.width < config.min_face_frac * w_img:
        return QualityReport(Guidance.TOO_FAR, face, n)
    cx, cy = face.centre
    if (abs(cx / w_img - 0.5) > config.max_centre_offset
            or abs(cy / h_img - 0.5) > config.max_centre_offset):
        return QualityReport(Guidance.NOT_CENTRED, face, n)
    grey = _face_grey(image, face)
    if grey is None:
        return QualityReport(Guidance.TOO_FAR, face, n)
    mean = float(grey.mean())
    if mean < config.dark_mean:
        return QualityReport(Guidance.TOO_DARK, face, n, brightness=mean)
    clipped = float((grey >= 250).mean())
    if mean > config.bright_mean or clipped > config.clipped_frac:
        return QualityReport(Guidance.TOO_BRIGHT, face, n, brightness=mean)
    sharp = sharpness(grey)
    if sharp < config.min_sharpness:
        return QualityReport(Guidance.BLURRY, face, n, brightness=mean, sharpness=sharp)
    pose = head_pose(face.points)
    if require_frontal and (abs(pose.yaw_deg) > config.max_yaw_deg
                            or abs(pose.pitch_deg) > config.max_pitch_deg):
        return QualityReport(Guidance.NOT_FRONTAL, face, n, pose, mean, sharp)
    return QualityReport(Guidance.OK, face, n, pose, mean, sharp)
