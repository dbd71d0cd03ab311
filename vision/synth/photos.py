"""The photos synthetic members are built from, each in several variants.

The evaluation set (bench/evaluation.py), the demo camera's stage
(sim/stage.py) and the benchmarks draw members by photo variant from here, so
member ``n`` is the same person on every path.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from vision.synth.face import astronaut_bgr, load_face_photo

# Read from ../shared/faces when present (vision.synth.load_face_photo).
SHARED_PHOTOS = ("obama", "obama2", "biden", "biden2")


def photo_variants(include_shared: bool = True) -> Iterator[tuple[str, np.ndarray]]:
    """(name, photo) for each base photo x {as is, flipped} x {normal, dim, warm}."""
    bases = [("astronaut", astronaut_bgr())]
    if include_shared:
        for name in SHARED_PHOTOS:
            photo = load_face_photo(name)
            if photo is not None:
                bases.append((name, photo))
    for name, photo in bases:
        for flip in (False, True):
            img = np.ascontiguousarray(photo[:, ::-1]) if flip else photo
            for light in ("normal", "dim", "warm"):
                yield f"{name}{'-flip' if flip else ''}-{light}", _relight(img, light)


def _relight(img: np.ndarray, light: str) -> np.ndarray:
    if light == "dim":
        lut = np.clip(255.0 * (np.arange(256) / 255.0) ** 1.35 * 0.85, 0, 255).astype(np.uint8)
        return cv2.LUT(img, lut)
    if light == "warm":
        gains = np.array([0.85, 1.0, 1.1])  # B, G, R
        return np.clip(img.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    return img
