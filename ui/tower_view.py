"""A cross-section of the tower: storage levels, the lift shaft and the cabin.

The cabin glides to each reported level instead of jumping, so a member
watching sees steady movement even though the controller reports level by
level.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.art import paint_car
from ui.widgets import ACCENT, LINE, MUTED, SURFACE, WARN

_GLIDE_LEVELS_PER_S = 1.5


class TowerView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.levels = 6
        self.level = 0.0  # where the cabin is drawn (may be between levels)
        self.target = 0  # last reported level
        self.destination: int | None = None
        self.car_colour = "#B9BEC6"
        self.car_style = "sedan"
        self.carrying = False
        self.fault = False
        self.door_open = False
        self._t_last = time.monotonic()
        self._placed = False  # the first reported level is shown at once, not glided to
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._glide)
        self.setMinimumSize(300, 420)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)

    def reset(self, levels: int = 6) -> None:
        self.levels, self.level, self.target = max(2, levels), 0.0, 0
        self.destination, self.carrying, self.fault, self.door_open = None, False, False, False
        self._placed = False
        self._timer.stop()
        self.update()

    def set_lift(self, level: int | None, destination: int | None = None, *,
                 levels: int | None = None, carrying: bool | None = None,
                 door_open: bool | None = None, fault: bool | None = None) -> None:
        if levels:
            self.levels = max(2, int(levels))
        if level is not None:
            self.target = int(level)
            self.levels = max(self.levels, self.target + 1)
            if not self._placed:
                self.level, self._placed = float(self.target), True
        if destination is not None:
            self.destination = int(destination)
            self.levels = max(self.levels, self.destination + 1)
        if carrying is not None:
            self.carrying = carrying
        if door_open is not None:
            self.door_open = door_open
        if fault is not None:
            self.fault = fault
        if abs(self.level - self.target) > 1e-3 and not self._timer.isActive():
            self._t_last = time.monotonic()
            self._timer.start()
        self.update()

    def _glide(self) -> None:
        now = time.monotonic()
        step = (now - self._t_last) * _GLIDE_LEVELS_PER_S
        self._t_last = now
        delta = self.target - self.level
        if abs(delta) <= step:
            self.level = float(self.target)
            self._timer.stop()
        else:
            self.level += step if delta > 0 else -step
        self.update()

    def hideEvent(self, event) -> None:
        self._timer.stop()
        self.level = float(self.target)
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        margin = 12
        tower = QRectF(margin, margin, w - 2 * margin, h - 2 * margin)
        p.setPen(QPen(LINE, 2))
        p.setBrush(SURFACE)
        p.drawRoundedRect(tower, 20, 20)
        n = self.levels
        inner = tower.adjusted(14, 14, -14, -14)
        row = inner.height() / n
        shaft_w = inner.width() * 0.34
        shaft = QRectF(inner.center().x() - shaft_w / 2, inner.top(), shaft_w, inner.height())
        p.setBrush(QColor("#0E182A"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(shaft, 10, 10)
        bay_w = (inner.width() - shaft_w) / 2 - 10
        for i in range(n):
            y = inner.bottom() - (i + 1) * row
            for x in (inner.left(), shaft.right() + 10):
                bay = QRectF(x, y + 4, bay_w, row - 8)
                is_delivery = i == 0
                p.setPen(QPen(ACCENT if is_delivery else LINE, 2))
                p.setBrush(QColor("#17253F") if not is_delivery else QColor(61, 217, 193, 30))
                p.drawRoundedRect(bay, 8, 8)
                if not is_delivery and (i + int(x)) % 3:
                    paint_car(p, bay.adjusted(8, 6, -8, -6), QColor("#5B6780"), "sedan")
        if self.destination is not None and self.destination != int(round(self.level)):
            dy = inner.bottom() - (self.destination + 1) * row
            pen = QPen(ACCENT, 2, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(shaft.left() + 4, dy + 3, shaft_w - 8, row - 6), 8, 8)
        # Level numbers after the target box, clear of its border: the box
        # used to be drawn over the number of the level it marks.
        font = p.font()
        font.setPixelSize(15)
        p.setFont(font)
        p.setPen(MUTED)
        for i in range(n):
            y = inner.bottom() - (i + 1) * row
            p.drawText(QRectF(shaft.left() + 14, y + 10, shaft_w - 28, 20),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, str(i))
        cy = inner.bottom() - (self.level + 1) * row
        cabin = QRectF(shaft.left() + 6, cy + 5, shaft_w - 12, row - 10)
        colour = WARN if self.fault else ACCENT
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#0E182A"))
        p.drawRoundedRect(cabin, 8, 8)
        p.setPen(QPen(colour, 3))
        p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 40))
        p.drawRoundedRect(cabin, 8, 8)
        if self.carrying:
            paint_car(p, cabin.adjusted(6, 4, -6, -4), self.car_colour, self.car_style)
        if self.door_open:
            # The street door of the delivery bay, lit while it is open. Closed,
            # it is not drawn: a grey bar on the tower's edge read as a stray line.
            door = QRectF(inner.left() + 3, inner.bottom() - row + 10, 5, row - 20)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(ACCENT)
            p.drawRoundedRect(door, 2, 2)
        p.end()
