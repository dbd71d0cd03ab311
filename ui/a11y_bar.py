"""The accessibility bar beside the language switch: Read aloud, Large text
(with high contrast) and Low reach, each a 64 px touch target on every
member screen.

The buttons carry drawn pictograms (a loudspeaker, "Aa", the access symbol's
arrow down) with their names as accessible names and tooltips; a pressed
Read aloud that cannot speak says why in a notice under the header (and
the loudspeaker is drawn crossed out), never silently nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QPushButton, QWidget

from ui.a11y import A11yMode, A11yModes
from ui.a11y_speech import ReadState
from ui.widgets import button, hbox

ICON_PX = 36
BUTTON_PX = 64



def _icon(kind: str, colour: str, crossed: bool = False) -> QIcon:
    """A drawn pictogram (no icon font to miss a glyph, no file to lose)."""
    pm = QPixmap(ICON_PX * 2, ICON_PX * 2)  # drawn at 2x, shown sharp
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(2, 2)
    pen = QPen(QColor(colour), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
               Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    s = ICON_PX
    if kind == "speak":
        body = QPainterPath()
        body.moveTo(4, 13)
        body.lineTo(11, 13)
        body.lineTo(19, 6)
        body.lineTo(19, 30)
        body.lineTo(11, 23)
        body.lineTo(4, 23)
        body.closeSubpath()
        p.setBrush(QColor(colour))
        p.drawPath(body)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if crossed:
            p.drawLine(QPointF(24, 12), QPointF(33, 24))
            p.drawLine(QPointF(33, 12), QPointF(24, 24))
        else:
            p.drawArc(QRectF(14, 11, 12, 14), -60 * 16, 120 * 16)
            p.drawArc(QRectF(12, 5, 22, 26), -60 * 16, 120 * 16)
    elif kind == "large":
        font = QFont()
        font.setPixelSize(26)
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(0, 0, s, s), Qt.AlignmentFlag.AlignCenter, "Aa")
    elif kind == "low":
        # An arrow down onto a bar: "everything comes down within reach".
        p.drawLine(QPointF(s / 2, 4), QPointF(s / 2, 24))
        p.drawLine(QPointF(s / 2 - 8, 16), QPointF(s / 2, 24))
        p.drawLine(QPointF(s / 2 + 8, 16), QPointF(s / 2, 24))
        p.drawLine(QPointF(6, 31), QPointF(s - 6, 31))
    p.end()
    return QIcon(pm)


class A11yBar(QWidget):
    """Three toggles; the window connects ``read_requested`` and ``toggle_requested``."""

    read_requested = Signal()
    toggle_requested = Signal(object)  # A11yMode

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("a11y_bar")
        lay = hbox(spacing=8)
        self.setLayout(lay)
        self.btn_read = self._make("btn_read_aloud")
        self.btn_large = self._make("btn_large_text")
        self.btn_low = self._make("btn_low_reach")
        self.btn_read.clicked.connect(lambda: self.read_requested.emit())
        self.btn_large.clicked.connect(lambda: self.toggle_requested.emit(A11yMode.LARGE_TEXT))
        self.btn_low.clicked.connect(lambda: self.toggle_requested.emit(A11yMode.LOW_REACH))
        for b in (self.btn_read, self.btn_large, self.btn_low):
            lay.addWidget(b)
        self._high_contrast = False
        self._read_state = ReadState.IDLE
        self._modes = A11yModes()
        self.retranslate()

    @staticmethod
    def _make(name: str) -> QPushButton:
        b = button(name, role="a11y")
        b.setCheckable(True)
        b.setFixedSize(BUTTON_PX + 8, BUTTON_PX)
        b.setIconSize(QSize(ICON_PX, ICON_PX))
        return b

    def set_modes(self, modes: A11yModes) -> None:
        self._modes = modes
        self.btn_large.setChecked(modes.large_text)
        self.btn_low.setChecked(modes.low_reach)
        self._high_contrast = modes.large_text
        self._paint_icons()

    def set_read_state(self, state: str) -> None:
        self._read_state = ReadState(state)
        self.btn_read.setChecked(self._read_state is ReadState.SPEAKING)
        self._paint_icons()
        self.retranslate()

    def _paint_icons(self) -> None:
        for b, kind in ((self.btn_read, "speak"), (self.btn_large, "large"),
                        (self.btn_low, "low")):
            # Checked buttons are filled with the accent: a dark pictogram on it.
            if b.isChecked():
                colour = "#000000" if self._high_contrast else "#05201C"
            else:
                colour = "#FFFFFF" if self._high_contrast else "#F3F6FB"
            crossed = kind == "speak" and self._read_state is ReadState.UNAVAILABLE
            b.setIcon(_icon(kind, colour, crossed))

    def retranslate(self) -> None:
        if self._read_state is ReadState.SPEAKING:
            read = QCoreApplication.translate("A11yBar", "Stop reading")
        else:
            read = QCoreApplication.translate("A11yBar", "Read aloud")
        large = QCoreApplication.translate("A11yBar", "Large text and high contrast")
        low = QCoreApplication.translate("A11yBar", "Low reach: all buttons low on the screen")
        for b, text in ((self.btn_read, read), (self.btn_large, large), (self.btn_low, low)):
            b.setAccessibleName(text)
            b.setToolTip(text)
        self._paint_icons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
