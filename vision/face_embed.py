"""128-d face embeddings (dlib's ResNet, face_recognition's models) of the
selfie's best frame.

The backend decides the match; the kiosk only computes the embedding and
sends it. ``FaceEmbedder`` loads dlib's models on first use (``warm_up``
does it in the background) and raises a typed ``VisionError`` when they are
missing.

It calls dlib the way ``face_recognition.face_encodings`` does (5-point
alignment, then the ResNet; tested equal to 1e-9), but loads only those two
models. ``import face_recognition`` loads all four of face_recognition_models'
files, the 95 MB 68-point predictor the encoder never uses among them, and
imports pkg_resources: it held the GIL for 1-2 s under load, long enough
for the UI to stall and a health probe to time out, and put 100 MB in the
bundle.

The face is located with FaceMesh (already loaded for liveness, ~5 ms) and
its box converted to the box dlib's HOG detector would have drawn, so the
5-point aligner sees what it was trained on without the ~70 ms HOG pass;
HOG is only the fallback when FaceMesh finds nothing.

Embeddings are numbers derived from a face: they are never logged or
written anywhere by this module.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import Reason, VisionError
from vision import facemesh

log = logging.getLogger(__name__)

DEFAULT_TOLERANCE = 0.5  # same person ~0.35 apart, different people ~0.8 (library default 0.6)
# A second face counts when at least this fraction of the main face's width.
OTHER_FACE_FRAC = 0.45
_HOG_MAX_SIDE = 800  # the HOG fallback runs on a downscaled copy
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"
ENCODER_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(name: str) -> Path:
    """A model file of the face_recognition_models package, found without
    importing it (its ``__init__`` imports pkg_resources only to say where the
    files are): next to the package, or in the PyInstaller bundle."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "face_recognition_models" / "models" / name)
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "models" / name)
    for path in candidates:
        if path.is_file():
            return path
    raise VisionError(f"face model {name} not found", reason=Reason.MODEL_UNAVAILABLE,
                      looked_in=[str(p.parent) for p in candidates])


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two embeddings (face_recognition's measure)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def is_match(a: np.ndarray, b: np.ndarray, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    return distance(a, b) <= tolerance


def mesh_box_to_dlib(box: tuple[int, int, int, int],
                     image_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """FaceMesh (x, y, w, h) -> dlib (top, right, bottom, left) as HOG would draw it.

    Measured on the shared photos and synthetic frames: HOG's box is about as
    wide as the mesh, starts ~5 % of the mesh height below the forehead point
    and ends ~6 % above the chin."""
    x, y, w, h = box
    h_img, w_img = image_shape[:2]
    cx = x + 0.5 * w
    half = 0.51 * w
    top = int(round(y + 0.05 * h))
    bottom = int(round(y + 0.94 * h))
    left, right = int(round(cx - half)), int(round(cx + half))
    return max(0, top), min(w_img - 1, right), min(h_img - 1, bottom), max(0, left)


class FaceEmbedder:
    """Thread-safe: dlib's models are shared and calls are serialised."""

    def __init__(self, num_jitters: int = 1) -> None:
        self.num_jitters = num_jitters
        self._dlib: Any = None
        self._detector: Any = None
        self._shape: Any = None
        self._encoder: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        """Load the models once (caller holds ``_lock``)."""
        if self._encoder is not None:
            return
        try:
            import dlib

            shape = dlib.shape_predictor(str(model_path(SHAPE_MODEL)))
            encoder = dlib.face_recognition_model_v1(str(model_path(ENCODER_MODEL)))
            detector = dlib.get_frontal_face_detector()
        except VisionError:
            raise
        except Exception as exc:  # noqa: BLE001 - any load failure: no model
            raise VisionError("dlib face models unavailable", reason=Reason.MODEL_UNAVAILABLE,
                              cause=str(exc)) from exc
        self._dlib, self._detector, self._shape = dlib, detector, shape
        self._encoder = encoder

    def _encode(self, rgb: np.ndarray, location: tuple[int, int, int, int],
                num_jitters: int) -> np.ndarray:
        """face_recognition.face_encodings(rgb, [location], num_jitters, model="small")."""
        top, right, bottom, left = location
        with self._lock:
            self._load()
            landmarks = self._shape(rgb, self._dlib.rectangle(left, top, right, bottom))
            return np.array(self._encoder.compute_face_descriptor(rgb, landmarks, num_jitters))

    def warm_up(self) -> None:
        """Load dlib's models and run them once (for a background thread)."""
        try:
            self._encode(np.full((160, 160, 3), 128, np.uint8), (20, 140, 140, 20), 1)
        except VisionError as exc:
            log.warning("face embedder warm-up failed: %s", exc)

    def locate(self, image_bgr: np.ndarray) -> tuple[int, int, int, int]:
        """The one face's dlib box; VisionError NO_FACE / MANY_FACES otherwise."""
        faces = facemesh.detect(image_bgr)
        if faces:
            others = [f for f in faces[1:] if f.width >= OTHER_FACE_FRAC * faces[0].width]
            if others:
                raise VisionError("more than one face in the image", reason=Reason.MANY_FACES,
                                  faces=1 + len(others))
            return mesh_box_to_dlib(faces[0].box, image_bgr.shape)
        boxes = self._hog(image_bgr)
        if not boxes:
            raise VisionError("no face in the image", reason=Reason.NO_FACE)
        if len(boxes) > 1:
            raise VisionError("more than one face in the image", reason=Reason.MANY_FACES,
                              faces=len(boxes))
        return boxes[0]

    def _hog(self, image_bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        h, w = image_bgr.shape[:2]
        scale = min(1.0, _HOG_MAX_SIDE / max(h, w))
        small = image_bgr
        if scale < 1.0:
            import cv2

            small = cv2.resize(image_bgr, (int(w * scale), int(h * scale)),
                               interpolation=cv2.INTER_AREA)
        rgb = np.ascontiguousarray(small[:, :, ::-1])
        h_s, w_s = rgb.shape[:2]
        with self._lock:
            self._load()
            rects = self._detector(rgb, 1)  # upsampled once, as face_locations does
        # (top, right, bottom, left) clamped to the image, as face_locations gives them.
        boxes = [(max(r.top(), 0), min(r.right(), w_s), min(r.bottom(), h_s), max(r.left(), 0))
                 for r in rects]
        return [tuple(int(round(v / scale)) for v in b) for b in boxes]

    def embed(self, image_bgr: np.ndarray,
              box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """The 128-d embedding (float64) of the single face in ``image_bgr``.

        ``box`` is a known FaceMesh box (x, y, w, h), e.g. the liveness best
        frame's: then no detection runs at all."""
        if (not isinstance(image_bgr, np.ndarray) or image_bgr.ndim != 3
                or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8):
            raise VisionError("expected an HxWx3 uint8 BGR image", reason=Reason.INTERNAL)
        location = (mesh_box_to_dlib(box, image_bgr.shape) if box is not None
                    else self.locate(image_bgr))
        # dlib copies the whole image it is given: hand it the face's surroundings only.
        top, right, bottom, left = location
        margin = max(8, (bottom - top) // 2)
        h_img, w_img = image_bgr.shape[:2]
        y0, x0 = max(0, top - margin), max(0, left - margin)
        y1, x1 = min(h_img, bottom + margin), min(w_img, right + margin)
        rgb = np.ascontiguousarray(image_bgr[y0:y1, x0:x1, ::-1])
        local = (top - y0, right - x0, bottom - y0, left - x0)
        return np.asarray(self._encode(rgb, local, self.num_jitters), dtype=np.float64)

    def embed_best(self, session: Any) -> np.ndarray:
        """Embedding of a LivenessSession's best frame (NO_FACE if it kept none)."""
        best = session.best_frame()
        if best is None:
            raise VisionError("the selfie kept no usable frame", reason=Reason.NO_FACE)
        return self.embed(best.image, best.box)

    distance = staticmethod(distance)
