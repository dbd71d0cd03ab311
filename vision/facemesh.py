"""One process-wide mediapipe FaceMesh, created on first use and shared.

mediapipe 0.10.21 ships the FaceMesh models inside its wheel (``mp.solutions``),
so nothing is downloaded. A FaceMesh graph costs ~100 ms and tens of MB to
create and does not give its memory back on ``close()``, so there is exactly
one per process, built lazily (importing this module is cheap) and guarded by
a lock: the calculator graph is not re-entrant.

It runs in static-image mode: every frame is detected from scratch. On this
CPU that is no slower than tracking mode when up to three faces are asked
for (tracking re-runs the detector anyway until it holds that many faces), and
it makes each frame's answer independent of the previous one -- sessions,
tests and the evaluation do not leak tracking state into each other.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from common.errors import Reason, VisionError
from common.native_log import native_stderr_to_log

log = logging.getLogger(__name__)

MAX_FACES = 3
N_LANDMARKS = 478  # 468 mesh points + 10 iris points (refine_landmarks)

_lock = threading.Lock()
_mesh: Any = None
_load_error: BaseException | None = None
# Runs routed through native_stderr_to_log until a face was found (its
# landmark step prints once too), bounded: a camera without faces for ever
# must not pay for the redirection on every frame.
QUIET_RUNS_MAX = 300
_quiet_runs = 0


@dataclass(frozen=True)
class FaceLandmarks:
    """One face: ``points`` is (478, 3) float32 in pixels of the analysed image.

    x, y are image coordinates; z is mediapipe's depth (smaller = nearer the
    camera) converted to pixels with the image width, as mediapipe specifies.
    """

    points: np.ndarray
    image_size: tuple[int, int]  # (width, height)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x, y, w, h) around the mesh, clipped to the image."""
        w_img, h_img = self.image_size
        x0, y0 = np.floor(self.points[:, :2].min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.points[:, :2].max(axis=0)).astype(int)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(w_img, x1), min(h_img, y1)
        return int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0))

    @property
    def width(self) -> float:
        return float(np.ptp(self.points[:, 0]))

    @property
    def centre(self) -> tuple[float, float]:
        c = self.points[:, :2].mean(axis=0)
        return float(c[0]), float(c[1])


def _load() -> Any:
    global _mesh, _load_error
    if _mesh is not None:
        return _mesh
    if _load_error is not None:
        raise VisionError("FaceMesh model unavailable", reason=Reason.MODEL_UNAVAILABLE,
                          cause=str(_load_error))
    try:
        from mediapipe.python.solutions import face_mesh

        _mesh = face_mesh.FaceMesh(static_image_mode=True, max_num_faces=MAX_FACES,
                                   refine_landmarks=True, min_detection_confidence=0.5)
    except Exception as exc:  # noqa: BLE001 - any load failure means the model is unusable
        _load_error = exc
        log.error("FaceMesh could not be loaded: %s", exc)
        raise VisionError("FaceMesh model unavailable", reason=Reason.MODEL_UNAVAILABLE,
                          cause=str(exc)) from exc
    log.info("FaceMesh loaded (static mode, up to %d faces)", MAX_FACES)
    return _mesh


def _run(image_bgr: np.ndarray, x0: int = 0, y0: int = 0) -> list[FaceLandmarks]:
    h, w = image_bgr.shape[:2]
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    global _quiet_runs
    with _lock:
        if _quiet_runs >= QUIET_RUNS_MAX:
            result = _load().process(rgb)
        else:
            # Loading, the first inference and the first face found make
            # mediapipe/TFLite print to fd 2 from C++: into the log at DEBUG
            # instead (common.native_log).
            with native_stderr_to_log(log):
                result = _load().process(rgb)
            _quiet_runs = QUIET_RUNS_MAX if result.multi_face_landmarks else _quiet_runs + 1
    faces: list[FaceLandmarks] = []
    for lms in result.multi_face_landmarks or ():
        pts = np.array([(p.x * w + x0, p.y * h + y0, p.z * w) for p in lms.landmark],
                       dtype=np.float32)
        faces.append(FaceLandmarks(points=pts, image_size=(0, 0)))
    return faces


def detect(image_bgr: np.ndarray, *, zoom_if_empty: bool = True) -> list[FaceLandmarks]:
    """Landmarks of up to three faces, largest first. Raises VisionError if
    the model cannot load or the image is not an HxWx3 uint8 array.

    FaceMesh's detector (short range, 128 px input) misses faces narrower
    than ~12 % of a 16:9 frame. When it finds nothing, the centre of the frame
    is tried again, which finds faces down to ~7 %: a member standing too far
    back then hears "come closer" rather than "no face"."""
    if (not isinstance(image_bgr, np.ndarray) or image_bgr.ndim != 3
            or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8):
        raise VisionError("expected an HxWx3 uint8 BGR image", reason=Reason.INTERNAL)
    h, w = image_bgr.shape[:2]
    faces = _run(image_bgr)
    if not faces and zoom_if_empty and w >= 1.2 * h:
        cw = min(w, int(1.1 * h))
        x0 = (w - cw) // 2
        faces = _run(image_bgr[:, x0:x0 + cw], x0, 0)
    faces = [FaceLandmarks(f.points, (w, h)) for f in faces]
    faces.sort(key=lambda f: f.width, reverse=True)
    return faces


def warm_up() -> None:
    """Load the model and run it once (first inference pays for graph set-up).

    Meant for a background thread after the first screen is shown; errors
    are logged, not raised, since the selfie screen reports them itself.
    """
    try:
        detect(np.zeros((64, 64, 3), np.uint8))
    except VisionError as exc:
        log.warning("FaceMesh warm-up failed: %s", exc)


def is_loaded() -> bool:
    return _mesh is not None
