"""Passive liveness: is this face a flat picture?

``PlanarMotionCheck`` -- a photo or a screen is a plane, so however it is
tilted or swung, its landmarks move by a homography. A head is not flat: as it
turns, the nose moves against the cheeks. For each frame we compare the rigid
landmarks (no lids, lips, brows or jaw) with the member's baseline frame and
fit two models to the motion:

- a homography (8 parameters: everything a plane can do under perspective);
- a rigid rotation of the member's own 3-D face (the baseline mesh with
  mediapipe's depths; 6 parameters, near-orthographic camera).

Only frames where the face changed shape beyond what a similarity explains
(``motion``, normalised by face size) are informative. There a real head fits
the 3-D model far better than the homography (measured on the synthetic
members: homography / 3-D residual >= 1.3, median 2-4), and a swung photo the
other way round (<= 0.9). Several planar frames, clearly outnumbering 3-D
ones, fail the session.

``BorderCheck`` -- a print held up shows its white border, a phone or tablet
its bezel: straight edges on all four sides around the face. A person has
their body below the chin, so no edge closes the bottom side. The check looks
for long straight segments left, right, above and below the face (Canny +
probabilistic Hough on a downscaled region) and fails the session when they
surround the face in most recent frames.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from vision.pose import RIGID_POINTS


@dataclass(frozen=True)
class PassiveConfig:
    min_motion: float = 0.015  # similarity residual / face size for a frame to count
    planar_ratio: float = 1.0  # homography / 3-D residual below this: planar frame ...
    # ... provided the homography explains most of the motion: a face changing
    # expression (brows up) fits neither model, and must not count as a plane.
    planar_fit: float = 0.6  # homography residual / motion
    planar_frames: int = 3  # planar frames needed ...
    planar_dominance: float = 2.0  # ... and this many times the 3-D frames
    border_face_px: int = 56  # the face is scaled to this width for the border search
    border_min_side: float = 0.75  # a side's segment, in face widths
    border_max_dist: float = 2.6  # how far from the face centre a side may be, face widths
    border_window: int = 8  # recent checks considered
    border_hits: int = 4  # hits among them that fail the session


@dataclass(frozen=True)
class PlanarSample:
    motion: float  # similarity residual / face size
    homography: float  # homography residual / face size
    rigid3d: float  # 3-D rigid-model residual / face size

    @property
    def ratio(self) -> float:
        return self.homography / max(self.rigid3d, 1e-6)


def _rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).sum(axis=1).mean()))


def similarity_residual(src: np.ndarray, dst: np.ndarray) -> float:
    """RMS error of the best 2-D similarity src -> dst (Umeyama, closed form)."""
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - ms, dst - md
    u, s, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    r = u @ d @ vt
    scale = float((s * np.diag(d)).sum() / max((a ** 2).sum(), 1e-12))
    return _rms(scale * a @ r.T + md, dst)


def homography_residual(src: np.ndarray, dst: np.ndarray) -> float:
    hm, _ = cv2.findHomography(src, dst, 0)
    if hm is None:
        return math.inf
    proj = cv2.perspectiveTransform(src.reshape(-1, 1, 2), hm).reshape(-1, 2)
    return _rms(proj, dst)


class _RigidModel:
    """The baseline's rigid points as a 3-D object, posed by PnP each frame."""

    def __init__(self, points3d: np.ndarray, image_w: int) -> None:
        self.obj = np.ascontiguousarray(points3d - points3d.mean(axis=0), dtype=np.float64)
        # A long focal length: near-orthographic, as for a face at arm's length;
        # the object is placed far away along z so it stays in front of the camera.
        self.f = 20.0 * image_w
        self.k = np.array([[self.f, 0, 0], [0, self.f, 0], [0, 0, 1]], dtype=np.float64)
        self.rvec: np.ndarray | None = None
        self.tvec: np.ndarray | None = None

    def residual(self, dst: np.ndarray) -> float:
        img = np.ascontiguousarray(dst - dst.mean(axis=0), dtype=np.float64)
        if self.rvec is None:
            ok, rvec, tvec = cv2.solvePnP(self.obj, img, self.k, None, flags=cv2.SOLVEPNP_SQPNP)
        else:
            ok, rvec, tvec = cv2.solvePnP(self.obj, img, self.k, None, self.rvec.copy(),
                                          self.tvec.copy(), True, flags=cv2.SOLVEPNP_ITERATIVE)
        if not ok:
            return math.inf
        self.rvec, self.tvec = rvec, tvec
        proj, _ = cv2.projectPoints(self.obj, rvec, tvec, self.k, None)
        return _rms(proj.reshape(-1, 2), img)


