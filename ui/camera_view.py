"""Live camera preview with a framing guide, painted at the camera's pace.

The preview is mirrored for the member (people expect a selfie view: raise
your right hand, the hand on the right moves), but only the pixels on screen:
vision always gets the camera's unmirrored frames, so challenge names and
coordinates from vision are mapped through ``to_widget``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.widgets import ACCENT, LINE, MUTED, WARN

log = logging.getLogger(__name__)

GUIDES = ("scan", "selfie", "none")
TONES = {"neutral": QColor("#F3F6FB"), "ok": ACCENT, "warn": WARN}


def frame_to_qimage(image: np.ndarray) -> QImage | None:
    """Wrap a BGR (or grey) uint8 frame without copying; None if unusable.

    The QImage borrows the array's memory: the caller keeps the array alive
    as long as the image is painted.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        return None
    if image.ndim == 3 and image.shape[2] == 3:
        fmt = QImage.Format.Format_BGR888
    elif image.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    else:
        return None
    if not image.flags["C_CONTIGUOUS"]:
        return None
    h, w = image.shape[:2]
    return QImage(image.data, w, h, image.strides[0], fmt)


class CameraView(QWidget):
    """Paints ``source()``'s newest frame ~``fps`` times a second while shown."""

    def __init__(self, source: Callable[[], Any], *, guide: str = "scan", mirror: bool = True,
                 fps: int = 30, stall_s: float = 2.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if guide not in GUIDES:
            raise ValueError(f"guide must be one of {GUIDES}")
        self._source = source
        self.guide = guide
        self.mirror = mirror
        self.stall_s = stall_s
        self.tone = "neutral"
        self.frames_painted = 0
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self._index: Any = None
        self._t_frame = 0.0
        self._quad: list[tuple[float, float]] | None = None
        self._paused = False
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(10, int(1000 / max(1, fps))))
        self._timer.timeout.connect(self._poll)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        self._index = None
        self._paused = False
        self._timer.start()
        self._poll()

    def stop(self) -> None:
        self._timer.stop()
        # Drop the last frame: a member's face must not linger in memory.
        self._array, self._image, self._quad = None, None, None
        self.update()

    def pause(self) -> None:
        """Stop showing the camera (the check is over): just the guide, no notice."""
        self.stop()
        self._paused = True

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    # -- inputs ----------------------------------------------------------------
    def set_tone(self, tone: str) -> None:
        if tone != self.tone:
            self.tone = tone if tone in TONES else "neutral"
            self.update()

    def set_quad(self, quad: Sequence[Sequence[float]] | None) -> None:
        """Outline a detected code (image coordinates, unmirrored)."""
        try:
            self._quad = [(float(x), float(y)) for x, y in quad] if quad is not None else None
        except (TypeError, ValueError):
            self._quad = None
        self.update()

    def _poll(self) -> None:
        try:
            frame = self._source()
        except Exception:  # noqa: BLE001 - a broken source must not stop the GUI
            log.exception("camera preview source failed")
            frame = None
        if frame is None:
            if self._image is not None:
                self._array, self._image = None, None
            self.update()
            return
        index = getattr(frame, "index", None)
        if index is not None and index == self._index:
            if self._stalled():
                self.update()  # let the "reconnecting" text appear
            return
        image = getattr(frame, "image", None)
        qimg = frame_to_qimage(image)
        if qimg is None:
            return
        self._index = index
        self._array, self._image = image, qimg
        self._t_frame = float(getattr(frame, "t_mono", time.monotonic()))
        self.update()

    def _stalled(self) -> bool:
        return self._image is not None and time.monotonic() - self._t_frame > self.stall_s

    # -- geometry ----------------------------------------------------------------
    def _layout(self) -> tuple[float, float, float]:
        """(scale, dx, dy) that fill the widget with the image (cropping the excess)."""
        if self._image is None:
            return 1.0, 0.0, 0.0
        iw, ih = self._image.width(), self._image.height()
        s = max(self.width() / iw, self.height() / ih)
        return s, (self.width() - iw * s) / 2, (self.height() - ih * s) / 2

    def to_widget(self, x: float, y: float) -> QPointF:
        """Map an unmirrored image point to where it appears on screen."""
        s, dx, dy = self._layout()
        wx = dx + x * s
        if self.mirror:
            wx = self.width() - wx
        return QPointF(wx, dy + y * s)

    def guide_rect(self) -> QRectF:
        w, h = self.width(), self.height()
        if self.guide == "selfie":
            gh = h * 0.74
            gw = gh * 0.74
            return QRectF((w - gw) / 2, (h - gh) / 2 - h * 0.02, gw, gh)
        side = min(w, h) * 0.62
        return QRectF((w - side) / 2, (h - side) / 2, side, side)

    # -- painting ----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        clip = QPainterPath()
        clip.addRoundedRect(rect, 24, 24)
        p.fillRect(rect, QColor("#0B1422"))
        p.setClipPath(clip)
        p.fillRect(rect, QColor("#101B2E"))
        if self._image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            s, dx, dy = self._layout()
            target = QRectF(dx, dy, self._image.width() * s, self._image.height() * s)
            p.save()
            if self.mirror:
                p.translate(self.width(), 0)
                p.scale(-1, 1)
            p.drawImage(target, self._image)
            p.restore()
            self.frames_painted += 1
        self._paint_guide(p)
        if self._quad and self._image is not None:
            poly = QPolygonF([self.to_widget(x, y) for x, y in self._quad])
            p.setPen(QPen(ACCENT, 5))
            p.setBrush(QColor(61, 217, 193, 50))
            p.drawPolygon(poly)
        if not self._paused and (self._image is None or self._stalled()):
            self._paint_notice(p, rect)
        p.end()

    def _paint_guide(self, p: QPainter) -> None:
        if self.guide == "none":
            return
        g = self.guide_rect()
        colour = TONES.get(self.tone, TONES["neutral"])
        # Dim everything outside the guide so the eye goes to the right place.
        outside = QPainterPath()
        outside.addRect(QRectF(self.rect()))
        hole = QPainterPath()
        if self.guide == "selfie":
            hole.addEllipse(g)
        else:
            hole.addRoundedRect(g, 28, 28)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(6, 12, 22, 120))
        p.drawPath(outside.subtracted(hole))
        pen = QPen(colour, 7)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.guide == "selfie":
            p.drawEllipse(g)
            return
        arm = g.width() * 0.2
        r = 28.0
        for cx, cy, sx, sy in ((g.left(), g.top(), 1, 1), (g.right(), g.top(), -1, 1),
                               (g.left(), g.bottom(), 1, -1), (g.right(), g.bottom(), -1, -1)):
            path = QPainterPath(QPointF(cx, cy + sy * arm))
            path.lineTo(QPointF(cx, cy + sy * r))
            path.quadTo(QPointF(cx, cy), QPointF(cx + sx * r, cy))
            path.lineTo(QPointF(cx + sx * arm, cy))
            p.drawPath(path)

    def _paint_notice(self, p: QPainter, rect: QRectF) -> None:
        text = (self.tr("Starting the camera…") if self._image is None
                else self.tr("The camera is reconnecting…"))
        box = QRectF(rect.center().x() - 220, rect.bottom() - 100, 440, 64)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(11, 20, 34, 220))
        p.drawRoundedRect(box, 16, 16)
        p.setPen(QPen(LINE, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(box, 16, 16)
        p.setPen(MUTED)
        font = p.font()
        font.setPixelSize(22)
        p.setFont(font)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
