"""Large text that still fits: a label the enlarged text would clip steps down.

The large-text sheet grows reading text x1.4 everywhere; on a 1280x800
screen a few long texts in narrow columns then no longer fit (the layouts
were drawn for the standard size). Rather than clip them, ``TextFitter``
lowers the font of just those labels (and of their role's others), 2 px at
a time, reading text never below the standard look's size, and re-lays the
screen out after each step. Labels that
fit keep the full size; ``smallest_ratio`` says how far the fitting went.
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache

from PySide6.QtCore import QCoreApplication, QEvent, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from ui.resources import assets_dir

STEP_PX = 2
MAX_ROUNDS = 16
DEFAULT_PX = 22  # QWidget's font-size in the theme
HEADING_PX, HEADING_FLOOR = 36, 0.75


@lru_cache(maxsize=1)
def standard_sizes() -> dict[tuple[str, str], int]:
    """The standard theme's font size per (widget class, role); role "" is the
    class's own rule."""
    theme = (assets_dir() / "theme.qss").read_text(encoding="utf-8")
    return {(m.group(1), m.group(2) or ""): int(m.group(3)) for m in re.finditer(
        r'\b(QLabel|QPushButton|QToolButton)(?:\[role="(\w+)"\])?\s*\{[^}]*?'
        r'font-size:\s*(\d+)px', theme)}


def _kind(widget: QWidget) -> str:
    for kind in ("QLabel", "QPushButton", "QToolButton"):
        if widget.inherits(kind):
            return kind
    return "QWidget"


def _role(widget: QWidget) -> str:
    return str(widget.property("role") or "")


def standard_px(widget: QWidget) -> int:
    sizes = standard_sizes()
    kind = _kind(widget)
    return sizes.get((kind, _role(widget)), sizes.get((kind, ""), DEFAULT_PX))


def floor_px(widget: QWidget) -> int:
    """How small fitting may make it: reading text never below the standard
    look; headings (42-96 px there) down to 3/4 of it."""
    px = standard_px(widget)
    return round(px * HEADING_FLOOR) if px >= HEADING_PX else px


def label_text_room(label: QLabel, text: str) -> tuple[QRect, QRect]:
    """(the room a label gives its text, the rect ``text`` needs in it), label
    coordinates: the text's own bounding box, font ascent and descent
    included, which a size hint can round away."""
    room = label.contentsRect()
    m = label.margin()
    room.adjust(m, m, -m, -m)
    flags = int(label.alignment().value)
    if label.wordWrap():
        flags |= Qt.TextFlag.TextWordWrap.value
    return room, label.fontMetrics().boundingRect(room, flags, text)


def is_clipped(widget: QWidget) -> bool:
    """Its text needs more room than it has (a label: its text's bounding box
    in its contents; a button: its size hint, which includes its padding)."""
    if isinstance(widget, QLabel):
        room, need = label_text_room(widget, widget.text())
        return need.width() > room.width() + 1 or need.height() > room.height() + 1
    hint = widget.sizeHint()
    return hint.width() > widget.width() + 1 or hint.height() > widget.height() + 1


def text_widgets(root: QWidget) -> list[QWidget]:
    """Labels and buttons of ``root`` that show text."""
    out: list[QWidget] = []
    for w in root.findChildren(QWidget):
        if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(root) \
                and w.text().strip():
            out.append(w)
    return out


def clipped_labels(root: QWidget) -> list[QWidget]:
    return [w for w in text_widgets(root) if is_clipped(w)]


def _group(widget: QWidget) -> tuple[str, str]:
    return (_kind(widget), _role(widget))


def settle_layouts(window: QWidget) -> None:
    """Lay the window out now (nested layouts too), without running other events."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        window.layout().activate()


class TextFitter:
    def __init__(self) -> None:
        self._touched: weakref.WeakSet[QWidget] = weakref.WeakSet()

    def clear(self) -> None:
        """Back to the sheet's sizes (the mode went off, or before a new fit)."""
        for lab in list(self._touched):
            lab.setStyleSheet("")
        self._touched = weakref.WeakSet()

    def fit(self, root: QWidget, window: QWidget, height_px: int) -> None:
        """Fit ``root``'s labels, and the whole window into ``height_px`` (the
        screen's height: a taller minimum would grow a window, or push the
        bottom of a full-screen one off the glass).

        Labels shrink by role, all of a role together (a list whose items
        differ in size looks broken); when the clipped ones are at their floor
        the headings give up some of their size first."""
        self.clear()
        # Smaller text only helps a too tall window if text is what makes it
        # tall (on Dispatch the tower picture is): stop trying when it does not.
        height_counts = True
        last_min = None
        for _ in range(MAX_ROUNDS):
            settle_layouts(window)
            shown = text_widgets(root)
            min_h = window.layout().minimumSize().height()
            if height_counts and last_min is not None and min_h >= last_min:
                height_counts = False
                self.clear()
                continue
            last_min = min_h
            too_tall = height_counts and min_h > height_px
            bad = shown if too_tall else [lab for lab in shown if is_clipped(lab)]
            if not bad:
                break
            roles = {_group(lab) for lab in bad}
            if all(lab.fontInfo().pixelSize() - STEP_PX < floor_px(lab) for lab in bad):
                roles |= {_group(lab) for lab in shown if standard_px(lab) >= HEADING_PX}
            shrunk = False
            for role in roles:
                group = [lab for lab in shown if _group(lab) == role]
                px = min(lab.fontInfo().pixelSize() for lab in group) - STEP_PX
                if px < floor_px(group[0]):
                    continue
                for lab in group:
                    lab.setStyleSheet(f"font-size: {px}px;")
                    self._touched.add(lab)
                shrunk = True
            if not shrunk:
                break
        settle_layouts(window)
        if not window.isFullScreen() and window.height() > height_px:
            # A window the larger text grew: back to its size where it can go.
            window.resize(window.width(), max(height_px, window.minimumHeight()))

    def smallest_ratio(self) -> float:
        """The smallest fitted size over its standard size (1.4 = nothing fitted)."""
        ratios = [lab.fontInfo().pixelSize() / standard_px(lab) for lab in self._touched]
        return min(ratios, default=1.4)
