"""The built-in camera schemes: ``device:``, ``file:``, ``folder:``, ``synthetic:``.

Each scheme is a factory ``(target, params, **options) -> CameraSource`` whose
``open_capture`` builds one of the ``Capture`` classes below. ``PacedCapture``
is public so other sources (the demo actor) can serve rendered frames at a
steady rate without writing a capture of their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from common.errors import CameraError, Reason
from drivers.camera import CameraSource, EndOfStream

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
# A video claiming an absurd or missing frame rate plays at this one.
_FALLBACK_FPS = 25.0
_SOURCE_OPTIONS = ("stall_timeout_s", "reopen_backoff_s", "fail_after")


def _num(params: dict[str, str], key: str, default: float, lo: float, hi: float) -> float:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise CameraError(f"camera parameter {key}={raw!r} is not a number",
                          reason=Reason.CONFIG_INVALID, key=key, value=raw) from None
    if not lo <= value <= hi:
        raise CameraError(f"camera parameter {key}={raw!r} is outside {lo:g}..{hi:g}",
                          reason=Reason.CONFIG_INVALID, key=key, value=raw)
    return value


def _flag(params: dict[str, str], key: str) -> bool:
    return params.get(key, "0").strip().lower() in ("1", "true", "yes", "on")


def _source_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(_SOURCE_OPTIONS) - {"video_capture_factory"}
    if unknown:
        raise CameraError(f"unknown camera option {sorted(unknown)[0]!r}",
                          reason=Reason.CONFIG_INVALID)
    return {k: v for k, v in options.items() if k in _SOURCE_OPTIONS}


class _Pacer:
    """Releases one tick per frame period; ``interrupt()`` cuts a wait short."""

    def __init__(self, fps: float) -> None:
        self.period_s = 1.0 / fps
        self._next: float | None = None
        self.interrupted = threading.Event()

    def wait(self) -> bool:
        """Wait for the next tick; False if interrupted."""
        now = time.monotonic()
        if self._next is None:
            self._next = now
        delay = self._next - now
        if delay > 0 and self.interrupted.wait(delay):
            return False
        # Late ticks are not made up in a burst: a camera does not catch up either.
        self._next = max(self._next + self.period_s, time.monotonic() - self.period_s)
        return not self.interrupted.is_set()

    def interrupt(self) -> None:
        self.interrupted.set()


class PacedCapture:
    """Frames from ``render(i, t_mono)`` at ``fps`` (i counts from 0 per opening)."""

    def __init__(self, render: Callable[[int, float], np.ndarray | None], fps: float) -> None:
        self._render = render
        self._pacer = _Pacer(fps)
        self._i = 0

    def read(self) -> np.ndarray | None:
        if not self._pacer.wait():
            return None
        image = self._render(self._i, time.monotonic())
        self._i += 1
        return image

    def release(self) -> None:
        self._pacer.interrupt()


# -- device -------------------------------------------------------------------
class DeviceCapture:
    """``cv2.VideoCapture`` (or an injected look-alike) for one opening."""

    def __init__(self, target: str, params: dict[str, str],
                 factory: Callable[..., Any] = cv2.VideoCapture) -> None:
        src: int | str = int(target) if target.strip().isdigit() else target
        self._cap = factory(src)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(f"camera {target!r} cannot be opened", url=target)
        for key, prop in (("w", cv2.CAP_PROP_FRAME_WIDTH), ("h", cv2.CAP_PROP_FRAME_HEIGHT),
                          ("fps", cv2.CAP_PROP_FPS)):
            if key in params:
                self._cap.set(prop, _num(params, key, 0, 1, 10_000))
        # One buffered frame at most: the kiosk wants now, not 4 frames ago.
        self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)

    def read(self) -> np.ndarray | None:
        ok, image = self._cap.read()
        return image if ok else None

    def release(self) -> None:
        self._cap.release()


def _device(target: str, params: dict[str, str], **options: Any) -> CameraSource:
    factory = options.pop("video_capture_factory", cv2.VideoCapture)
    target = target or "0"
    return CameraSource(lambda: DeviceCapture(target, params, factory),
                        name=f"device:{target}", **_source_options(options))


# -- file ---------------------------------------------------------------------
class FileCapture:
    def __init__(self, path: Path, loop: bool) -> None:
        if not path.is_file():
            raise CameraError(f"video file {path} does not exist", url=str(path))
        self._path = path
        self._loop = loop
        self._cap = cv2.VideoCapture(str(path))
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(f"video file {path} cannot be decoded", url=str(path))
        self.fps = native_fps(self._cap)
        self._pacer = _Pacer(self.fps)

    def read(self) -> np.ndarray | None:
        if not self._pacer.wait():
            return None
        ok, image = self._cap.read()
        if not ok and self._loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
        if not ok:
            raise EndOfStream(str(self._path))
        return image

    def release(self) -> None:
        self._pacer.interrupt()
        self._cap.release()


def native_fps(cap: Any) -> float:
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    return fps if 1.0 <= fps <= 240.0 else _FALLBACK_FPS


def _file(target: str, params: dict[str, str], **options: Any) -> CameraSource:
    path = Path(target).expanduser()
    loop = _flag(params, "loop")
    fps = _FALLBACK_FPS
    probe = cv2.VideoCapture(str(path)) if path.is_file() else None
    if probe is not None:
        fps = native_fps(probe)
        probe.release()
    return CameraSource(lambda: FileCapture(path, loop), name=f"file:{path.name}",
                        detect_duplicates=False, nominal_fps=fps, **_source_options(options))


# -- folder -------------------------------------------------------------------
def list_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CameraError(f"image folder {folder} does not exist", url=str(folder))
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


class _ImageCycle:
    """Decoded images of a folder, read once; unreadable files are skipped."""

    def __init__(self, folder: Path) -> None:
        self._paths = list_images(folder)
        self._cache: dict[Path, np.ndarray | None] = {}

    def render(self, i: int, t: float) -> np.ndarray | None:
        if not self._paths:
            return None
        for k in range(len(self._paths)):
            path = self._paths[(i + k) % len(self._paths)]
            if path not in self._cache:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                self._cache[path] = image if image is not None and image.size else None
            if self._cache[path] is not None:
                return self._cache[path]
        return None


def _folder(target: str, params: dict[str, str], **options: Any) -> CameraSource:
    folder = Path(target).expanduser()
    fps = _num(params, "fps", 5.0, 0.01, 240.0)
    cycle: list[_ImageCycle] = []

    def open_capture() -> PacedCapture:
        if not cycle:
            images = _ImageCycle(folder)
            if not images._paths:
                raise CameraError(f"image folder {folder} holds no images", url=str(folder))
            cycle.append(images)
        return PacedCapture(cycle[0].render, fps)

    return CameraSource(open_capture, name=f"folder:{folder.name}", detect_duplicates=False,
                        nominal_fps=fps, **_source_options(options))


# -- synthetic ---------------------------------------------------------------------
def pattern_background(w: int, h: int) -> np.ndarray:
    """Colour bars over a grey ramp: a static background for the moving box."""
    ramp = np.linspace(40, 215, w, dtype=np.float32).astype(np.uint8)
    image = np.repeat(np.repeat(ramp[None, :, None], h, axis=0), 3, axis=2)
    colours = [(255, 255, 255), (0, 255, 255), (255, 255, 0), (0, 255, 0),
               (255, 0, 255), (0, 0, 255), (255, 0, 0), (0, 0, 0)]
    bar_w = max(1, w // len(colours))
    for k, colour in enumerate(colours):
        image[: h // 4, k * bar_w:(k + 1) * bar_w] = colour
    return image


class SyntheticCapture(PacedCapture):
    """A moving box and a frame counter; optionally stalls like an unplugged webcam."""

    def __init__(self, w: int, h: int, fps: float, background: np.ndarray,
                 stall_after: int | None = None, stall_mode: str = "repeat") -> None:
        super().__init__(self._draw, fps)
        self._w, self._h = w, h
        self._background = background
        self._stall_after = stall_after
        self._stall_mode = stall_mode
        self._last: np.ndarray | None = None
        self._released = threading.Event()

    def _draw(self, i: int, t: float) -> np.ndarray:
        image = self._background.copy()
        size = max(8, min(self._w, self._h) // 6)
        x = int((self._w - size) * (0.5 + 0.5 * np.sin(i / 23.0)))
        y = int(self._h // 4 + (self._h * 3 // 4 - size) * (0.5 + 0.5 * np.cos(i / 17.0)))
        cv2.rectangle(image, (x, y), (x + size, y + size), (20, 20, 20), -1)
        cv2.putText(image, f"{i:06d}", (10, self._h - 12), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.4, self._h / 720), (255, 255, 255), 2, cv2.LINE_AA)
        return image

    def read(self) -> np.ndarray | None:
        stalled = self._stall_after is not None and self._i >= self._stall_after
        if not stalled:
            self._last = super().read()
            return self._last
        if self._stall_mode == "block":
            self._released.wait()  # like a driver stuck after an unplug, until release()
            return None
        if not self._pacer.wait():
            return None
        return self._last if self._stall_mode == "repeat" else None

    def release(self) -> None:
        self._released.set()
        super().release()


def _synthetic(target: str, params: dict[str, str], **options: Any) -> CameraSource:
    w = int(_num(params, "w", 1280, 16, 8192))
    h = int(_num(params, "h", 720, 16, 8192))
    fps = _num(params, "fps", 30.0, 0.1, 240.0)
    stall_after = int(_num(params, "stall_after", -1, -1, 1e9))
    stall_mode = params.get("stall", "repeat")
    if stall_mode not in ("repeat", "block", "fail"):
        raise CameraError(f"synthetic stall={stall_mode!r}: expected repeat, block or fail",
                          reason=Reason.CONFIG_INVALID, key="stall", value=stall_mode)
    # unplugged=K: after the stall, K reopen attempts fail before the "replug".
    unplugged = int(_num(params, "unplugged", 0, 0, 1e6))
    background = pattern_background(w, h)
    opens = [0]

    def open_capture() -> SyntheticCapture:
        opens[0] += 1
        first = opens[0] == 1
        if stall_after >= 0 and 1 < opens[0] <= 1 + unplugged:
            raise CameraError("synthetic camera is unplugged", reason=Reason.CAMERA_UNAVAILABLE)
        return SyntheticCapture(w, h, fps, background,
                                stall_after if first and stall_after >= 0 else None, stall_mode)

    return CameraSource(open_capture, name="synthetic", nominal_fps=fps,
                        **_source_options(options))


# drivers.camera_url registers these the first time a camera is opened.
BUILTIN_SCHEMES = {"device": _device, "file": _file, "folder": _folder, "synthetic": _synthetic}
