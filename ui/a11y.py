"""Accessibility modes of the member screens (issue #15, EN 301 549 / ADA kiosks).

Two modes, each one toggle on the accessibility bar beside the language switch:

- ``large_text``: large text and high contrast together (fonts x1.4, white or
  yellow on black, >= 7:1), see ``ui/a11y_style.py``;
- ``low_reach``: every control a member needs in the lower part of the screen
  (a seated member or one of short stature): the top of the window shows
  only what to read, the screen and both bars sit below it.

``A11yModes`` is the typed set of modes; ``ALL_MODE_SETS`` every combination
(``kiosk audit-ui`` walks each one) and ``apply_modes(window, modes)`` puts a
set on a main window. The window's ``A11yController`` owns the current set; a
session reset (Cancel, idle timeout, a journey's end) puts it back to
``STANDARD`` and stops any speech.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, Signal


class A11yMode(str, Enum):
    LARGE_TEXT = "large_text"  # large text + high contrast
    LOW_REACH = "low_reach"


@dataclass(frozen=True)
class A11yModes:
    """Which accessibility modes are on (all off = the standard look)."""

    large_text: bool = False
    low_reach: bool = False

    @property
    def name(self) -> str:
        """``standard``, ``large_text``, ``low_reach`` or ``large_text+low_reach``."""
        on = [m.value for m in A11yMode if self.has(m)]
        return "+".join(on) or "standard"

    def has(self, mode: A11yMode) -> bool:
        return bool(getattr(self, mode.value))

    def toggled(self, mode: A11yMode) -> A11yModes:
        return replace(self, **{mode.value: not self.has(mode)})

    @classmethod
    def from_name(cls, name: str) -> A11yModes:
        """The inverse of ``name`` (for a CLI); unknown parts are refused."""
        if name == "standard":
            return cls()
        parts = name.split("+")
        known = {m.value for m in A11yMode}
        bad = [p for p in parts if p not in known]
        if bad:
            raise ValueError(f"unknown accessibility mode {bad[0]!r} "
                             f"(known: standard, {', '.join(sorted(known))})")
        return cls(**{p: True for p in parts})


STANDARD = A11yModes()
ALL_MODE_SETS: tuple[A11yModes, ...] = tuple(
    A11yModes(**dict(zip([f.name for f in fields(A11yModes)], flags, strict=True)))
    for flags in itertools.product((False, True), repeat=len(fields(A11yModes))))


class A11yController(QObject):
    """The current mode set of one main window; ``changed`` tells the window,
    the bar and the styling. ``speech`` is the Read aloud reader (set by the
    window), stopped on every reset."""

    changed = Signal(object)  # A11yModes

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.modes = STANDARD
        self.speech: Any = None

    def set_modes(self, modes: A11yModes) -> None:
        if not isinstance(modes, A11yModes):
            raise TypeError(f"expected A11yModes, got {type(modes).__name__}")
        if modes == self.modes:
            return
        self.modes = modes
        self.changed.emit(modes)

    def toggle(self, mode: A11yMode) -> None:
        self.set_modes(self.modes.toggled(mode))

    def reset(self) -> None:
        """A new member: standard look, nothing being read."""
        if self.speech is not None:
            self.speech.reset()
        self.set_modes(STANDARD)


def apply_modes(window: Any, modes: A11yModes) -> None:
    """Put ``modes`` on ``window`` (a ``ui.main_window.MainWindow``) now: styles
    re-polished and layouts moved before this returns, so a screenshot or a
    measurement taken next sees the new look."""
    window.a11y.set_modes(modes)  # the window applies it on ``changed``, synchronously
    chrome = getattr(window, "a11y_chrome", None)
    if chrome is not None:
        chrome.refresh()  # the screen may show more than when the mode was set
    layout = window.layout()
    if layout is not None:
        layout.activate()
