"""Hard scenes: a member pass QR on a phone screen, held up in a lobby, 1280x720.

Used to choose and test the QR decoder (a seeded corpus, ``build_corpus``) and
by the demo actor to show a pass to the camera (``render_phone_scene`` with the
``MILD`` preset, fast enough to run per frame: the phone raster and the lobby
backgrounds are cached, the warp and the effects touch only the phone's region
except the sensor noise).

Every effect has a knob in ``SceneParams``: module size (distance),
perspective (yaw/pitch/roll), motion and focus blur, sensor noise, glare on the
screen glass, low contrast, dark mode (inverted colours), a thumb over the code.
``random_params(rng, difficulty)`` draws more and stronger effects as
difficulty goes from 0 to 1. Everything is deterministic given the rng.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import segno

FRAME_W, FRAME_H = 1280, 720
# Phone raster (portrait), in its own pixels; the QR card sits in the upper half.
PHONE_W, PHONE_H = 440, 900
_BEZEL = 16
_SCREEN_TOP = 120  # status bar + app header height in raster pixels
_QR_BOX = 380  # the QR (with quiet zone) fits in this square of the raster
_FOCAL_PX = 1000.0
_N_BACKGROUNDS = 6
_SKIN = ((140, 170, 215), (95, 130, 180), (60, 90, 140), (120, 150, 200))


@dataclass(frozen=True)
class SceneParams:
    module_px: float = 4.0  # size of one QR module in the frame, pixels
    center: tuple[float, float] = (0.5, 0.5)  # QR centre, fraction of the frame
    yaw_deg: float = 0.0  # turn about the vertical axis
    pitch_deg: float = 0.0  # tilt about the horizontal axis
    roll_deg: float = 0.0  # in-plane rotation
    motion_px: float = 0.0  # length of the motion-blur streak
    motion_angle_deg: float = 0.0
    focus_sigma: float = 0.0  # Gaussian defocus, frame pixels
    noise_sigma: float = 2.0  # sensor noise, grey levels
    glare: float = 0.0  # 0..1 strength of a reflection on the glass
    glare_at: tuple[float, float] = (0.5, 0.35)  # where on the phone (fractions)
    glare_size: float = 0.25  # radius, fraction of the phone width
    contrast: float = 1.0  # 1 = black on white; 0.2 = grey on light grey
    screen_gain: float = 1.0  # screen brightness relative to the room
    exposure: float = 1.0  # whole-frame gain (a dark or bright lobby)
    inverted: bool = False  # dark-mode app: light modules on a dark screen
    occlusion: float = 0.0  # 0..0.35 of the code's width covered by a thumb
    occlusion_side: int = 0  # 0 left, 1 right, 2 bottom
    background: int = 0  # which lobby
    difficulty: float = 0.0  # what random_params was asked for (for reports)
    tags: tuple[str, ...] = field(default=())  # effects that random_params turned on


MILD = SceneParams(module_px=4.5, center=(0.5, 0.52), yaw_deg=8.0, pitch_deg=-10.0,
                   roll_deg=4.0, noise_sigma=2.0, glare=0.1, screen_gain=0.95)


@dataclass(frozen=True)
class Scene:
    image: np.ndarray  # BGR uint8, FRAME_H x FRAME_W
    text: str
    params: SceneParams
    quad: np.ndarray  # 4x2 float32, the QR's outer corners in the frame (TL, TR, BR, BL)


# -- cached rasters ---------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def qr_matrix(text: str) -> np.ndarray:
    """The QR modules (1 = dark), with a 4-module quiet zone, ECC level M."""
    code = segno.make(text, error="m", micro=False, boost_error=False)
    return np.pad(np.array(code.matrix, dtype=np.uint8), 4)


@functools.lru_cache(maxsize=64)
def _phone_raster(text: str, inverted: bool, contrast_q: int) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Phone body with the app screen; returns (BGR raster, mask, QR quad in raster)."""
    contrast = contrast_q / 20.0
    img = np.zeros((PHONE_H, PHONE_W, 3), np.uint8)
    mask = np.zeros((PHONE_H, PHONE_W), np.uint8)
    _rounded_rect(mask, (0, 0), (PHONE_W - 1, PHONE_H - 1), 56, 255)
    img[mask > 0] = (30, 28, 26)  # bezel
    bg, fg, card = ((28, 28, 30), (230, 230, 230), (45, 45, 48)) if inverted else \
        ((242, 242, 242), (40, 40, 40), (255, 255, 255))
    screen = np.zeros_like(mask)
    _rounded_rect(screen, (_BEZEL, _BEZEL), (PHONE_W - 1 - _BEZEL, PHONE_H - 1 - _BEZEL), 42, 255)
    img[screen > 0] = bg
    # App chrome: status bar, brand header, caption, countdown bar, button.
    cv2.putText(img, "9:41", (46, 50), cv2.FONT_HERSHEY_SIMPLEX, 0.6, fg, 2, cv2.LINE_AA)
    cv2.rectangle(img, (PHONE_W - 92, 36), (PHONE_W - 56, 52), fg, 2)
    cv2.rectangle(img, (_BEZEL, 64), (PHONE_W - 1 - _BEZEL, _SCREEN_TOP), (40, 110, 235), -1)
    cv2.putText(img, "Tower Pass", (40, 102), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2,
                cv2.LINE_AA)
    # The QR card, light/dark per the app theme; contrast pulls the modules toward the card.
    modules = qr_matrix(text)
    n = modules.shape[0]
    px = max(2, _QR_BOX // n)
    size = n * px
    x0 = (PHONE_W - size) // 2
    y0 = _SCREEN_TOP + 40
    light = np.array(card, np.float32)
    dark = np.array((255, 255, 255) if inverted else (0, 0, 0), np.float32)
    dark = light + (dark - light) * contrast
    cv2.rectangle(img, (x0 - 10, y0 - 10), (x0 + size + 10, y0 + size + 10), card, -1)
    big = cv2.resize(modules, (size, size), interpolation=cv2.INTER_NEAREST).astype(bool)
    region = img[y0:y0 + size, x0:x0 + size]
    region[~big] = light.astype(np.uint8)
    region[big] = dark.astype(np.uint8)
    y = y0 + size + 44
    cv2.putText(img, "Member pass - show to the kiosk", (40, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                fg, 1, cv2.LINE_AA)
    cv2.rectangle(img, (40, y + 24), (PHONE_W - 40, y + 34), (200, 200, 200), -1)
    cv2.rectangle(img, (40, y + 24), (PHONE_W // 2, y + 34), (40, 110, 235), -1)
    _rounded_rect(img, (60, PHONE_H - 150), (PHONE_W - 60, PHONE_H - 96), 26, (40, 110, 235))
    cv2.putText(img, "Done", (PHONE_W // 2 - 30, PHONE_H - 114), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                (255, 255, 255), 2, cv2.LINE_AA)
    quad = np.float32([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]])
    for a in (img, mask):
        a.flags.writeable = False  # shared by every frame: never modified
    return img, mask, quad


def _rounded_rect(img: np.ndarray, p0: tuple[int, int], p1: tuple[int, int], r: int,
                  colour: int | tuple[int, ...]) -> None:
    (x0, y0), (x1, y1) = p0, p1
    cv2.rectangle(img, (x0 + r, y0), (x1 - r, y1), colour, -1)
    cv2.rectangle(img, (x0, y0 + r), (x1, y1 - r), colour, -1)
    for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
        cv2.circle(img, (cx, cy), r, colour, -1, cv2.LINE_AA)


@functools.lru_cache(maxsize=_N_BACKGROUNDS)
def lobby_background(variant: int) -> np.ndarray:
    """A lobby-like backdrop: wall, floor, windows, posters, tiles, a person."""
    rng = np.random.default_rng(1000 + variant)
    h, w = FRAME_H, FRAME_W
    wall = rng.integers(120, 210, 3).astype(np.float32)
    ramp = np.linspace(1.1, 0.75, h, dtype=np.float32)[:, None, None]
    img = np.clip(ramp * wall[None, None, :], 0, 255).astype(np.uint8).repeat(w, axis=1)
    floor_y = int(h * rng.uniform(0.62, 0.75))
    img[floor_y:] = rng.integers(50, 120, 3)
    for x in range(0, w, int(rng.integers(60, 120))):  # floor tile joints
        cv2.line(img, (w // 2 + (x - w // 2) // 3, floor_y), (x, h), (40, 40, 40), 1)
    for _ in range(int(rng.integers(1, 3))):  # bright windows, often overexposed
        x, y = int(rng.integers(0, w - 260)), int(rng.integers(0, floor_y // 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(160, 320)), y + 220), (250, 250, 245), -1)
        cv2.line(img, (x + 80, y), (x + 80, y + 220), (90, 90, 90), 6)
    for _ in range(int(rng.integers(2, 5))):  # posters with text and stripes
        x, y = int(rng.integers(0, w - 160)), int(rng.integers(20, floor_y - 200))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(img, (x, y), (x + 140, y + 190), colour, -1)
        for k in range(4):
            cv2.putText(img, "TEST DRIVE"[: 4 + k], (x + 8, y + 40 + 36 * k),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    # A checkered sign: square patterns that look a little like finder patterns.
    x, y = int(rng.integers(0, w - 120)), int(rng.integers(floor_y - 200, floor_y - 100))
    for i in range(6):
        for j in range(4):
            if (i + j) % 2:
                cv2.rectangle(img, (x + 20 * i, y + 20 * j), (x + 20 * i + 19, y + 20 * j + 19),
                              (20, 20, 20), -1)
    # The member: a dark torso and a head, behind where the phone is held.
    cx = int(w * rng.uniform(0.35, 0.65))
    cv2.ellipse(img, (cx, h + 80), (260, 420), 0, 180, 360,
                tuple(int(c) for c in rng.integers(20, 90, 3)), -1)
    cv2.circle(img, (cx, int(h * 0.2)), 90, _SKIN[variant % len(_SKIN)], -1)
    img.flags.writeable = False
    return img


@functools.lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    """Unit-ish Gaussian noise, larger than a frame so random crops differ."""
    rng = np.random.default_rng(7)
    bank = rng.normal(0, 16, (FRAME_H + 64, FRAME_W + 64, 3)).clip(-127, 127).astype(np.int16)
    bank.flags.writeable = False
    return bank


# -- geometry ---------------------------------------------------------------------------
def _homography(p: SceneParams, qr_quad: np.ndarray, n_modules: int) -> np.ndarray:
    """Phone raster -> frame: a rotated plane seen by a pinhole camera."""
    raster_module_px = float(qr_quad[1, 0] - qr_quad[0, 0]) / n_modules
    scale = p.module_px / raster_module_px  # frame px per raster px, at the QR centre
    yaw, pitch, roll = (math.radians(a) for a in (p.yaw_deg, p.pitch_deg, p.roll_deg))
    rz = np.array([[math.cos(roll), -math.sin(roll), 0], [math.sin(roll), math.cos(roll), 0],
                   [0, 0, 1]])
    ry = np.array([[math.cos(yaw), 0, math.sin(yaw)], [0, 1, 0],
                   [-math.sin(yaw), 0, math.cos(yaw)]])
    rx = np.array([[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)],
                   [0, math.sin(pitch), math.cos(pitch)]])
    rot = rx @ ry @ rz
    qc = qr_quad.mean(axis=0)
    corners = np.float32([[0, 0], [PHONE_W, 0], [PHONE_W, PHONE_H], [0, PHONE_H]])
    z = _FOCAL_PX / scale
    cx, cy = p.center[0] * FRAME_W, p.center[1] * FRAME_H
    pts3 = np.c_[(corners - qc) * 1.0, np.zeros(4)] @ rot.T + [0, 0, z]
    proj = np.float32(_FOCAL_PX * pts3[:, :2] / pts3[:, 2:3] + [cx, cy])
    return cv2.getPerspectiveTransform(corners, proj)


def _warp_points(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return cv2.perspectiveTransform(np.float32(pts).reshape(-1, 1, 2), h).reshape(-1, 2)


# -- rendering ---------------------------------------------------------------------------
def render_scene(text: str, params: SceneParams, rng: np.random.Generator,
                 background: np.ndarray | None = None) -> Scene:
    """Render the pass ``text`` on a phone in a 1280x720 frame, with ground truth."""
    contrast_q = int(round(np.clip(params.contrast, 0.05, 1.0) * 20))
    raster, mask, qr_quad = _phone_raster(text, params.inverted, contrast_q)
    if background is None:
        frame = lobby_background(params.background % _N_BACKGROUNDS).copy()
    else:
        frame = cv2.resize(background, (FRAME_W, FRAME_H)) if background.shape[:2] != (
            FRAME_H, FRAME_W) else background.copy()
    hom = _homography(params, qr_quad, qr_matrix(text).shape[0])
    phone = _warp_points(hom, [[0, 0], [PHONE_W, 0], [PHONE_W, PHONE_H], [0, PHONE_H]])
    pad = int(params.motion_px + 3 * params.focus_sigma) + 4
    x0, y0 = np.floor(phone.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(phone.max(axis=0)).astype(int) + pad
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, FRAME_W), min(y1, FRAME_H)
    skin = _SKIN[int(rng.integers(len(_SKIN)))]
    if x1 > x0 and y1 > y0:
        # The palm behind the lower half of the phone.
        palm = _warp_points(hom, _ellipse_pts(PHONE_W * 0.5, PHONE_H * 0.95, PHONE_W * 0.75,
                                              PHONE_H * 0.35))
        cv2.fillPoly(frame, [np.int32(palm)], skin, cv2.LINE_AA)
        roi = frame[y0:y1, x0:x1]
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ hom
        size = (x1 - x0, y1 - y0)
        warped = cv2.warpPerspective(raster, shift, size, flags=cv2.INTER_LINEAR)
        wmask = cv2.warpPerspective(mask, shift, size, flags=cv2.INTER_NEAREST)
        if params.screen_gain != 1.0:
            warped = cv2.convertScaleAbs(warped, alpha=params.screen_gain)
        cv2.copyTo(warped, wmask, roi)
        _fingers(frame, hom, params, rng, skin, qr_quad)
        if params.glare > 0:
            _glare(roi, shift, params)
        if params.motion_px >= 1.5:
            roi[:] = cv2.filter2D(roi, -1, _motion_kernel(params.motion_px,
                                                          params.motion_angle_deg))
        if params.focus_sigma > 0.3:
            roi[:] = cv2.GaussianBlur(roi, (0, 0), params.focus_sigma)
    if params.exposure != 1.0:
        frame = cv2.convertScaleAbs(frame, alpha=params.exposure)
    if params.noise_sigma > 0.5:
        frame = _add_noise(frame, params.noise_sigma, rng)
    quad = _warp_points(hom, qr_quad)
    return Scene(image=frame, text=text, params=params, quad=quad)


def render_phone_scene(text: str, rng: np.random.Generator | None = None,
                       params: SceneParams | None = None,
                       background: np.ndarray | None = None, **overrides: object) -> np.ndarray:
    """One BGR 1280x720 frame of ``text`` on a phone (``MILD`` preset by default).

    ``overrides`` replace single fields (``render_phone_scene(t, rng, yaw_deg=20)``);
    ``background`` puts the phone in front of another frame (the demo actor's).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    params = replace(params or MILD, **overrides) if overrides else (params or MILD)
    return render_scene(text, params, rng, background).image


def _ellipse_pts(cx: float, cy: float, ax: float, ay: float, n: int = 24) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[cx + ax * np.cos(t), cy + ay * np.sin(t)]


def _fingers(frame: np.ndarray, hom: np.ndarray, p: SceneParams, rng: np.random.Generator,
             skin: tuple[int, int, int], qr_quad: np.ndarray) -> None:
    """Fingers round the phone's edge, and a thumb over the code if asked."""
    for k in range(3):  # fingertips over the right edge
        y = PHONE_H * (0.62 + 0.09 * k)
        tip = _ellipse_pts(PHONE_W + 4, y, 30, 22, 16)
        cv2.fillPoly(frame, [np.int32(_warp_points(hom, tip))], skin, cv2.LINE_AA)
    if p.occlusion <= 0:
        return
    (qx0, qy0), (qx1, qy1) = qr_quad[0], qr_quad[2]
    w, h = qx1 - qx0, qy1 - qy0
    depth = p.occlusion * w
    thick = 0.16 * h + rng.uniform(-0.02, 0.02) * h
    if p.occlusion_side == 2:  # from the bottom, like a thumb reaching up
        cx, cy = qx0 + w * rng.uniform(0.3, 0.7), qy1 - depth + h * 0.35
        thumb = _ellipse_pts(cx, cy + thick, thick, h * 0.35 + thick)
    else:
        edge = qx0 if p.occlusion_side == 0 else qx1
        sign = 1 if p.occlusion_side == 0 else -1
        cy = qy0 + h * rng.uniform(0.3, 0.7)
        cx = edge + sign * (depth - w * 0.35)
        thumb = _ellipse_pts(cx, cy, w * 0.35, thick)
    cv2.fillPoly(frame, [np.int32(_warp_points(hom, thumb))], skin, cv2.LINE_AA)


def _glare(roi: np.ndarray, shift: np.ndarray, p: SceneParams) -> None:
    centre = _warp_points(shift, [[p.glare_at[0] * PHONE_W, p.glare_at[1] * PHONE_H]])[0]
    edge = _warp_points(shift, [[p.glare_at[0] * PHONE_W + p.glare_size * PHONE_W,
                                 p.glare_at[1] * PHONE_H]])[0]
    r = max(4.0, float(np.hypot(*(edge - centre))))
    h, w = roi.shape[:2]
    x0, x1 = int(max(0, centre[0] - 2 * r)), int(min(w, centre[0] + 2 * r))
    y0, y1 = int(max(0, centre[1] - 2 * r)), int(min(h, centre[1] + 2 * r))
    if x1 <= x0 or y1 <= y0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    # A reflection: a soft core that saturates and a wide halo that washes out.
    d2 = ((xx - centre[0]) ** 2 + ((yy - centre[1]) * 1.4) ** 2) / (r * r)
    blob = (p.glare * 330.0) * np.exp(-d2 * 1.5)
    part = roi[y0:y1, x0:x1].astype(np.float32)
    roi[y0:y1, x0:x1] = np.clip(part + blob[..., None], 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=64)
def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    n = int(math.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    half = length / 2
    cv2.line(k, (int(round(c - dx * half)), int(round(c - dy * half))),
             (int(round(c + dx * half)), int(round(c + dy * half))), 1.0, 1, cv2.LINE_AA)
    return k / k.sum()


def _add_noise(frame: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    bank = _noise_bank()
    oy, ox = int(rng.integers(0, 64)), int(rng.integers(0, 64))
    noise = bank[oy:oy + FRAME_H, ox:ox + FRAME_W]
    # One saturating pass in C: numpy's int16 round trip costs ~10 ms a frame.
    return cv2.addWeighted(frame, 1.0, noise, sigma / 16.0, 0.0, dtype=cv2.CV_8U)


# -- random scenes and the corpus ---------------------------------------------------------
def random_params(rng: np.random.Generator, difficulty: float) -> SceneParams:
    """Scene parameters with more and stronger effects as ``difficulty`` goes 0 -> 1.

    Each effect is switched on with a probability that grows with difficulty
    and drawn with a strength that grows too, so a hard scene is a mix of a
    few severe problems, like a real bad scan, not all of them at once.
    """
    d = float(np.clip(difficulty, 0.0, 1.0))
    tags: list[str] = []

    def on(name: str, base: float = 0.15, slope: float = 0.6) -> bool:
        hit = rng.random() < base + slope * d
        if hit:
            tags.append(name)
        return hit

    def strength(lo: float, hi: float) -> float:
        # Mostly moderate, sometimes at the top of the range for this difficulty.
        return lo + (hi - lo) * min(1.0, d * rng.uniform(0.5, 1.4))

    module_px = float(rng.uniform(3.0, 7.5))  # arm's length to close up
    if on("small", 0.1, 0.5):
        module_px = strength(3.0, 1.7)
    yaw = rng.normal(0, 8)
    pitch = rng.normal(-6, 8)
    if on("tilt", 0.1, 0.4):
        yaw = rng.choice([-1, 1]) * strength(15, 50)
        pitch = rng.choice([-1, 1]) * strength(10, 40)
    roll = rng.uniform(-25, 25) if rng.random() < 0.8 else rng.uniform(-180, 180)
    half = 28 * module_px / 2 + 40  # keep most of the code inside the frame
    center = (float(rng.uniform(half, FRAME_W - half) / FRAME_W),
              float(rng.uniform(half, FRAME_H - half) / FRAME_H))
    p = SceneParams(
        module_px=module_px, center=center, yaw_deg=float(yaw), pitch_deg=float(pitch),
        roll_deg=float(roll), noise_sigma=float(rng.uniform(1.0, 4.0)),
        screen_gain=float(rng.uniform(0.85, 1.05)), exposure=float(rng.uniform(0.9, 1.1)),
        background=int(rng.integers(0, _N_BACKGROUNDS)), difficulty=d,
        glare_at=(float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.15, 0.55))),
        glare_size=float(rng.uniform(0.15, 0.4)), occlusion_side=int(rng.integers(0, 3)),
        motion_angle_deg=float(rng.uniform(0, 180)))
    changes: dict[str, object] = {}
    # Blur is drawn in modules: a streak of two modules is unreadable whatever the size.
    if on("motion", 0.05, 0.35):
        changes["motion_px"] = strength(0.6, 1.6) * module_px
    if on("focus", 0.05, 0.35):
        changes["focus_sigma"] = strength(0.25, 0.6) * module_px
    if on("noise", 0.05, 0.35):
        changes["noise_sigma"] = strength(4.0, 16.0)
    if on("glare", 0.05, 0.35):
        changes["glare"] = strength(0.3, 1.0)
    if on("contrast", 0.05, 0.3):
        changes["contrast"] = strength(0.6, 0.25)
        changes["screen_gain"] = strength(0.9, 0.6)
    if on("dark", 0.05, 0.2):
        changes["exposure"] = strength(0.8, 0.5)
    if on("inverted", 0.1, 0.2):
        changes["inverted"] = True
    if on("occluded", 0.05, 0.3):
        changes["occlusion"] = strength(0.08, 0.25)
    return replace(p, tags=tuple(tags), **changes)


def sample_pass_text(rng: np.random.Generator) -> str:
    """A pass-shaped text (the signature is random bytes: decoding, not verifying)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    member = "M" + "".join(rng.choice(list("0123456789"), int(rng.integers(4, 12))))
    model = str(rng.choice(["", "model_y", "mustang-mach-e", "EX30", "seal"]))
    nonce = "".join(rng.choice(list("0123456789abcdef"), 16))
    sig = "".join(rng.choice(list(alphabet), 86))
    expiry = int(rng.integers(1_700_000_000, 2_000_000_000))
    return f"towerpass:v1;t=T{int(rng.integers(1, 99))};m={member};p={model};e={expiry};" \
           f"n={nonce};s={sig}"


def build_corpus(n: int, seed: int = 0, texts: list[str] | None = None) -> list[Scene]:
    """``n`` scenes with difficulty spread evenly over [0, 1] (the hard half is
    the second half: ``scene.params.difficulty >= 0.5``). Deterministic per seed."""
    rng = np.random.default_rng(seed)
    scenes = []
    for i in range(n):
        difficulty = (i + 0.5) / n
        text = texts[i % len(texts)] if texts else sample_pass_text(rng)
        params = fit_in_frame(text, random_params(rng, difficulty))
        scenes.append(render_scene(text, params, rng))
    return scenes


def qr_quad(text: str, params: SceneParams) -> np.ndarray:
    """Where the code's corners land in the frame for these parameters."""
    _, _, quad = _phone_raster(text, params.inverted, 20)
    return _warp_points(_homography(params, quad, qr_matrix(text).shape[0]), quad)


def fit_in_frame(text: str, params: SceneParams, margin_px: float = 12.0) -> SceneParams:
    """Move the phone so the whole code is in the frame (a code cut by the frame
    edge is not a fair test of a decoder; a thumb over it is, and is separate)."""
    for _ in range(4):
        quad = qr_quad(text, params)
        lo, hi = quad.min(axis=0), quad.max(axis=0)
        dx = max(0.0, margin_px - lo[0]) - max(0.0, hi[0] - (FRAME_W - margin_px))
        dy = max(0.0, margin_px - lo[1]) - max(0.0, hi[1] - (FRAME_H - margin_px))
        if dx == 0 and dy == 0:
            break
        params = replace(params, center=(params.center[0] + dx / FRAME_W,
                                         params.center[1] + dy / FRAME_H))
    return params


def is_hard(scene: Scene) -> bool:
    return scene.params.difficulty >= 0.5
