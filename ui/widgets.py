"""Small building blocks shared by the screens.

Styling lives in ``assets/theme.qss``; widgets here only set a ``role``
property the stylesheet keys on, so the look can change without code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

ACCENT = QColor("#3DD9C1")
WARN = QColor("#F5B94A")
MUTED = QColor("#A7B3C8")
SURFACE = QColor("#14213A")
LINE = QColor("#2A3B5E")
TEXT = QColor("#F3F6FB")
MIN_TARGET_PX = 60


def set_role(widget: QWidget, role: str) -> None:
    """Change the stylesheet role of a widget and make Qt restyle it now."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def label(role: str = "body", *, wrap: bool = True, name: str = "",
          align: Qt.AlignmentFlag | None = None) -> QLabel:
    lab = QLabel()
    lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        lab.setObjectName(name)
    if align is not None:
        lab.setAlignment(align)
    return lab


def button(name: str, *, primary: bool = False, role: str = "") -> QPushButton:
    """A touch button. ``name`` is its stable objectName (the autopilot clicks by
    name), so the one main action of a screen is marked by the ``primary``
    role, which the stylesheet draws as the accent button."""
    btn = QPushButton()
    btn.setObjectName(name)
    role = "primary" if primary else role
    if role:
        btn.setProperty("role", role)
    btn.setMinimumHeight(MIN_TARGET_PX)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return btn


# One Cancel on every member screen: the same size, in the same place (the
# bottom-left corner of the screen), whatever else the screen's bar holds.
CANCEL_SIZE = QSize(200, 72)
FOOTER_MARGINS = (40, 0, 40, 28)


def cancel_button() -> QPushButton:
    btn = button("btn_cancel", role="secondary")
    btn.setFixedSize(CANCEL_SIZE)
    return btn


def footer(cancel: QPushButton, *widgets: QWidget | None) -> QHBoxLayout:
    """The bar along the bottom of a member screen: Cancel first, then ``widgets``
    (None is a stretch). Add it to the screen's outermost layout, which has no
    margins, so Cancel sits at FOOTER_MARGINS from the screen's corner."""
    lay = hbox(cancel, *widgets)
    lay.setContentsMargins(*FOOTER_MARGINS)
    # On the bottom edge even when a taller button shares the bar.
    lay.setAlignment(cancel, Qt.AlignmentFlag.AlignBottom)
    return lay


def card(role: str = "card") -> QFrame:
    frame = QFrame()
    frame.setProperty("role", role)
    return frame


def hbox(*widgets: QWidget | None, spacing: int = 16, stretch_first: bool = False,
         stretch_last: bool = False) -> QHBoxLayout:
    lay = QHBoxLayout()
    lay.setSpacing(spacing)
    lay.setContentsMargins(0, 0, 0, 0)
    if stretch_first:
        lay.addStretch(1)
    for w in widgets:
        if w is None:
            lay.addStretch(1)
        else:
            lay.addWidget(w)
    if stretch_last:
        lay.addStretch(1)
    return lay


def vbox(parent: QWidget | None = None, margins: tuple[int, int, int, int] = (0, 0, 0, 0),
         spacing: int = 16) -> QVBoxLayout:
    lay = QVBoxLayout(parent) if parent is not None else QVBoxLayout()
    lay.setContentsMargins(*margins)
    lay.setSpacing(spacing)
    return lay


class LanguageSwitch(QWidget):
    """中文 / English, each written in its own language so anyone can find theirs."""

    requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = hbox(spacing=8)
        self.setLayout(lay)
        self.buttons: dict[str, QPushButton] = {}
        for code, name, text in (("zh_CN", "btn_lang_zh", "中文"), ("en", "btn_lang_en", "English")):
            btn = button(name, role="lang")
            btn.setText(text)
            btn.setCheckable(True)
            btn.clicked.connect(lambda _=False, c=code: self.requested.emit(c))
            lay.addWidget(btn)
            self.buttons[code] = btn

    def set_current(self, code: str) -> None:
        for c, btn in self.buttons.items():
            btn.setChecked(c == code)


