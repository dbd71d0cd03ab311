"""Attract: a slow loop of the tower's cars; touch anywhere to start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEasingCurve, QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QRadialGradient
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk.journey import Flow, State
from ui.art import GROUND_Y, car_geometry, paint_car, style_for
from ui.car_names import colour_label, colour_swatch, model_name, option_colour_label
from ui.screens.base import Screen
from ui.widgets import ACCENT, LINE, button, hbox, label, vbox

# Shown before the kiosk has ever loaded stock: shapes and colours only, no
# model names, so the loop never advertises a car this tower does not hold.
_DEFAULT_SHOWCASE = (("", "white"), ("", "blue"), ("", "red"), ("", "silver"), ("", "black"))
SLIDE_EVERY_MS = 4500


class CarStage(QWidget):
    """One car at a time, gliding in from the right."""

    slid = Signal()  # a new car has arrived in the middle

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cars: list[tuple[str, str]] = list(_DEFAULT_SHOWCASE)
        self.models: list[str] = []  # the tower's models: each keeps its own body style
        self.index = 0
        self._offset = 0.0  # 1.0 = just off the right edge, 0.0 = centred
        self._anim = QVariantAnimation(self)
        self._anim.setStartValue(1.0)
        self._anim.setEndValue(0.0)
        self._anim.setDuration(900)
        self._anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._anim.valueChanged.connect(self._moved)
        self._anim.finished.connect(self.slid)
        self._timer = QTimer(self)
        self._timer.setInterval(SLIDE_EVERY_MS)
        self._timer.timeout.connect(self.next)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_cars(self, cars: Sequence[tuple[str, str]]) -> None:
        self.cars = list(cars) or list(_DEFAULT_SHOWCASE)
        self.index %= len(self.cars)
        self.update()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._anim.stop()
        self._offset = 0.0

    def next(self) -> None:
        self.index = (self.index + 1) % len(self.cars)
        self._anim.start()

    def _moved(self, value: Any) -> None:
        self._offset = float(value)
        self.update()

    def current(self) -> tuple[str, str]:
        return self.cars[self.index]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        glow = QRadialGradient(w * 0.5, h * 0.62, w * 0.55)
        glow.setColorAt(0.0, QColor(61, 217, 193, 46))
        glow.setColorAt(1.0, QColor(61, 217, 193, 0))
        p.fillRect(self.rect(), glow)
        model, colour = self.current()
        car = QRectF(w * 0.07, h * 0.16, w * 0.86, h * 0.6)
        scale, _, oy = car_geometry(car)
        ground = oy + GROUND_Y * scale
        # A turntable floor under the car, its top edge where the tyres stand.
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#14213A"))
        p.drawEllipse(QRectF(w * 0.06, ground - h * 0.06, w * 0.88, h * 0.16))
        p.setBrush(QColor("#1B2B48"))
        p.drawEllipse(QRectF(w * 0.12, ground - h * 0.045, w * 0.76, h * 0.11))
        p.setOpacity(1.0 - 0.8 * self._offset)
        paint_car(p, car.translated(self._offset * w * 0.9, 0), colour_swatch(colour),
                  style_for(model or colour, self.models))
        p.setOpacity(1.0)
        # Position dots: which car of the loop this is.
        n = len(self.cars)
        for i in range(n):
            cx = w / 2 + (i - (n - 1) / 2) * 22
            p.setBrush(ACCENT if i == self.index else LINE)
            p.drawEllipse(QRectF(cx - 5, h * 0.93, 10, 10))
        p.end()


class AttractScreen(Screen):
    state = State.ATTRACT

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        root = QHBoxLayout(self)
        root.setContentsMargins(64, 32, 40, 40)
        root.setSpacing(32)

        left = vbox(spacing=20)
        self.eyebrow = label("eyebrow")
        self.title = label("hero")
        self.body = label("lead")
        self.btn_start = button("btn_start", primary=True)
        self.btn_start.clicked.connect(lambda: self.kiosk.start(Flow.TEST_DRIVE))
        self.btn_return = button("btn_return", role="secondary")
        self.btn_return.clicked.connect(lambda: self.kiosk.start(Flow.RETURN))
        self.btn_buy = button("btn_buy", role="secondary")
        self.btn_buy.clicked.connect(lambda: self.kiosk.start(Flow.BUY))
        self.note = label("caption")
        left.addStretch(1)
        left.addWidget(self.eyebrow)
        left.addWidget(self.title)
        left.addWidget(self.body)
        left.addSpacing(16)
        left.addWidget(self.btn_start)
        left.addLayout(hbox(self.btn_return, self.btn_buy))
        left.addSpacing(4)
        left.addWidget(self.note)
        left.addStretch(1)
        root.addLayout(left, 5)

        right = vbox(spacing=8)
        self.stage = CarStage()
        self.car_name = label("subtitle", align=Qt.AlignmentFlag.AlignHCenter)
        self.stage_hint = label("touch", align=Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.stage, 1)
        right.addWidget(self.car_name)
        right.addWidget(self.stage_hint)
        root.addLayout(right, 6)
        self._options: dict[tuple[str, str], Any] = {}
        self.stage.slid.connect(self._show_car_name)
        # Stock arrives after the first health check, usually while this
        # screen is up: the loop becomes this tower's cars then, not only
        # after the next member (it showed 5 uncaptioned shapes until then).
        bridge.options.connect(self._on_options)
        self.retranslate()

    def _on_options(self, options: Any) -> None:
        if self.kiosk.journey.state is State.ATTRACT:
            self._load_cars(list(options or []))
            self._show_car_name()

    def enter(self) -> None:
        self._load_cars(list(getattr(self.kiosk, "options", None) or []))
        self.stage.start()
        super().enter()

    def _load_cars(self, options: list[Any]) -> None:
        cars: list[tuple[str, str]] = []
        self._options = {}
        in_stock = [o for o in options if (getattr(o, "available_count", 0) or 0) > 0]
        for opt in in_stock or options:
            pair = (str(getattr(opt, "model", "")), str(getattr(opt, "colour", "")))
            if pair not in cars:
                cars.append(pair)
                self._options[pair] = opt
        self.stage.models = [str(getattr(o, "model", "")) for o in options]
        self.stage.set_cars(cars)

    def leave(self) -> None:
        self.stage.stop()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # Presses on the buttons never get here (buttons accept them): this is
        # the "touch anywhere" of the brief.
        if event.button() == Qt.MouseButton.LeftButton:
            self.kiosk.start(Flow.TEST_DRIVE)
            event.accept()
            return
        super().mousePressEvent(event)

    def _show_car_name(self) -> None:
        model, colour = self.stage.current()
        opt = self._options.get((model, colour))
        if opt is None:
            # Before stock is known: the colour only (no model this tower may not hold).
            self.car_name.setText(colour_label(colour))
            return
        self.car_name.setText(f"{model_name(opt)} · {option_colour_label(opt)}")

    def retranslate(self) -> None:
        self.eyebrow.setText(self.tr("Welcome"))
        self.title.setText(self.tr("Take a test drive"))
        self.body.setText(self.tr("Pick a car, take a quick selfie, and drive it for up to "
                                  "three days. Your car comes down in about two minutes."))
        self.btn_start.setText(self.tr("Touch to start"))
        self.btn_return.setText(self.tr("Return a car"))
        self.btn_buy.setText(self.tr("Buy a car"))
        self.note.setText(self.tr("Have your member pass ready in the app."))
        self.stage_hint.setText(self.tr("Touch anywhere to start"))
        self._show_car_name()
