"""Synthetic members: one real face photo that turns, nods, blinks and smiles.

``SyntheticMember(photo_bgr, seed)`` finds the face's 3-D FaceMesh landmarks
once, places the photo in a camera-sized frame (face about a fifth of the
width, like a member at arm's length), and renders
``frame(yaw_deg, pitch_deg, blink, smile, t)`` by moving those landmarks in 3-D
and warping the image piece by piece:

- the 468 mesh points plus two rings around the face oval (hair, ears, neck
  follow the head; the outer ring only halfway) and fixed points on a box
  around it are triangulated once (Delaunay, cached);
- per frame the points are deformed (eyelids closed, mouth corners widened
  and raised), rotated about a pivot behind the face, and projected; every
  destination pixel is mapped back into its source triangle (a backward
  piecewise-affine map, triangles painted far-to-near so the nose hides the
  far cheek) and sampled with one ``cv2.remap``;
- a blink moves the upper-lid ring down onto the lower lid, so the lid skin
  above it is stretched over the eye: the eye opening really disappears from
  the image, which is what the eye-aspect-ratio detector must see;
- a slow random wobble (fractions of a degree, a pixel or two) and camera
  noise keep a "still" live member from being perfectly static.

Conventions (the liveness detector's): yaw > 0 is the member turning to
THEIR left, i.e. the nose moves toward the RIGHT edge of the unmirrored
image; pitch > 0 is the head going down (chin to chest).

Frames never leave memory unless a caller writes them (``write_video`` in
``vision.synth.actor`` exists for demos and tests).
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from common.errors import Reason, VisionError
from vision import facemesh
from vision.pose import (
    EYE_HOLE_LEFT,
    EYE_HOLE_RIGHT,
    FACE_OVAL,
    LEFT_EYE_LOWER,
    LEFT_EYE_RING2,
    LEFT_EYE_RING3,
    LEFT_EYE_UPPER,
    LIPS_ALL,
    MOUTH_HOLE,
    MOUTH_LEFT,
    MOUTH_RIGHT,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_RING2,
    RIGHT_EYE_RING3,
    RIGHT_EYE_UPPER,
)

FRAME_SIZE = (1280, 720)
N_MESH = 468
_RING1_SCALE = 1.3
_RING2_SCALE = 1.75
_RING2_FOLLOW = 0.5  # the outer ring (shoulders, background) moves this much with the head
_NOISE_BANK = 4


@dataclass(frozen=True)
class Pose:
    """What the member does in one frame (angles in degrees, amounts 0..1)."""

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    blink: float = 0.0
    smile: float = 0.0


def faces_dir() -> Path | None:
    """``$KIOSK_FACES_DIR`` or ``../shared/faces`` next to the repository, if present."""
    env = os.environ.get("KIOSK_FACES_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "faces")
    for c in candidates:
        if c.is_dir():
            return c
    return None


def astronaut_bgr() -> np.ndarray:
    """The scikit-image astronaut (public domain, ships in the package): the demo member."""
    return _astronaut().copy()


@functools.lru_cache(maxsize=1)
def _astronaut() -> np.ndarray:
    img = _astronaut_png()
    if img is None:
        from skimage import data

        img = np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    img.flags.writeable = False
    return img


def _astronaut_png() -> np.ndarray | None:
    # The same pixels read with OpenCV: the packaged kiosk carries only this
    # PNG (vision/synth/data/, see tools/bundle_manifest.py), not scikit-image
    # and its SciPy stack; tests/deploy/test_build_spec.py guards it.
    import importlib.util

    candidates = [Path(__file__).with_name("data") / "astronaut.png"]
    try:
        spec = importlib.util.find_spec("skimage")  # locates the package without importing it
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))) / "data"
                          / "astronaut.png")
    for path in candidates:
        if path.is_file():
            data = np.frombuffer(png_without_iccp(path.read_bytes()), np.uint8)
            image = cv2.imdecode(data, cv2.IMREAD_COLOR)
            if image is not None:
                return image
    return None


def png_without_iccp(data: bytes) -> bytes:
    """The PNG without its iCCP chunk (the pixels are unchanged).

    scikit-image's astronaut carries a colour profile libpng calls "known
    incorrect": reading it printed "libpng warning: iCCP" on every start.
    Anything that is not a well-formed PNG comes back as it was."""
    sig = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(sig):
        return data
    out, i = [sig], len(sig)
    while i + 12 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        end = i + 12 + length
        if end > len(data):
            return data  # truncated: let the decoder say what it thinks
        if data[i + 4:i + 8] != b"iCCP":
            out.append(data[i:end])
        i = end
    return b"".join(out) if i == len(data) else data


def load_face_photo(name: str) -> np.ndarray | None:
    """A photo from the shared faces folder (e.g. "obama"), or None when absent."""
    folder = faces_dir()
    if folder is None:
        return None
    path = folder / f"{name}.jpg"
    if not path.is_file():
        return None
    return cv2.imread(str(path), cv2.IMREAD_COLOR)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation for x right, y down, z away from the camera (all radians)."""
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    # Signs chosen so a point in front of the pivot (z < 0) moves to +x for
    # yaw > 0 and to +y for pitch > 0 (see the module conventions).
    r_yaw = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    r_pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    r_roll = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return r_roll @ r_pitch @ r_yaw


