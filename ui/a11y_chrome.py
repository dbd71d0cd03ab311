"""What the accessibility modes do to the main window.

``A11yChrome`` puts the bar beside the language switch, answers its
buttons, and applies a mode set:

- large text + high contrast: the window gets ``ui.a11y_style``'s sheet,
  and ``ui.a11y_fit`` steps down the few labels that would then clip;
- low reach: the top ``REACH_TOP_FRACTION`` of the window holds no control:
  the header (steps, the bar, the language switch) moves to the bottom, a
  note takes the top, and the screen is pushed down just enough that its
  highest control is below the line.

The window calls ``stop_for_screen`` on every screen change (a reading of
the old screen would be wrong on the new one) and ``reset`` when a session
ends.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QLabel, QWidget

from ui.a11y import STANDARD, A11yController, A11yMode, A11yModes
from ui.a11y_bar import A11yBar
from ui.a11y_fit import TextFitter, is_clipped, settle_layouts
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
        # Low reach: a note at the top, where controls would be out of reach
        # (the header, with the bar and the language switch, moves down).
        self.reach_panel = QFrame()
        self.reach_panel.setObjectName("reach_panel")
        self.reach_note = label("lead", align=Qt.AlignmentFlag.AlignCenter)
        self.reach_note.setObjectName("reach_note")
        panel_lay = QHBoxLayout(self.reach_panel)
        panel_lay.setContentsMargins(40, 8, 40, 8)
        panel_lay.addWidget(self.reach_note)
        win_lay = window.layout()
        win_lay.insertWidget(win_lay.indexOf(window.header) + 1, self.reach_panel)
        self.reach_panel.hide()
        # Shown when Read aloud cannot speak; hidden on the next screen or reset.
        self.notice = label("notice", name="a11y_notice")
        self.notice.setParent(window)
        self.notice.hide()
        self.notice.installEventFilter(self)  # a tap on it puts it away

        self.bar.read_requested.connect(self.read_current)
        self.bar.toggle_requested.connect(self.controller.toggle)
        self.controller.changed.connect(self.apply)
        self.reader.state_changed.connect(self._on_read_state)
        self._measuring = False
        self._fitted: object = None
        self._base_height = window.height()  # the window's height in the standard look
        self.fitter = TextFitter()
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
            y = w.header.y() - self.notice.height() - 12
        else:
            y = w.header.height() + 12
        self.notice.move(w.width() - self.notice.width() - 24, max(0, y))

    # -- sessions ----------------------------------------------------------------
    def stop_for_screen(self) -> None:
        self.reader.stop()
        self.notice.hide()

    def screen_shown(self) -> None:
        """The window shows another screen (or it changed): fit its text and
        re-measure the low-reach push."""
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        if self._measuring:
            return
        w = self.window
        screen = w.current_screen
        # What the fitting depends on; unchanged, a layout request is an echo.
        key = (id(screen), self.modes, w.size().toTuple(), tuple(
            lab.text() for lab in screen.findChildren(QLabel) if lab.isVisibleTo(screen)))
        if key == self._fitted and not force:
            return
        self._measuring = True
        try:
            self.fitter.clear()
            self._size_reach_panel()
            if self.modes.large_text:
                self.fitter.fit(screen, w, self._base_height)
                self._size_reach_panel()  # smaller text may have moved a control up
        finally:
            self._measuring = False
        self._fitted = key

    def reset(self) -> None:
        self.controller.reset()
        self.notice.hide()

    def set_member_chrome_visible(self, visible: bool) -> None:
        """Staff screens are not for members: no bar there."""
        self.bar.setVisible(visible)

    def shutdown(self) -> None:
        self.reader.close()

    # -- modes -------------------------------------------------------------------
    def apply(self, modes: A11yModes) -> None:
        w = self.window
        w.setStyleSheet(large_text_sheet() if modes.large_text else "")
        self._move_controls(low=modes.low_reach)
        self.bar.set_modes(modes)
        self.refresh(force=True)
        if self.notice.isVisible():
            self._show_notice()

    def _move_controls(self, low: bool) -> None:
        """Low reach: the header (steps, the bar, the language switch) goes to
        the bottom, the note takes the top; nothing is added, so the screens
        keep the height they had."""
        w = self.window
        win_lay = w.layout()
        win_lay.removeWidget(w.header)
        if low:
            win_lay.addWidget(w.header)
        else:
            win_lay.insertWidget(0, w.header)
        w.header.setProperty("low", low)
        w.header.style().unpolish(w.header)
        w.header.style().polish(w.header)
        self.reach_panel.setVisible(low)

    def _size_reach_panel(self) -> None:
        """Push the screen down just enough that its highest control starts
        below the reach line (a screen whose controls are low already is not
        squeezed at all). Squeezing is not linear, so measure and repeat."""
        if not self.modes.low_reach:
            self.window.stack.setMinimumHeight(0)  # back to the layout's own minimum
            return
        self._push_below_reach_line()

    def _push_below_reach_line(self) -> None:
        w = self.window
        self.reach_panel.setFixedHeight(0)
        # The stack's minimum is its tallest page's; only the shown one counts here.
        w.stack.setMinimumHeight(w.current_screen.minimumSizeHint().height())
        settle_layouts(w)
        if not w.isFullScreen() and w.height() > self._base_height:
            # A window grown on the way (the last screen's push, then this
            # screen's minimum) goes back to its size where it can.
            w.resize(w.width(), max(self._base_height, w.layout().minimumSize().height()))
            settle_layouts(w)
        limit = int(w.height() * REACH_TOP_FRACTION)
        # Never more than the screens can give up: a taller minimum would
        # grow the window (or, full screen, push the bottom row off it).
        room = w.height() - w.layout().minimumSize().height()
        most = max(0, min(limit, room))
        height = 0
        for _ in range(12):
            self.reach_panel.setFixedHeight(height)
            settle_layouts(w)
            top = highest_control(w.current_screen, w)
            if top is None or top >= limit or height >= most:
                break
            # A control centred by stretches moves half as far as the push.
            height = min(most, height + 2 * (limit - top))
        # The note only where it fits whole (large text needs more room for it).
        self.reach_note.setVisible(height >= 80)
        if height >= 80:
            settle_layouts(w)
            self.reach_note.setVisible(not is_clipped(self.reach_note))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.notice and event.type() == QEvent.Type.MouseButtonPress:
            self.notice.hide()
            return True
        if (event.type() == QEvent.Type.LayoutRequest and self.modes != STANDARD
                and obj is self.window.current_screen):
            self.refresh()
        elif obj is self.window:
            if event.type() == QEvent.Type.Resize and self.modes == STANDARD:
                self._base_height = self.window.height()
            elif event.type() == QEvent.Type.Resize:
                self.refresh()
            elif event.type() == QEvent.Type.LanguageChange:
                self.reader.stop()  # half a sentence in the old language is no help
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
