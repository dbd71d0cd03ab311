"""Finding where a QR code probably is, and guessing why it could not be read.

``locate`` is a texture detector: a QR code is a dense patch of edges in both
directions, which survives blur, glare and low contrast far better than the
finder patterns a decoder needs. It runs at half resolution (~2 ms for 720p)
and gives the decoder crops to retry on. ``has_finders`` confirms a candidate
by the nested squares of the finder patterns, so a poster full of text does
not make the screen say "a code is there". ``diagnose`` turns a code's corners
and pixels into a ``ScanHint``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np


class ScanHint(str, Enum):
    """Why a code that is in view cannot be read (best effort, for the screen)."""

    TOO_FAR = "too_far"  # modules too small: bring the phone closer
    TOO_CLOSE = "too_close"  # the code fills or leaves the frame
    PARTIAL = "partial"  # part of it is outside the frame or covered
    GLARE = "glare"  # a reflection washes part of it out: tilt the phone a little
    TILT = "tilt"  # seen at a steep angle: hold it flat to the camera
    BLUR = "blur"  # moving or out of focus: hold still
    LOW_CONTRAST = "low_contrast"  # too dark or too dim: raise screen brightness


# A member pass (~160 bytes, ECC M) is a version 9 code: 53 modules across.
PASS_MODULES = 53
_EDGE_T = 40  # Sobel magnitude that counts as an edge (half-res grey)
_DENSITY_T = 0.18  # geometric mean of x/y edge density inside a code
_RELATIVE_T = 0.45  # ...and at least this fraction of the frame's densest patch
_CODE_DENSITY = 0.7  # peak density of a code's patch (posters peak lower)
_WINDOW = 15  # half-res pixels: about 3 modules of a far code
_MIN_SIDE = 25  # half-res pixels: smaller than this is not readable anyway


@dataclass(frozen=True)
class Candidate:
    box: tuple[int, int, int, int]  # x, y, w, h in the full image, with a margin
    quad: np.ndarray  # 4x2 corners of the textured patch itself
    score: float
    code_like: bool = False  # dense, square and solid enough to be a code, not a poster

    @classmethod
    def from_quad(cls, quad: np.ndarray, shape: tuple[int, ...], score: float,
                  margin: float = 0.15, code_like: bool = False) -> Candidate:
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        pad = (hi - lo) * margin + 4
        x0, y0 = np.maximum(lo - pad, 0).astype(int)
        x1 = int(min(hi[0] + pad[0], shape[1]))
        y1 = int(min(hi[1] + pad[1], shape[0]))
        return cls(box=(int(x0), int(y0), max(0, x1 - int(x0)), max(0, y1 - int(y0))),
                   quad=np.float32(quad), score=score, code_like=code_like)


def locate(gray: np.ndarray, k: int = 3) -> list[Candidate]:
    """Up to ``k`` textured patches that may hold a QR code, best first."""
    h, w = gray.shape[:2]
    half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    ax = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 1, 0, ksize=3))
    ay = cv2.convertScaleAbs(cv2.Sobel(half, cv2.CV_16S, 0, 1, ksize=3))
    ex = cv2.threshold(ax, _EDGE_T, 1.0, cv2.THRESH_BINARY)[1].astype(np.float32)
    ey = cv2.threshold(ay, _EDGE_T, 1.0, cv2.THRESH_BINARY)[1].astype(np.float32)
    density = cv2.sqrt(cv2.boxFilter(ex, -1, (_WINDOW, _WINDOW)) *
                       cv2.boxFilter(ey, -1, (_WINDOW, _WINDOW)))
    # Relative to the densest patch: sensor noise lifts the density everywhere,
    # and a code is the densest thing in a lobby.
    mask = (density > max(_DENSITY_T, _RELATIVE_T * float(density.max()))).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[Candidate] = []
    for c in contours:
        x, y, cw, ch = cv2.boundingRect(c)
        if cw < _MIN_SIDE or ch < _MIN_SIDE:
            continue
        patch = density[y:y + ch, x:x + cw]
        score = float(patch.mean()) * float(np.sqrt(cw * ch))
        rect = cv2.minAreaRect(c)
        (rw, rh) = rect[1]
        aspect = min(rw, rh) / max(rw, rh, 1e-6)
        fill = cv2.contourArea(c) / max(rw * rh, 1e-6)
        # Measured on the generated corpus: 68 % of code patches pass, 0.6 % of
        # posters, windows and signs do (docs/QR_DECODERS.md).
        code_like = (float(patch.max()) >= _CODE_DENSITY and float(patch.mean()) >= 0.35
                     and aspect >= 0.45 and fill >= 0.6)
        quad = cv2.boxPoints(rect).astype(np.float32) * 2.0
        found.append(Candidate.from_quad(quad, gray.shape, score, margin=0.25,
                                         code_like=code_like))
    found.sort(key=lambda cand: cand.score, reverse=True)
    return found[:k]


def has_finders(gray: np.ndarray, box: tuple[int, int, int, int], need: int = 2) -> bool:
    """At least ``need`` finder-pattern-like nests (square in square in square)."""
    x, y, w, h = box
    crop = gray[y:y + h, x:x + w]
    if crop.size == 0 or min(crop.shape[:2]) < 16:
        return False
    scale = min(1.0, 480.0 / max(crop.shape[:2]))
    if scale < 1.0:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    binary = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    for img in (binary, 255 - binary):  # dark-on-light and dark-mode codes
        contours, hierarchy = cv2.findContours(img, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None:
            continue
        tree = hierarchy[0]
        nests = 0
        for i, c in enumerate(contours):
            child = tree[i][2]
            if child < 0 or tree[child][2] < 0:
                continue
            area = cv2.contourArea(c)
            inner = cv2.contourArea(contours[tree[child][2]])
            if area < 30 or inner <= 0:
                continue
            (_, _), (rw, rh), _ = cv2.minAreaRect(c)
            # Outer ring 7x7 modules, centre 3x3: ~5.4x in area; perspective and blur widen it.
            if 0.4 < rw / max(rh, 1e-6) < 2.5 and 2.0 < area / inner < 14.0:
                nests += 1
        if nests >= need:
            return True
    return False


def diagnose(gray: np.ndarray, quad: np.ndarray) -> ScanHint:
    """The most likely reason a code at ``quad`` did not decode."""
    h, w = gray.shape[:2]
    quad = np.float32(quad).reshape(4, 2)
    sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)
    side = float(sides.mean())
    if side > 0.9 * min(h, w):
        return ScanHint.TOO_CLOSE
    margin = 2.0
    if (quad[:, 0].min() < margin or quad[:, 1].min() < margin
            or quad[:, 0].max() > w - margin or quad[:, 1].max() > h - margin):
        return ScanHint.PARTIAL
    if side / PASS_MODULES < 2.2:
        return ScanHint.TOO_FAR
    if sides.min() / max(sides.max(), 1e-6) < 0.7 or _max_corner_skew_deg(quad) > 22:
        return ScanHint.TILT
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.int32(quad), 1)
    pixels = gray[mask > 0]
    if pixels.size < 16:
        return ScanHint.TOO_FAR
    if float((pixels >= 245).mean()) > 0.08:
        return ScanHint.GLARE
    lo, hi = np.percentile(pixels, (5, 95))
    if hi - lo < 70:
        return ScanHint.LOW_CONTRAST
    return ScanHint.BLUR


def _max_corner_skew_deg(quad: np.ndarray) -> float:
    worst = 0.0
    for i in range(4):
        a = quad[i - 1] - quad[i]
        b = quad[(i + 1) % 4] - quad[i]
        cos = float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-6))
        worst = max(worst, abs(90.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))))
    return worst