def _delaunay(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles (index triples) of 2-D points."""
    pts32 = np.asarray(points, dtype=np.float32)
    x0, y0 = np.floor(pts32.min(axis=0)) - 2
    x1, y1 = np.ceil(pts32.max(axis=0)) + 2
    subdiv = cv2.Subdiv2D((int(x0), int(y0), int(x1 - x0) + 1, int(y1 - y0) + 1))
    # Subdiv2D hands back float32 vertex coordinates: key the lookup on exactly those.
    index = {(float(px), float(py)): i for i, (px, py) in enumerate(pts32)}
    if len(index) != len(pts32):
        raise VisionError("duplicate control points in the face mesh", reason=Reason.INTERNAL)
    for px, py in pts32:
        subdiv.insert((float(px), float(py)))
    tris = []
    for t in subdiv.getTriangleList():
        ids = [index.get((float(t[k]), float(t[k + 1]))) for k in (0, 2, 4)]
        if None not in ids:
            tris.append(ids)
    return np.array(tris, dtype=np.int32).reshape(-1, 3)


def _inside(tris: np.ndarray, pts: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    poly = np.asarray(polygon, dtype=np.float32).reshape(-1, 1, 2)
    cent = pts[tris].mean(axis=1)
    return np.array([cv2.pointPolygonTest(poly, (float(x), float(y)), False) > 0
                     for x, y in cent], dtype=bool)


_MESH_TRIS: np.ndarray | None = None


def _mesh_triangles() -> np.ndarray:
    """FaceMesh's own tessellation as triangles (its 3-cycles), cached."""
    global _MESH_TRIS
    if _MESH_TRIS is None:
        from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

        nb: dict[int, set[int]] = {}
        for a, b in FACEMESH_TESSELATION:
            nb.setdefault(a, set()).add(b)
            nb.setdefault(b, set()).add(a)
        tris = {tuple(sorted((a, b, c))) for a, b in FACEMESH_TESSELATION for c in nb[a] & nb[b]}
        _MESH_TRIS = np.array(sorted(tris), dtype=np.int32)
    return _MESH_TRIS


def _fill_hole(mesh: np.ndarray, contour: np.ndarray) -> np.ndarray:
    """Triangles closing one of the mesh's holes (an eye or the mouth opening)."""
    contour = np.asarray(contour)
    local = _delaunay(mesh[contour, :2])
    keep = _inside(local, mesh[contour, :2], mesh[contour, :2])
    return contour[local[keep]]


def _compose_canvas(photo: np.ndarray, pts: np.ndarray, size: tuple[int, int],
                    face_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Place the photo so the face is ``face_frac`` of the frame width, centred a
    little above the middle; outside the photo, a heavy blur of its edges with
    a feathered seam (a hard photo edge would look like a print's border)."""
    w, h = size
    x0, y0 = pts[:N_MESH, :2].min(axis=0)
    x1, y1 = pts[:N_MESH, :2].max(axis=0)
    s = face_frac * w / max(1.0, x1 - x0)
    tx = 0.5 * w - s * 0.5 * (x0 + x1)
    ty = 0.47 * h - s * 0.5 * (y0 + y1)
    m = np.array([[s, 0, tx], [0, s, ty]], dtype=np.float64)
    placed = cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_REPLICATE)
    small = cv2.resize(placed, (max(8, w // 16), max(8, h // 16)), interpolation=cv2.INTER_AREA)
    back = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (w, h), interpolation=cv2.INTER_LINEAR)
    ph, pw = photo.shape[:2]
    feather = max(2, int(0.04 * min(ph, pw)))
    mask = np.zeros((ph, pw), np.float32)
    mask[feather:ph - feather, feather:pw - feather] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), feather / 2.0)
    alpha = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR)[:, :, None]
    canvas = (alpha * placed + (1.0 - alpha) * back).astype(np.uint8)
    out = pts.astype(np.float64).copy()
    out[:, :2] = out[:, :2] * s + (tx, ty)
    out[:, 2] *= s
    return canvas, out


class SyntheticMember:
    """A face photo animated on command. Not thread-safe (one renderer per thread)."""

    def __init__(self, photo_bgr: np.ndarray, seed: int = 0, *,
                 size: tuple[int, int] = FRAME_SIZE, face_frac: float = 0.22,
                 noise_sigma: float = 2.0, wobble: bool = True) -> None:
        faces = facemesh.detect(photo_bgr)
        if not faces:
            raise VisionError("no face in the member photo", reason=Reason.NO_FACE)
        if len(faces) > 1 and faces[1].width > 0.5 * faces[0].width:
            raise VisionError("several faces in the member photo", reason=Reason.MANY_FACES)
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.noise_sigma = noise_sigma
        self.wobble = wobble
        self.canvas, lm = _compose_canvas(photo_bgr, faces[0].points, size, face_frac)
        self.landmarks = lm  # canvas pixels, (478, 3)
        self._build_controls(lm[:N_MESH])
        self._noise = [self._noise_pair(noise_sigma) for _ in range(_NOISE_BANK)] \
            if noise_sigma > 0 else []
        self._wobble_state = np.zeros(6)
        self._wobble_t: float | None = None

    # -- set-up ---------------------------------------------------------------
    def _build_controls(self, mesh: np.ndarray) -> None:
        w, h = self.size
        oval = mesh[FACE_OVAL]
        c2 = oval[:, :2].mean(axis=0)
        ring1 = oval.copy()
        ring1[:, :2] = c2 + _RING1_SCALE * (oval[:, :2] - c2)
        ring2 = oval.copy()
        ring2[:, :2] = c2 + _RING2_SCALE * (oval[:, :2] - c2)
        face_w = float(np.ptp(mesh[:, 0]))
        # The warp box: the outer ring plus a margin, inside the frame.
        bx0, by0 = np.floor(ring2[:, :2].min(axis=0) - 0.1 * face_w).astype(int)
        bx1, by1 = np.ceil(ring2[:, :2].max(axis=0) + 0.1 * face_w).astype(int)
        bx0, by0 = max(0, bx0), max(0, by0)
        bx1, by1 = min(w - 1, bx1), min(h - 1, by1)
        ring2[:, 0] = np.clip(ring2[:, 0], bx0 + 2, bx1 - 2)
        ring2[:, 1] = np.clip(ring2[:, 1], by0 + 2, by1 - 2)
        xs = np.linspace(bx0, bx1, 5)
        ys = np.linspace(by0, by1, 5)
        fixed = [(x, y) for x in xs for y in (by0, by1)] + [(x, y) for y in ys[1:-1]
                                                             for x in (bx0, bx1)]
        fixed = np.array([(x, y, 0.0) for x, y in fixed])
        self._n_head = N_MESH + len(ring1)
        self._n_outer = len(ring2)
        self._src = np.vstack([mesh, ring1, ring2, fixed])  # 3-D, canvas pixels
        self._roi = (int(bx0), int(by0), int(bx1 - bx0 + 1), int(by1 - by0 + 1))
        # The face: FaceMesh's tessellation with its eye and mouth holes closed
        # (a blink collapses the eye triangles). Around it: Delaunay over the
        # oval, the rings and the fixed box, minus what falls inside the oval.
        holes = [_fill_hole(mesh, c) for c in (EYE_HOLE_RIGHT, EYE_HOLE_LEFT, MOUTH_HOLE)]
        outer_ids = np.concatenate([FACE_OVAL, np.arange(N_MESH, len(self._src))])
        outer = outer_ids[_delaunay(self._src[outer_ids, :2])]
        outer = outer[~_inside(outer, self._src[:, :2], mesh[FACE_OVAL, :2])]
        self._tris = np.vstack([_mesh_triangles(), *holes, outer]).astype(np.int32)
        self._behind = np.where((self._tris >= N_MESH).any(axis=1), 1e6, 0.0)
        # Pivot: behind the face, about where a neck turns the head.
        self._pivot = np.array([c2[0], c2[1] + 0.15 * face_w,
                                float(np.median(oval[:, 2])) + 0.2 * face_w])
        self._face_w = face_w
        rx, ry, rw, rh = self._roi
        gy, gx = np.mgrid[ry:ry + rh, rx:rx + rw]
        self._gx = gx.astype(np.float32).ravel()
        self._gy = gy.astype(np.float32).ravel()
        self._idmap = np.empty((rh, rw), np.int32)
        self._lid = self._lid_targets(mesh)
        self._smile_dir = self._smile_field(mesh)

    def _lid_targets(self, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-point displacement that closes both eyes (blink = 1)."""
        disp = np.zeros((N_MESH, 3))
        for upper, lower, ring2, ring3 in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER, RIGHT_EYE_RING2,
                                             RIGHT_EYE_RING3),
                                            (LEFT_EYE_UPPER, LEFT_EYE_LOWER, LEFT_EYE_RING2,
                                             LEFT_EYE_RING3)):
            lo = mesh[lower]
            order = np.argsort(lo[:, 0])
            for k, i in enumerate(upper):
                x = mesh[i, 0]
                y_lo = np.interp(x, lo[order, 0], lo[order, 1])
                z_lo = np.interp(x, lo[order, 0], lo[order, 2])
                target = np.array([x, y_lo - 0.12 * (y_lo - mesh[i, 1]), z_lo])
                d = target - mesh[i]
                disp[i] = d
                disp[ring2[k]] = 0.55 * d
                disp[ring3[k]] = 0.2 * d
        idx = np.nonzero(np.any(disp != 0, axis=1))[0]
        return idx, disp[idx]

    def _smile_field(self, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        right, left = mesh[MOUTH_RIGHT, :2], mesh[MOUTH_LEFT, :2]
        mouth_w = float(np.linalg.norm(left - right))
        centre = 0.5 * (left + right)
        disp = np.zeros((N_MESH, 3))
        for corner in (right, left):
            d = np.linalg.norm(mesh[:, :2] - corner, axis=1)
            weight = np.exp(-((d / (0.45 * mouth_w)) ** 2))
            side = np.sign(corner[0] - centre[0])
            disp[:, 0] += weight * side * 0.16 * mouth_w
            disp[:, 1] -= weight * 0.10 * mouth_w
        # Cheeks rise a little with a real smile.
        lips = np.zeros(N_MESH, bool)
        lips[LIPS_ALL] = True
        d_mouth = np.linalg.norm(mesh[:, :2] - centre, axis=1)
        cheek = np.exp(-(((d_mouth - 0.9 * mouth_w) / (0.4 * mouth_w)) ** 2)) * ~lips
        disp[:, 1] -= cheek * 0.05 * mouth_w
        idx = np.nonzero(np.abs(disp).sum(axis=1) > 0.05)[0]
        return idx, disp[idx]

    def _noise_pair(self, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        # Camera noise over the whole frame (noise only near the face would draw
        # a rectangle), kept as two saturating uint8 halves: adding them is far
        # cheaper than int16 arithmetic on a full frame.
        n = self.rng.normal(0.0, sigma, (self.size[1], self.size[0], 3))
        return (np.clip(n, 0, 255).astype(np.uint8), np.clip(-n, 0, 255).astype(np.uint8))

    def add_noise(self, image: np.ndarray) -> np.ndarray:
        if not self._noise:
            return image
        pos, neg = self._noise[int(self.rng.integers(len(self._noise)))]
        return cv2.subtract(cv2.add(image, pos), neg)

    # -- rendering --------------------------------------------------------------
    @property
    def face_width_px(self) -> float:
        return self._face_w

    def _wobble(self, t: float) -> np.ndarray:
        """A slow random walk: yaw, pitch, roll (deg), dx, dy (px), scale (rel)."""
        if not self.wobble:
            return np.zeros(6)
        dt = 0.04 if self._wobble_t is None else min(0.2, max(0.0, t - self._wobble_t))
        self._wobble_t = t
        scale = np.array([0.6, 0.5, 0.4, 1.2, 1.0, 0.004])
        # Ornstein-Uhlenbeck: drifts, never runs away.
        self._wobble_state += (-self._wobble_state * dt / 0.6
                               + scale * math.sqrt(dt / 0.3) * self.rng.normal(size=6))
        return self._wobble_state.copy()

    def project(self, pose: Pose, t: float = 0.0) -> np.ndarray:
        """Destination 2-D positions of all control points (and their depth)."""
        wob = self._wobble(t)
        pts = self._src.copy()
        if pose.blink > 0:
            idx, d = self._lid
            pts[idx] += min(1.0, pose.blink) * d
        if pose.smile > 0:
            idx, d = self._smile_dir
            pts[idx] += min(1.0, pose.smile) * d
        r = _rotation(math.radians(pose.yaw_deg + wob[0]), math.radians(pose.pitch_deg + wob[1]),
                      math.radians(pose.roll_deg + wob[2]))
        nh = self._n_head
        head = (pts[:nh] - self._pivot) @ r.T * (1.0 + wob[5]) + self._pivot
        head[:, :2] += wob[3:5]
        out = pts.copy()
        out[:nh] = head
        outer = slice(nh, nh + self._n_outer)
        moved = (pts[outer] - self._pivot) @ r.T + self._pivot
        moved[:, :2] += wob[3:5]
        out[outer] = pts[outer] + _RING2_FOLLOW * (moved - pts[outer])
        return out

    def frame(self, yaw_deg: float = 0.0, pitch_deg: float = 0.0, blink: float = 0.0,
              smile: float = 0.0, t: float = 0.0, roll_deg: float = 0.0) -> np.ndarray:
        """One BGR frame of ``size`` (default 1280x720), unmirrored."""
        return self.render(Pose(yaw_deg, pitch_deg, roll_deg, blink, smile), t)

    def render(self, pose: Pose, t: float = 0.0) -> np.ndarray:
        dst = self.project(pose, t)
        rx, ry, rw, rh = self._roi
        d2 = dst[:, :2] - (rx, ry)
        s2 = self._src[:, :2]
        tri = self._tris
        # Backward affine per triangle: source = A @ [x_dst, y_dst, 1].
        dmat = np.ones((len(tri), 3, 3))
        dmat[:, 0, :] = d2[tri, 0]
        dmat[:, 1, :] = d2[tri, 1]
        smat = np.stack([s2[tri, 0], s2[tri, 1]], axis=1)  # (T, 2, 3)
        det = np.linalg.det(dmat)
        ok = np.abs(det) > 1e-6
        aff = np.zeros((len(tri), 2, 3))
        aff[ok] = smat[ok] @ np.linalg.inv(dmat[ok])
        # Paint far triangles first so near ones (the nose) cover them; the
        # surroundings (any triangle off the mesh) always lie behind the face.
        depth = dst[tri, 2].mean(axis=1) + self._behind
        idmap = self._idmap
        idmap.fill(-1)
        shift = 4
        poly = np.round(d2[tri] * (1 << shift)).astype(np.int32)
        for k in np.argsort(-depth):
            if ok[k]:
                cv2.fillConvexPoly(idmap, poly[k], int(k), lineType=cv2.LINE_8, shift=shift)
        ids = idmap.ravel()
        miss = ids < 0
        ids = np.where(miss, 0, ids)
        gx, gy = self._gx - rx, self._gy - ry
        a = aff.reshape(len(tri), 6).astype(np.float32)
        map_x = a[ids, 0] * gx + a[ids, 1] * gy + a[ids, 2]
        map_y = a[ids, 3] * gx + a[ids, 4] * gy + a[ids, 5]
        map_x[miss] = self._gx[miss]
        map_y[miss] = self._gy[miss]
        patch = cv2.remap(self.canvas, map_x.reshape(rh, rw), map_y.reshape(rh, rw),
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out = self.canvas.copy()
        out[ry:ry + rh, rx:rx + rw] = patch
        return self.add_noise(out)

    def neutral(self) -> np.ndarray:
        """The unanimated frame (the photo as placed): what a held-up print shows."""
        return self.canvas.copy()
