"""The kiosk window: header, one screen per journey state, the idle overlay.

The window only renders the journey and forwards touches. It calls
``kiosk.tick()`` a few times a second (the idle clock and health polls live in
the core) and ``kiosk.touch()`` on every press anywhere, so any interaction
keeps the member's errand alive.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QCursor, QResizeEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget

from kiosk.journey import Event, State
from ui.a11y_chrome import A11yChrome
from ui.bridge import KioskBridge
from ui.chrome import Header, StillThereOverlay
from ui.i18n import LanguageManager, language_manager
from ui.screens import SCREENS
from ui.screens.base import Screen
from ui.staff import StaffController
from ui.widgets import vbox

log = logging.getLogger(__name__)

TICK_MS = 250
# The hidden staff gesture: a long press inside this square at the top-left.
CORNER_PX = 100
DEFAULT_CORNER_PRESS_S = 3.0
_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
            QEvent.Type.TouchBegin)
_RELEASES = (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd, QEvent.Type.TouchCancel)


class MainWindow(QWidget):
    staff_requested = Signal()

    def __init__(self, kiosk: Any, languages: LanguageManager | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("Car Tower kiosk")
        self.kiosk = kiosk
        self.languages = languages or language_manager()
        # The tower's language: each new member starts in it, whatever the
        # last one chose (the session's end resets it, see _on_state).
        self.home_language = self.languages.language
        self.bridge = KioskBridge(kiosk, self)
        lay = vbox(self, spacing=0)
        self.header = Header()
        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        self.screens: dict[State, Screen] = {}
        # Staff mode (keypad, console, the STAFF screen) answers staff_requested.
        self.staff = StaffController(self)
        for state in State:
            screen = self.staff.screen if state is State.STAFF else SCREENS[state](kiosk,
                                                                                  self.bridge)
            self.screens[state] = screen
            self.stack.addWidget(screen)
        self.overlay = StillThereOverlay(self._still_here, self)
        # Read aloud, large text and low reach (issue #15): the bar beside the
        # language switch; ``self.a11y`` is the mode set ui.a11y.apply_modes sets.
        self.a11y_chrome = A11yChrome(self)
        self.a11y = self.a11y_chrome.controller

        self.header.language.requested.connect(self.set_language)
        self.languages.changed.connect(self.header.language.set_current)
        self.header.language.set_current(self.languages.language)
        self.bridge.state_changed.connect(self._on_state)
        self.bridge.prompt.connect(self._on_prompt)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._last_tick: float | None = None  # how late the tick fires = a GUI stall
        cfg = getattr(getattr(kiosk, "services", None), "config", None)
        press_s = getattr(getattr(cfg, "staff", None), "corner_press_s", DEFAULT_CORNER_PRESS_S)
        self._corner = QTimer(self)
        self._corner.setSingleShot(True)
        self._corner.setInterval(int(float(press_s) * 1000))
        self._corner.timeout.connect(self.request_staff)
        self._filtering = False
        self._cursor_hidden = False
        self.kiosk_mode = False
        self._current: Screen | None = None
        self._show_state(kiosk.journey.state)

    # -- life cycle ----------------------------------------------------------
    def showEvent(self, event: QEvent) -> None:
        if not self._filtering:
            QApplication.instance().installEventFilter(self)
            self._filtering = True
        self._last_tick = None  # a hidden window's pause is not a stall
        self._tick.start()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def hide_cursor(self) -> None:
        """A touch kiosk shows no mouse pointer (kiosk mode only)."""
        if not self._cursor_hidden:
            QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self._cursor_hidden = True

    def shutdown(self) -> None:
        """Stop timers, cameras and relays; safe to call twice."""
        if self._cursor_hidden:
            QApplication.restoreOverrideCursor()
            self._cursor_hidden = False
        self._tick.stop()
        self._corner.stop()
        self.staff.shutdown()
        if self._filtering:
            QApplication.instance().removeEventFilter(self)
            self._filtering = False
        if self._current is not None:
            self._current.leave()
        self.a11y_chrome.shutdown()
        self.bridge.detach()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.overlay.setGeometry(self.rect())
        super().resizeEvent(event)

    # -- journey -------------------------------------------------------------
    @property
    def current_screen(self) -> Screen:
        return self.stack.currentWidget()

    def screen(self, state: State) -> Screen:
        return self.screens[state]

    def _on_state(self, old: State, new: State, event: Event, session: Any) -> None:
        if new is State.ATTRACT and old is not State.ATTRACT:
            # A journey ended (done, Cancel, walked away): the next person
            # finds the screen as the tower set it, not in the last one's language.
            self.languages.set_language(self.home_language)
            # ... and in the standard look, with nothing being read aloud.
            self.a11y_chrome.reset()
        self._show_state(new)

    def _show_state(self, state: State) -> None:
        if self._current is not None:
            self._current.leave()
        self.overlay.hide()
        self.a11y_chrome.stop_for_screen()
        screen = self.screens[state]
        self.stack.setCurrentWidget(screen)
        self._current = screen
        journey = self.kiosk.journey
        self.header.set_journey(journey.steps, journey.step_index, journey.session.flow)
        # Staff screens are not for members: no language switch there.
        self.header.language.setVisible(state is not State.STAFF)
        self.a11y_chrome.set_member_chrome_visible(state is not State.STAFF)
        screen.enter()
        self.a11y_chrome.screen_shown()
        log.debug("showing %s", screen.objectName())

    def _on_prompt(self, visible: bool, seconds_left: float) -> None:
        if visible:
            self.overlay.show_countdown(seconds_left)
        else:
            self.overlay.hide()

    def _still_here(self) -> None:
        self.kiosk.touch()
        self.overlay.hide()

    def _on_tick(self) -> None:
        now = time.monotonic()
        if self._last_tick is not None:
            # The event loop could not fire the timer on time: it was busy
            # that long (the heartbeat carries the worst, kiosk/figures.py).
            figures = getattr(self.kiosk, "figures", None)
            if figures is not None:
                figures.gui_stall(max(0.0, (now - self._last_tick) * 1000 - TICK_MS))
        self._last_tick = now
        try:
            self.kiosk.tick()
        except Exception:  # noqa: BLE001 - the idle clock must keep ticking
            log.exception("kiosk tick failed")

    # -- language ------------------------------------------------------------
    def set_language(self, code: str) -> None:
        self.languages.set_language(code)

    # -- staff hook ----------------------------------------------------------
    def request_staff(self) -> None:
        """The hidden corner gesture; ``self.staff`` shows the PIN keypad if allowed."""
        log.info("staff entry requested")
        self.staff_requested.emit()

    # -- touches -------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _PRESSES or kind in _RELEASES:
            if isinstance(obj, QWidget) and obj.window() is self:
                if kind in _PRESSES:
                    self.kiosk.touch()
                    self._corner_press(event)
                else:
                    self._corner.stop()
        return False

    def _corner_press(self, event: QEvent) -> None:
        pos = _global_pos(event)
        if pos is None:
            return
        local = self.mapFromGlobal(pos)
        if 0 <= local.x() < CORNER_PX and 0 <= local.y() < CORNER_PX:
            if not self._corner.isActive():
                self._corner.start()
        else:
            self._corner.stop()


def _global_pos(event: QEvent) -> QPoint | None:
    if hasattr(event, "globalPosition"):
        return event.globalPosition().toPoint()
    points = getattr(event, "points", None)
    if callable(points) and points():
        return points()[0].globalPosition().toPoint()
    return None


