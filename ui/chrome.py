"""What surrounds every screen: the header and the "Still there?" overlay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from kiosk.journey import Flow, State
from ui.widgets import (
    ACCENT,
    LanguageSwitch,
    StepIndicator,
    button,
    card,
    countdown_text,
    hbox,
    label,
    vbox,
)

BRAND_FULL_PX, BRAND_MARK_PX = 250, 44


class BrandMark(QWidget):
    """A small tower pictogram next to the name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(44, 44)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(ACCENT, 3))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(10, 3, 24, 38), 4, 4)
        for y in (12, 20, 28):
            p.drawLine(QPointF(14, y), QPointF(30, y))
        p.setBrush(ACCENT)
        p.drawRect(QRectF(18, 33, 8, 8))
        p.end()


class Header(QFrame):
    """Brand, the step indicator of the current errand and the language switch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setFixedHeight(100)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(32, 12, 24, 12)
        lay.setSpacing(24)
        self.brand_mark = BrandMark()
        self.brand = label("brand", wrap=False)
        self.brand_box = brand_box = QWidget()
        brand_box.setLayout(hbox(self.brand_mark, self.brand, spacing=10))
        brand_box.setFixedWidth(BRAND_FULL_PX)
        self.steps = StepIndicator()
        self.language = LanguageSwitch()
        lay.addWidget(brand_box)
        lay.addWidget(self.steps, 1)
        lay.addWidget(self.language)
        self._steps: Sequence[State] = ()
        self._index: int | None = None
        self._flow: Flow | None = None
        self.retranslate()

    def set_journey(self, steps: Sequence[State], index: int | None, flow: Flow | None) -> None:
        self._steps, self._index, self._flow = tuple(steps), index, flow
        self._render_steps()

    def _render_steps(self) -> None:
        # During an errand the steps need the room (the accessibility bar sits
        # beside the language switch): the brand shrinks to its pictogram.
        in_errand = self._index is not None
        self.brand.setVisible(not in_errand)
        self.brand_box.setFixedWidth(BRAND_MARK_PX if in_errand else BRAND_FULL_PX)
        if self._index is None:
            self.steps.set_steps([], None)
            self.steps.setVisible(True)  # keeps the layout steady; paints nothing
            return
        self.steps.set_steps([self.step_label(s) for s in self._steps], self._index)
        self.steps.setVisible(True)

    def step_label(self, state: State) -> str:
        labels = {
            State.SCAN: self.tr("Scan pass"),
            State.CHOOSE: self.tr("Choose model") if self._flow is Flow.BUY
            else self.tr("Choose car"),
            State.SELFIE: self.tr("Selfie"),
            State.VERIFY: self.tr("Check"),
            State.DISPATCH: self.tr("Store car") if self._flow is Flow.RETURN
            else self.tr("Car arrives"),
            State.HANDOVER: self.tr("Drive"),
            State.RETURNED: self.tr("Done"),
            State.ORDERED: self.tr("Order"),
        }
        return labels.get(state, state.value)

    def retranslate(self) -> None:
        self.brand.setText(self.tr("Car Tower"))
        self._render_steps()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class StillThereOverlay(QWidget):
    """Covers the window when the idle timer is about to reset the errand."""

    def __init__(self, on_still_here: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overlay_still_there")
        self.seconds_left = 0.0
        lay = vbox(self)
        self.panel = card("overlay_card")
        self.panel.setFixedWidth(680)
        panel_lay = vbox(self.panel, margins=(48, 40, 48, 40), spacing=18)
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.count = label("countdown", align=Qt.AlignmentFlag.AlignHCenter)
        self.body = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        self.btn_still_here = button("btn_still_here", primary=True)
        self.btn_still_here.clicked.connect(on_still_here)
        for w in (self.title, self.count, self.body, self.btn_still_here):
            panel_lay.addWidget(w)
        lay.addStretch(1)
        lay.addLayout(hbox(None, self.panel, None))
        lay.addStretch(1)
        self.hide()
        self.retranslate()

    def show_countdown(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        self._render_count()
        if self.parentWidget() is not None:
            self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def _render_count(self) -> None:
        self.count.setText(str(countdown_text(self.seconds_left)))
        self.body.setText(self.tr("To keep your details private, we'll start over in %n "
                                  "second(s).", "", countdown_text(self.seconds_left)))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(4, 9, 18, 200))
        p.end()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Still there?"))
        self.btn_still_here.setText(self.tr("I'm still here"))
        self._render_count()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
