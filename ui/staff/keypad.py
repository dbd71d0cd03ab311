"""The staff login overlay: the name, then the PIN (masked dots), and why a
login was refused (a lockout counts down).

Shown over whatever screen is up (Attract or Out of service) after the
hidden corner gesture. The console asks the backend (the person's own PIN)
or, when it cannot be reached, checks the offline PIN, off the GUI thread;
the overlay closes itself after ``IDLE_HIDE_S`` without a touch so a
forgotten keypad never blocks members.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from common.errors import KioskError, Reason
from common.pins import MAX_PIN_DIGITS, MIN_PIN_DIGITS
from ui.messages import staff_refusal
from ui.staff.common import Overlay
from ui.staff.namepad import MAX_NAME, NameKeys
from ui.staff.style import STAFF_QSS
from ui.widgets import button, hbox, label, set_role

MAX_DIGITS, MIN_DIGITS = MAX_PIN_DIGITS, MIN_PIN_DIGITS
KEY_SIZE = QSize(104, 64)  # a finger target (>= 60 px) that leaves room; the style agrees
IDLE_HIDE_S = 30.0


def mmss(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 60}:{s % 60:02d}"


class KeypadOverlay(Overlay):
    def __init__(self, parent: QWidget, console: Any) -> None:
        super().__init__(parent, "staff_keypad", width=720)
        self.setStyleSheet(STAFF_QSS)
        self.console = console
        self.phase = "name"  # then "pin"
        self.name = ""
        self.pin = ""
        self.checking = False
        # A lockout to count down: the backend's (of ``_locked_name``, by the
        # kiosk's clock) or the offline PIN's (the gate's own clock).
        self._lock: str | None = None
        self._locked_name = ""
        self._locked_until = 0.0
        self._was_locked = False
        self.title = label("staff_title", align=Qt.AlignmentFlag.AlignHCenter)
        self.typed = label("staff_dots", wrap=False, name="staff_pin_dots",
                           align=Qt.AlignmentFlag.AlignHCenter)
        self.typed.setMinimumHeight(60)
        self.dots = self.typed  # the PIN's dots (masked) or the name being typed
        self.message = label("staff_message", name="staff_pin_message",
                             align=Qt.AlignmentFlag.AlignHCenter)
        self.message.setMinimumHeight(40)
        # Keys of a phone's keypad, not the screen's height (they filled it).
        self.body.setSpacing(12)
        self.body.addWidget(self.title)
        self.body.addWidget(self.typed)
        self.body.addWidget(self.message)
        self.names = NameKeys(self.press_char, self.backspace)
        self.body.addWidget(self.names)
        self.digits = QWidget()
        grid = QGridLayout(self.digits)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        grid.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.keys: dict[str, QPushButton] = {}
        layout = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"]
        for i, key in enumerate(layout):
            btn = button(f"staff_key_{key}", role="primary" if key == "ok" else "key")
            btn.setFixedSize(KEY_SIZE)
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
        self.body.addWidget(self.digits)
        self.btn_name = button("staff_key_name", role="secondary")
        self.btn_name.clicked.connect(self.change_name)
        self.btn_next = button("staff_name_next", primary=True)
        self.btn_next.clicked.connect(self.next)
        self.btn_cancel = button("staff_key_cancel", role="secondary")
        self.btn_cancel.clicked.connect(self.close_keypad)
        self.body.addLayout(hbox(self.btn_cancel, None, self.btn_name, self.btn_next))
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
        self.name = ""
        self.pin = ""
        self.checking = False
        self._show_phase("name")
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

    def _show_phase(self, phase: str) -> None:
        self.phase = phase
        set_role(self.typed, "staff_dots" if phase == "pin" else "staff_typed")
        self.names.setVisible(phase == "name")
        self.digits.setVisible(phase == "pin")
        self.btn_next.setVisible(phase == "name")
        self.btn_name.setVisible(phase == "pin")
        self._render()
        self._prompt()

    # -- keys ---------------------------------------------------------------------------
    def press_char(self, ch: str) -> None:
        if self.phase == "name" and len(self.name) < MAX_NAME:
            self.name += ch
            self._render()

    def next(self) -> None:
        if self.phase == "name" and self.name:
            self.pin = ""
            self._show_phase("pin")

    def change_name(self) -> None:
        if not self.checking:
            self.pin = ""
            self._show_phase("name")

    def press(self, digit: str) -> None:
        if self.phase != "pin" or self.checking or self.locked or len(self.pin) >= MAX_DIGITS:
            return
        self.pin += digit
        self._render()

    def backspace(self) -> None:
        if self.checking:
            return
        if self.phase == "name":
            self.name = self.name[:-1]
        else:
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
            self.console.login_async(pin, self._accepted, self._refused, name=self.name)
        except KioskError as err:
            self._refused(err)

    def lock_left(self) -> float:
        if self._lock == "offline":
            return self.console.gate.locked_for_s()
        if self._lock == "online" and self.name == self._locked_name:
            return self._locked_until - self.console.kiosk.clock()
        return 0.0

    @property
    def locked(self) -> bool:
        return self.lock_left() > 0

    def _accepted(self) -> None:
        self.checking = False
        self._lock = None
        self.close_keypad()

    def _refused(self, err: KioskError) -> None:
        self.checking = False
        online = err.context.get("mode") == "online"
        if err.reason is Reason.STAFF_LOCKED:
            self._lock = "online" if online else "offline"
            self._locked_name = self.name
            self._locked_until = (self.console.kiosk.clock()
                                  + float(err.context.get("locked_for_s") or 0))
        self._render()
        if err.reason is Reason.STAFF_LOCKED:
            self._prompt()
        elif online:
            self.message.setText(self.tr("Wrong name or PIN."))
        elif "attempts_left" in err.context:
            self.message.setText(self.tr("Wrong PIN. %n attempt(s) left.", "",
                                         int(err.context["attempts_left"])))
        else:
            self.message.setText(staff_refusal(err))

    # -- rendering -------------------------------------------------------------------------
    def _render(self) -> None:
        if self.phase == "name":
            self.typed.setText(self.name + "_" if len(self.name) < MAX_NAME else self.name)
        else:
            self.typed.setText("●" * len(self.pin) if self.pin else "○ ○ ○ ○ ○ ○")
        enabled = not self.checking and not self.locked
        for key, btn in self.keys.items():
            btn.setEnabled(enabled and (key != "ok" or len(self.pin) >= MIN_DIGITS))
        self.btn_next.setEnabled(bool(self.name))
        self.btn_name.setText(self.tr("Not %1?").replace("%1", self.name))
        self.btn_name.setEnabled(not self.checking)

    def _prompt(self) -> None:
        left = self.lock_left()
        if left > 0:
            self.message.setText(self.tr("Too many wrong PINs. Try again in %1.")
                                 .replace("%1", mmss(left)))
        elif self.checking:
            return
        elif self.phase == "name":
            self.message.setText(self.tr("Type your staff name"))
        else:
            self.message.setText(self.tr("Enter your PIN"))

    def _on_tick(self) -> None:
        locked = self.locked
        if locked or self._was_locked:  # count down, then say the keypad is back
            self._prompt()
        self._was_locked = locked
        self._render()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Staff login"))
        self.keys["ok"].setText(self.tr("OK"))
        self.btn_next.setText(self.tr("Next"))
        self.btn_cancel.setText(self.tr("Cancel"))
        self._render()
        self._prompt()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
