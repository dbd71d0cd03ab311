"""What the accessibility modes do to the main window.

``A11yChrome`` puts the bar beside the language switch, answers its
buttons, and applies a mode set:

- large text + high contrast: the window gets ``ui.a11y_style``'s sheet;
- low reach: the top ``REACH_TOP_FRACTION`` of the window holds only what is
  read (brand, steps, a note), never a control: the language switch and the
  bar move to a row at the bottom, and the screen sits between the two.

The window calls ``stop_for_screen`` on every screen change (a reading of
the old screen would be wrong on the new one) and ``reset`` when a session
ends.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QWidget

from ui.a11y import A11yController, A11yMode, A11yModes
from ui.a11y_bar import A11yBar
from ui.a11y_speech import ReadAloud, ReadState, screen_instructions
from ui.a11y_style import large_text_sheet
from ui.widgets import label

# In low reach nothing to touch sits above this share of the window's height
# (ADA 308: a seated reach of about 48 in.; on a 21" kiosk at counter height
# the upper ~40 % of the screen is beyond it).
REACH_TOP_FRACTION = 0.40


def highest_control(root: QWidget, window: QWidget) -> int | None:
    """The top (window y) of the highest visible, enabled control in ``root``."""
    tops = [c.mapTo(window, QPoint(0, 0)).y() for c in root.findChildren(QAbstractButton)
            if c.isVisibleTo(window) and c.isEnabled()]
    return min(tops) if tops else None


def _settle_layouts(window: QWidget) -> None:
    """Lay the window out now (nested layouts too), without running other events."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        window.layout().activate()



