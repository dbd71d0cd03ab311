"""Wires staff mode into the main window.

``StaffController(window)`` builds the ``StaffConsole`` from the kiosk's
config, the PIN keypad overlay and the staff screen (``.screen``, which the
window puts in its stack for State.STAFF). It answers the window's hidden
corner gesture (``staff_requested``), ticks the console (idle logout) and
tells it about every touch while staff are logged in.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from common.errors import StaffError
from kiosk.staff.console import StaffConsole
from ui.messages import staff_refusal
from ui.staff.common import Notice
from ui.staff.keypad import KeypadOverlay
from ui.staff.screen import StaffScreen

log = logging.getLogger(__name__)

TICK_MS = 1000
_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin)


class StaffController(QObject):
    def __init__(self, window: QWidget, console: StaffConsole | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.console = console or StaffConsole.for_kiosk(window.kiosk, on_exit=self._exit_app)
        self.screen = StaffScreen(window.kiosk, window.bridge, self.console)
        self.keypad = KeypadOverlay(window, self.console)
        self.notice = Notice(window)
        window.staff_requested.connect(self.request_entry)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._filtering = app is not None

    def request_entry(self) -> None:
        """The corner gesture: show the keypad, or say why not."""
        if self.console.in_staff_mode:
            return
        try:
            self.console.request_entry()
        except StaffError as err:
            log.info("staff entry refused: %s", err.context.get("why"))
            self.notice.flash(staff_refusal(err))
            return
        self.keypad.open_keypad()

    def _on_tick(self) -> None:
        try:
            self.console.tick()
        except Exception:  # noqa: BLE001 - the idle logout must keep ticking
            log.exception("staff tick failed")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in _PRESSES and isinstance(obj, QWidget) and obj.window() is self.window:
            if self.console.logged_in:
                self.console.touch()
            self.keypad.touched()
        return False

    def _exit_app(self) -> None:
        from ui.lockdown import request_exit

        request_exit(self.window)

    def shutdown(self) -> None:
        self._tick.stop()
        self.keypad.close_keypad()
        self.console.close()
        if self._filtering:
            QApplication.instance().removeEventFilter(self)
            self._filtering = False