class StepIndicator(QWidget):
    """Numbered dots with labels: where the member is in their errand."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: list[str] = []
        self._index: int | None = None
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_steps(self, labels: Sequence[str], index: int | None) -> None:
        self._labels, self._index = list(labels), index
        self.setVisible(bool(labels))
        self.update()

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def index(self) -> int | None:
        return self._index

    def paintEvent(self, event: QPaintEvent) -> None:
        n = len(self._labels)
        if not n:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, r = self.width(), 15
        slot = w / n
        cy = 20
        current = -1 if self._index is None else self._index
        for i in range(n - 1):
            x0, x1 = slot * (i + 0.5) + r + 6, slot * (i + 1.5) - r - 6
            p.setPen(QPen(ACCENT if i < current else LINE, 3))
            p.drawLine(QPointF(x0, cy), QPointF(x1, cy))
        num_font = QFont(self.font())
        num_font.setPixelSize(16)
        num_font.setBold(True)
        text_font = QFont(self.font())
        text_font.setPixelSize(17)
        for i, text in enumerate(self._labels):
            cx = slot * (i + 0.5)
            done, now = i < current, i == current
            p.setPen(QPen(ACCENT if (done or now) else LINE, 2))
            p.setBrush(ACCENT if done or now else SURFACE)
            p.drawEllipse(QPointF(cx, cy), r, r)
            p.setFont(num_font)
            p.setPen(QColor("#05201C") if (done or now) else MUTED)
            p.drawText(QRectF(cx - r, cy - r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter,
                       "✓" if done else str(i + 1))
            p.setFont(text_font)
            p.setPen(TEXT if now else MUTED)
            p.drawText(QRectF(cx - slot / 2, cy + r + 4, slot, 28),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
        p.end()


class TimeBar(QWidget):
    """How much of the current challenge's time is left (no numbers: less stress)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction = 1.0
        self.setFixedHeight(14)

    def set_fraction(self, fraction: float) -> None:
        self.fraction = max(0.0, min(1.0, fraction))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(LINE)
        p.drawRoundedRect(rect, 7, 7)
        if self.fraction > 0:
            p.setBrush(ACCENT if self.fraction > 0.25 else WARN)
            p.drawRoundedRect(QRectF(rect.x(), rect.y(), rect.width() * self.fraction,
                                     rect.height()), 7, 7)
        p.end()


class StepDots(QWidget):
    """One dot per liveness challenge: done, current, still to come."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.total, self.index = 0, 0
        self.setFixedHeight(28)

    def set_progress(self, index: int, total: int) -> None:
        self.index, self.total = index, total
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(max(1, self.total) * 36, 28)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.total <= 0:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i in range(self.total):
            centre = QPointF(14 + i * 36, 14)
            if i < self.index:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(ACCENT)
                p.drawEllipse(centre, 10, 10)
            elif i == self.index:
                p.setPen(QPen(ACCENT, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(centre, 10, 10)
            else:
                p.setPen(QPen(LINE, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(centre, 9, 9)
        p.end()


class Spinner(QWidget):
    """A calm rotating arc; animates only while visible."""

    def __init__(self, size: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(size, size)
        self._t0 = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self.update)

    def showEvent(self, event: QEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        p.setPen(QPen(LINE, 8))
        p.drawEllipse(rect)
        angle = ((time.monotonic() - self._t0) * 300.0) % 360.0
        pen = QPen(ACCENT, 8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawArc(rect, int(-angle * 16), 100 * 16)
        p.end()


class ChallengeIcon(QWidget):
    """A big pictogram for the current challenge: arrows for turns, an eye, a face."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.setFixedSize(120, 120)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.kind:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QPointF(60, 60)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(61, 217, 193, 40))
        p.drawEllipse(c, 58, 58)
        pen = QPen(ACCENT, 8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.kind in ("turn_left", "turn_right"):
            # The preview is a mirror, so "your left" is the screen's left.
            s = -1 if self.kind == "turn_left" else 1
            p.drawLine(QPointF(60 - 30 * s, 60), QPointF(60 + 30 * s, 60))
            p.drawLine(QPointF(60 + 30 * s, 60), QPointF(60 + 10 * s, 40))
            p.drawLine(QPointF(60 + 30 * s, 60), QPointF(60 + 10 * s, 80))
        elif self.kind == "nod":
            p.drawLine(QPointF(60, 28), QPointF(60, 92))
            for y, d in ((28, 1), (92, -1)):
                p.drawLine(QPointF(60, y), QPointF(46, y + 16 * d))
                p.drawLine(QPointF(60, y), QPointF(74, y + 16 * d))
        elif self.kind == "blink":
            p.drawArc(QRectF(24, 40, 72, 44), 20 * 16, 140 * 16)
            p.drawArc(QRectF(24, 36, 72, 44), 200 * 16, 140 * 16)
            p.setBrush(ACCENT)
            p.drawEllipse(c, 9, 9)
        elif self.kind == "smile":
            p.drawEllipse(QRectF(22, 22, 76, 76))
            p.drawArc(QRectF(40, 44, 40, 32), 200 * 16, 140 * 16)
            p.setBrush(ACCENT)
            p.drawEllipse(QPointF(48, 48), 3, 3)
            p.drawEllipse(QPointF(72, 48), 3, 3)
        else:
            p.drawEllipse(QRectF(30, 30, 60, 60))
        p.end()


class CheckMark(QWidget):
    """A large tick (success) or an info glyph (calm notice), drawn, not a font glyph."""

    def __init__(self, kind: str = "ok", size: int = 112, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setFixedSize(size, size)

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.width()
        colour = ACCENT if self.kind == "ok" else WARN
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 45))
        p.drawEllipse(QRectF(0, 0, s, s))
        pen = QPen(colour, s * 0.08)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        if self.kind == "ok":
            p.drawPolyline([QPointF(s * 0.3, s * 0.52), QPointF(s * 0.44, s * 0.66),
                            QPointF(s * 0.71, s * 0.37)])
        else:
            p.drawLine(QPointF(s / 2, s * 0.46), QPointF(s / 2, s * 0.7))
            p.setBrush(colour)
            p.drawPoint(QPointF(s / 2, s * 0.31))
        p.end()


def countdown_text(seconds: float) -> int:
    """Whole seconds to show: never 0 while time is left, never negative."""
    return max(0, math.ceil(seconds))