class A11yChrome(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = A11yController(self)
        self.reader = ReadAloud.from_config(window.kiosk, self)
        self.controller.speech = self.reader
        self.bar = A11yBar()
        header_lay = window.header.layout()
        header_lay.insertWidget(header_lay.indexOf(window.header.language), self.bar)
        # Low reach: a note where the controls would be out of reach, and a
        # bottom row the bar and the language switch move to.
        self.reach_panel = QFrame()
        self.reach_panel.setObjectName("reach_panel")
        self.reach_note = label("lead", align=Qt.AlignmentFlag.AlignCenter)
        self.reach_note.setObjectName("reach_note")
        panel_lay = QHBoxLayout(self.reach_panel)
        panel_lay.setContentsMargins(40, 8, 40, 8)
        panel_lay.addWidget(self.reach_note)
        self.footer = QFrame()
        self.footer.setObjectName("reach_footer")
        self.footer_lay = QHBoxLayout(self.footer)
        self.footer_lay.setContentsMargins(32, 8, 24, 8)
        self.footer_lay.setSpacing(16)
        self.footer_lay.addStretch(1)
        win_lay = window.layout()
        win_lay.insertWidget(win_lay.indexOf(window.header) + 1, self.reach_panel)
        win_lay.addWidget(self.footer)
        self.reach_panel.hide()
        self.footer.hide()
        # Shown when Read aloud cannot speak; hidden on the next screen or reset.
        self.notice = label("notice", name="a11y_notice")
        self.notice.setParent(window)
        self.notice.hide()

        self.bar.read_requested.connect(self.read_current)
        self.bar.toggle_requested.connect(self.controller.toggle)
        self.controller.changed.connect(self.apply)
        self.reader.state_changed.connect(self._on_read_state)
        self._measuring = False
        window.installEventFilter(self)
        # A screen that shows more (the stock list arrived, another step) is
        # measured again for the low-reach push.
        for screen in window.screens.values():
            screen.installEventFilter(self)
        self.retranslate()

    @property
    def modes(self) -> A11yModes:
        return self.controller.modes

    # -- Read aloud ------------------------------------------------------------
    def current_text(self) -> str:
        """What Read aloud says now: the idle prompt if it is up, else the screen."""
        overlay = self.window.overlay
        root = overlay if overlay.isVisible() else self.window.current_screen
        return screen_instructions(root)

    def read_current(self) -> None:
        if self.reader.state is ReadState.SPEAKING:
            self.reader.stop()
            return
        self.notice.hide()
        self.reader.read(self.current_text(), self.window.languages.language)

    def _on_read_state(self, state: str) -> None:
        self.bar.set_read_state(state)
        if state == ReadState.UNAVAILABLE.value:
            self._show_notice()
        else:
            self.notice.hide()

    def _show_notice(self) -> None:
        self.notice.setText(self.reader.problem)
        self.notice.setWordWrap(True)
        self.notice.setFixedWidth(min(640, self.window.width() - 48))
        self.notice.adjustSize()
        self._place_notice()
        self.notice.raise_()
        self.notice.show()

    def _place_notice(self) -> None:
        w = self.window
        if self.modes.low_reach:
            y = self.footer.y() - self.notice.height() - 12
        else:
            y = w.header.height() + 12
        self.notice.move(w.width() - self.notice.width() - 24, max(0, y))

    # -- sessions ----------------------------------------------------------------
    def stop_for_screen(self) -> None:
        self.reader.stop()
        self.notice.hide()

    def screen_shown(self) -> None:
        """The window shows another screen: re-measure the low-reach push."""
        self._size_reach_panel()

    refresh = screen_shown

    def reset(self) -> None:
        self.controller.reset()
        self.notice.hide()

    def set_member_chrome_visible(self, visible: bool) -> None:
        """Staff screens are not for members: no bar there (nor in the footer)."""
        self.bar.setVisible(visible)
        self.footer.setVisible(visible and self.modes.low_reach)

    def shutdown(self) -> None:
        self.reader.close()

    # -- modes -------------------------------------------------------------------
    def apply(self, modes: A11yModes) -> None:
        w = self.window
        w.setStyleSheet(large_text_sheet() if modes.large_text else "")
        self._move_controls(low=modes.low_reach)
        self.bar.set_modes(modes)
        self._size_reach_panel()
        if self.notice.isVisible():
            self._show_notice()

    def _move_controls(self, low: bool) -> None:
        w = self.window
        lang = w.header.language
        header_lay = w.header.layout()
        if low:
            self.footer_lay.addWidget(self.bar)
            self.footer_lay.addWidget(lang)
        elif self.bar.parentWidget() is not w.header:
            header_lay.addWidget(self.bar)
            header_lay.addWidget(lang)
        member = w.kiosk.journey.state.value != "staff"
        self.reach_panel.setVisible(low)
        self.footer.setVisible(low and member)

    def _size_reach_panel(self) -> None:
        """Push the screen down just enough that its highest control starts
        below the reach line (a screen whose controls are low already is not
        squeezed at all). Squeezing is not linear, so measure and repeat."""
        if not self.modes.low_reach:
            self.window.stack.setMinimumHeight(0)  # back to the layout's own minimum
            return
        if self._measuring:
            return
        self._measuring = True
        try:
            self._push_below_reach_line()
        finally:
            self._measuring = False

    def _push_below_reach_line(self) -> None:
        w = self.window
        limit = int(w.height() * REACH_TOP_FRACTION)
        self.reach_panel.setFixedHeight(0)
        # The stack's minimum is its tallest page's; only the shown one counts here.
        w.stack.setMinimumHeight(w.current_screen.minimumSizeHint().height())
        _settle_layouts(w)
        # Never more than the screens can give up: a taller minimum would
        # grow the window (or, full screen, push the bottom row off it).
        room = w.height() - w.layout().minimumSize().height()
        most = max(0, min(limit - w.header.height(), room))
        height = 0
        for _ in range(4):
            self.reach_panel.setFixedHeight(height)
            _settle_layouts(w)
            top = highest_control(w.current_screen, w)
            if top is None or top >= limit or height >= most:
                break
            height = min(most, height + (limit - top))
        self.reach_note.setVisible(height >= 80)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.LayoutRequest and self.modes.low_reach
                and obj is self.window.current_screen):
            self._size_reach_panel()
        elif obj is self.window:
            if event.type() == QEvent.Type.Resize:
                self._size_reach_panel()
            elif event.type() == QEvent.Type.LanguageChange:
                self.retranslate()
        return False

    def retranslate(self) -> None:
        self.reach_note.setText(QCoreApplication.translate(
            "A11yChrome", "Low reach is on: everything you need to touch is in "
                          "the lower part of the screen."))
        if self.notice.isVisible():
            self._show_notice()

    def toggle(self, mode: A11yMode) -> None:
        self.controller.toggle(mode)