class PlanarMotionCheck:
    def __init__(self, reference: np.ndarray, face_size: float, image_w: int,
                 config: PassiveConfig | None = None) -> None:
        self.cfg = config = config or PassiveConfig()
        self.ref2d = reference[RIGID_POINTS, :2].astype(np.float64)
        self.norm = max(face_size, 1.0)
        self.model = _RigidModel(reference[RIGID_POINTS].astype(np.float64), image_w)
        self.planar = 0
        self.solid = 0
        self.max_motion = 0.0

    def update(self, points: np.ndarray) -> PlanarSample | None:
        """Score one frame; None when it moved too little to tell."""
        cur = points[RIGID_POINTS, :2].astype(np.float64)
        motion = similarity_residual(self.ref2d, cur) / self.norm
        self.max_motion = max(self.max_motion, motion)
        if motion < self.cfg.min_motion:
            return None
        sample = PlanarSample(motion, homography_residual(self.ref2d, cur) / self.norm,
                              self.model.residual(cur) / self.norm)
        if sample.ratio >= self.cfg.planar_ratio:
            self.solid += 1
        elif sample.homography < self.cfg.planar_fit * sample.motion:
            self.planar += 1
        return sample

    @property
    def is_planar(self) -> bool:
        return (self.planar >= self.cfg.planar_frames
                and self.planar >= self.cfg.planar_dominance * self.solid)


class BorderCheck:
    def __init__(self, config: PassiveConfig | None = None) -> None:
        self.cfg = config = config or PassiveConfig()
        self.recent: deque[bool] = deque(maxlen=config.border_window)

    def update(self, image: np.ndarray, face_box: tuple[int, int, int, int]) -> bool:
        """Check one frame; True once a border has been seen often enough."""
        self.recent.append(find_border(image, face_box, self.cfg) is not None)
        return sum(self.recent) >= self.cfg.border_hits

    @property
    def hits(self) -> int:
        return sum(self.recent)


def find_border(image: np.ndarray, face_box: tuple[int, int, int, int],
                config: PassiveConfig | None = None) -> dict[str, float] | None:
    """Straight edges enclosing the face on all four sides, or None.

    Returns each side's distance from the face centre in face widths."""
    config = config or PassiveConfig()
    x, y, w, h = face_box
    if w < 8 or h < 8:
        return None
    fw = float(w)
    cx, cy = x + w / 2.0, y + h / 2.0
    reach = config.border_max_dist * fw
    h_img, w_img = image.shape[:2]
    x0, x1 = int(max(0, cx - reach)), int(min(w_img, cx + reach))
    y0, y1 = int(max(0, cy - reach)), int(min(h_img, cy + reach))
    scale = config.border_face_px / fw
    roi = image[y0:y1, x0:x1]
    if roi.size == 0:
        return None
    small = cv2.resize(roi, (max(8, int((x1 - x0) * scale)), max(8, int((y1 - y0) * scale))),
                       interpolation=cv2.INTER_AREA)
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (3, 3), 0)
    edges = cv2.Canny(grey, 40, 110)
    min_len = config.border_min_side * config.border_face_px
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=int(0.4 * min_len),
                            minLineLength=min_len, maxLineGap=max(3, int(0.15 * min_len)))
    if lines is None:
        return None
    # Face box and centre in the small image.
    fcx, fcy = (cx - x0) * scale, (cy - y0) * scale
    hw, hh = 0.5 * w * scale, 0.5 * h * scale
    sides: dict[str, float] = {}
    for x_a, y_a, x_b, y_b in lines[:, 0, :].astype(float):
        dx, dy = x_b - x_a, y_b - y_a
        angle = abs(math.degrees(math.atan2(dy, dx))) % 180
        mx, my = 0.5 * (x_a + x_b), 0.5 * (y_a + y_b)
        if angle < 25 or angle > 155:  # horizontal-ish: above or below the face
            # The segment must pass over the face centre's column, clear of the face.
            if min(x_a, x_b) > fcx or max(x_a, x_b) < fcx:
                continue
            y_at = y_a + (fcx - x_a) * dy / dx if dx else my
            if y_at < fcy - 1.05 * hh:
                side = "top"
            elif y_at > fcy + 1.05 * hh:
                side = "bottom"
            else:
                continue
            dist = abs(y_at - fcy)
        elif 65 < angle < 115:  # vertical-ish: left or right of the face
            if min(y_a, y_b) > fcy or max(y_a, y_b) < fcy:
                continue
            x_at = x_a + (fcy - y_a) * dx / dy if dy else mx
            if x_at < fcx - 1.05 * hw:
                side = "left"
            elif x_at > fcx + 1.05 * hw:
                side = "right"
            else:
                continue
            dist = abs(x_at - fcx)
        else:
            continue
        d = dist / config.border_face_px
        sides[side] = min(sides.get(side, math.inf), d)
    return sides if len(sides) == 4 else None
