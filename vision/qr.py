"""The kiosk's QR decoder, chosen by measurement (docs/QR_DECODERS.md).

zxing-cpp on the grey frame is the fastest and best of the three baselines, so
it is the first pass. What it misses is mostly small, blurred, low-contrast or
glared codes; those are found by a cheap texture locator (dense edges in both
directions at half resolution) and retried on a crop, upscaled and sharpened
or contrast-equalised, within a time budget. In a live loop the region of the
last hit is tried first, so a code held in view costs a crop, not a frame.

``decode(image) -> QrResult``: ``text`` when read; otherwise ``seen`` says a
code-like pattern was there and ``hint`` guesses why it could not be read, so
the scan screen can say "closer", "tilt less", "hold still", "avoid glare".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from vision.qr_locate import Candidate, ScanHint, diagnose, has_finders, locate

__all__ = ["QrDecoder", "QrResult", "ScanHint"]

_QR = zxingcpp.BarcodeFormat.QRCode
# Frames a tracked region stays worth trying first after its last sighting.
_TRACK_FRAMES = 15
_CLAHE = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(8, 8))


@dataclass(frozen=True)
class QrResult:
    text: str | None  # the decoded text, or None
    seen: bool  # a code-like pattern was found but not decoded
    hint: ScanHint | None
    ms: float  # time spent in decode()
    quad: np.ndarray | None = None  # 4x2 float32 corners in the image, when known
    raw: bytes | None = None  # the decoded bytes (for binary content)

    @property
    def ok(self) -> bool:
        return self.text is not None


def _quad(barcode: zxingcpp.Barcode, dx: float = 0.0, dy: float = 0.0,
          scale: float = 1.0) -> np.ndarray:
    p = barcode.position
    pts = [(p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y),
           (p.bottom_right.x, p.bottom_right.y), (p.bottom_left.x, p.bottom_left.y)]
    return np.float32(pts) / scale + np.float32([dx, dy])


def _read(gray: np.ndarray, downscale: bool = False) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(gray, formats=_QR, try_rotate=False,
                                  try_downscale=downscale, return_errors=True)


def _sharpen(gray: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blur = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1 + amount, blur, -amount, 0)


class QrDecoder:
    """Stateful only for region tracking; one instance per camera loop.

    ``budget_ms`` bounds the retries on hard frames, in CPU ms of the calling
    thread (the first pass always runs).
    ``track=False`` makes every call independent (benchmarks, single images).
    ``downscale`` turns on zxing's own downscaled passes: no gain measured, even
    on close, blurred codes, for ~30 % more time.
    """

    def __init__(self, budget_ms: float = 25.0, track: bool = True,
                 downscale: bool = False) -> None:
        self.budget_ms = budget_ms
        self.track = track
        self.downscale = downscale
        self._roi: tuple[int, int, int, int] | None = None
        self._roi_age = 0

    def reset(self) -> None:
        """Forget the tracked region (a new member walks up)."""
        self._roi = None

    def decode(self, image: np.ndarray) -> QrResult:
        t0 = time.perf_counter()
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = self._decode_gray(gray, time.thread_time())
        ms = (time.perf_counter() - t0) * 1000.0
        return QrResult(text=found[0], seen=found[1], hint=found[2], ms=ms, quad=found[3],
                        raw=found[4])

    # -- stages ----------------------------------------------------------------------
    def _decode_gray(self, gray: np.ndarray, t0: float):
        errors: list[np.ndarray] = []
        if self.track and self._roi is not None:
            hit = self._try_region(gray, self._roi, errors, quick=True)
            if hit:
                return hit
            self._roi_age += 1
            if self._roi_age > _TRACK_FRAMES:
                self._roi = None
        for bc in _read(gray, self.downscale):
            if bc.valid:
                return self._hit(bc, _quad(bc), gray.shape)
            errors.append(_quad(bc))
        candidates = [Candidate.from_quad(q, gray.shape, score=1e9, code_like=True)
                      for q in errors]
        candidates += locate(gray)
        plausible: list[Candidate] = []
        for cand in candidates[:4]:
            # Retrying every poster in an empty lobby would burn a core while
            # nobody is scanning: only regions that look like a code are retried.
            if not (cand.code_like or has_finders(gray, cand.box)):
                continue
            plausible.append(cand)
            if self._over_budget(t0):
                break
            hit = self._try_region(gray, cand.box, errors, quick=False, t0=t0)
            if hit:
                return hit
        return self._miss(gray, errors, plausible)

    def _over_budget(self, cpu_t0: float) -> bool:
        # CPU time of this thread, not wall time: on a busy machine the same
        # frame gets the same retries (and decodes the same), it only takes longer.
        return (time.thread_time() - cpu_t0) * 1000.0 > self.budget_ms

    def _try_region(self, gray: np.ndarray, box: tuple[int, int, int, int],
                    errors: list[np.ndarray], quick: bool, t0: float = 0.0):
        x, y, w, h = box
        crop = gray[y:y + h, x:x + w]
        if crop.size == 0:
            return None
        side = max(w, h)
        scale = 2.0 if side < 420 else 1.0
        up = crop if scale == 1.0 else cv2.resize(crop, None, fx=scale, fy=scale,
                                                  interpolation=cv2.INTER_CUBIC)
        variants = (lambda: up,) if quick else (
            lambda: _sharpen(up, 2.0, 1.5),
            lambda: _CLAHE.apply(up),
            lambda: cv2.adaptiveThreshold(up, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                          cv2.THRESH_BINARY, 31, 2),
            lambda: 255 - _sharpen(up, 2.0, 1.5),
        )
        for make in variants:
            if not quick and self._over_budget(t0):
                return None
            for bc in _read(make()):
                q = _quad(bc, x, y, scale)
                if bc.valid:
                    return self._hit(bc, q, gray.shape)
                errors.append(q)
        return None

    def _hit(self, bc: zxingcpp.Barcode, quad: np.ndarray, shape: tuple[int, ...]):
        if self.track:
            self._remember(quad, shape)
        return bc.text, False, None, quad, bytes(bc.bytes)

    def _remember(self, quad: np.ndarray, shape: tuple[int, ...]) -> None:
        self._roi = Candidate.from_quad(quad, shape, score=0.0, margin=0.5).box
        self._roi_age = 0

    def _miss(self, gray: np.ndarray, errors: list[np.ndarray], plausible: list[Candidate]):
        if errors:
            quad = errors[0]
            if self.track:
                self._remember(quad, gray.shape)
            return None, True, diagnose(gray, quad), quad, None
        if plausible:
            cand = plausible[0]
            if self.track:
                self._roi = cand.box
                self._roi_age = 0
            return None, True, diagnose(gray, cand.quad), cand.quad, None
        return None, False, None, None, None
