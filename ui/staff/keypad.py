"""The staff PIN keypad: big keys, masked dots, attempts left, a lockout countdown.

Shown over whatever screen is up (Attract or Out of service) after the
hidden corner gesture. The PIN is checked off the GUI thread (scrypt); the
keypad closes itself after ``IDLE_HIDE_S`` without a touch so a forgotten
keypad never blocks members.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from common.errors import KioskError, Reason
from ui.messages import staff_refusal
from ui.staff.common import Overlay
from ui.staff.style import STAFF_QSS
from ui.widgets import button, hbox, label

MAX_DIGITS = 12
MIN_DIGITS = 4
IDLE_HIDE_S = 30.0


def mmss(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 60}:{s % 60:02d}"


class KeypadOverlay(Overlay):
    def __init__(self, parent: QWidget, console: Any) -> None:
        super().__init__(parent, "staff_keypad", width=520)
        self.setStyleSheet(STAFF_QSS)
        self.console = console
        self.pin = ""
        self.checking = False
        self._was_locked = False
        self.title = label("staff_title", align=Qt.AlignmentFlag.AlignHCenter)
        self.dots = label("staff_dots", wrap=False, name="staff_pin_dots",
                          align=Qt.AlignmentFlag.AlignHCenter)
        self.dots.setMinimumHeight(60)
        self.message = label("staff_message", name="staff_pin_message",
                             align=Qt.AlignmentFlag.AlignHCenter)
        self.message.setMinimumHeight(56)
        self.body.addWidget(self.title)
        self.body.addWidget(self.dots)
        self.body.addWidget(self.message)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.keys: dict[str, QPushButton] = {}
        layout = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"]
        for i, key in enumerate(layout):
            btn = button(f"staff_key_{key}", role="primary" if key == "ok" else "key")
            btn.setMinimumSize(120, 84)
            if key.isdigit():
                btn.setText(key)
                btn.clicked.connect(lambda _=False, k=key: self.press(k))
            elif key == "back":
                btn.setText("←")  # the bundled font has no ⌫
                btn.clicked.connect(self.backspace)
            else:
                btn.clicked.connect(self.submit)
            grid.addWidget(btn, i // 3, i % 3)
            self.keys[key] = btn
        self.body.addLayout(grid)
        self.btn_cancel = button("staff_key_cancel", role="secondary")
        self.btn_cancel.clicked.connect(self.close_keypad)
        self.body.addLayout(hbox(None, self.btn_cancel, None))
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(IDLE_HIDE_S * 1000))
        self._idle.timeout.connect(self.close_keypad)
        self.retranslate()

    # -- showing ----------------------------------------------------------------------
    def open_keypad(self) -> None:
        self.pin = ""
        self.checking = False
        self._render()
        self._show_lock_or_prompt()
        self.popup()
        self._tick.start()
        self._idle.start()

    def close_keypad(self) -> None:
        self.pin = ""
        self._tick.stop()
        self._idle.stop()
        self.hide()

    def touched(self) -> None:
        if self.isVisible():
            self._idle.start()

    # -- keys ---------------------------------------------------------------------------
    def press(self, digit: str) -> None:
        if self.checking or self.locked or len(self.pin) >= MAX_DIGITS:
            return
        self.pin += digit
        self._render()

    def backspace(self) -> None:
        if not self.checking:
            self.pin = self.pin[:-1]
            self._render()

    def submit(self) -> None:
        if self.checking or self.locked or len(self.pin) < MIN_DIGITS:
            return
        pin, self.pin = self.pin, ""
        self.checking = True
        self._render()
        self.message.setText(self.tr("Checking…"))
        try:
            self.console.login_async(pin, self._accepted, self._refused)
        except KioskError as err:
            self._refused(err)

    @property
    def locked(self) -> bool:
        return self.console.gate.locked_for_s() > 0

    def _accepted(self) -> None:
        self.checking = False
        self.close_keypad()

    def _refused(self, err: KioskError) -> None:
        self.checking = False
        self._render()
        if err.reason is Reason.STAFF_LOCKED:
            self._show_lock_or_prompt()
        elif "attempts_left" in err.context:
            self.message.setText(self.tr("Wrong PIN. %n attempt(s) left.", "",
                                         int(err.context["attempts_left"])))
        else:
            self.message.setText(staff_refusal(err))

    # -- rendering -------------------------------------------------------------------------
    def _render(self) -> None:
        self.dots.setText("●" * len(self.pin) if self.pin else "○ ○ ○ ○")
        enabled = not self.checking and not self.locked
        for key, btn in self.keys.items():
            btn.setEnabled(enabled and (key != "ok" or len(self.pin) >= MIN_DIGITS))

    def _show_lock_or_prompt(self) -> None:
        left = self.console.gate.locked_for_s()
        if left > 0:
            self.message.setText(self.tr("Too many wrong PINs. Try again in %1.")
                                 .replace("%1", mmss(left)))
        elif not self.checking:
            self.message.setText(self.tr("Enter the staff PIN"))

    def _on_tick(self) -> None:
        locked = self.locked
        if locked or self._was_locked:  # count down, then say the keypad is back
            self._show_lock_or_prompt()
        self._was_locked = locked
        self._render()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Staff PIN"))
        self.keys["ok"].setText(self.tr("OK"))
        self.btn_cancel.setText(self.tr("Cancel"))
        if not self.checking:
            self._show_lock_or_prompt()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
