"""What ``kiosk audit-ui`` measures on one window, as it is drawn right now.

- Touch targets: every visible control a finger can press (buttons, tiles,
  drop-downs, text fields, sliders, anything with the pointing-hand cursor);
  its size is the smaller of width and height.
- Contrast: each visible text's colour (the widget's palette, which the
  stylesheet sets) against the colour behind it, read from the rendered
  pixels under the text (the most frequent colour there), by the WCAG 2.x
  relative-luminance formula. Disabled controls are exempt (WCAG 1.4.3:
  "text that is part of an inactive user interface component").
- Clipped: a text wider or taller than the room its widget gives it (font
  metrics, the stylesheet's padding included), or cut off by its parent.
- Texts: every visible text by a stable key, so the walk can compare the
  same widget in English and Chinese (untranslated strings).

Only what a member can see counts: a widget under an overlay (the keypad,
"Still there?") is not on screen. Text painted by custom widgets (the step
indicator, the lift picture) is not a widget text and is not measured here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QCursor, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QWidget,
)

from ui.a11y_fit import label_text_room

TARGET_MIN_PX = 60  # about 15 mm on a 21-inch kiosk
CONTRAST_MIN = 4.5  # WCAG 2.x AA, normal text
_SLACK_PX = 1  # font metrics and the label's own layout may differ by a pixel
_FG_NEAR = 6  # per channel: a pixel this close to the text colour is the text
_MIN_TEXT_PIXELS = 4  # fewer pixels of a colour are anti-aliasing, not text


def _linear(channel: int) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0 black .. 1 white)."""
    return (0.2126 * _linear(colour.red()) + 0.7152 * _linear(colour.green())
            + 0.0722 * _linear(colour.blue()))


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours, 1.0 .. 21.0."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


@dataclass
class Measure:
    """One window measured: the smallest target, the lowest contrast, and lists."""

    targets: list[tuple[str, int]] = field(default_factory=list)
    contrasts: list[dict[str, Any]] = field(default_factory=list)
    clipped: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (name, text)

    @property
    def min_target(self) -> tuple[str, int] | None:
        return min(self.targets, key=lambda t: t[1]) if self.targets else None

    @property
    def min_contrast(self) -> dict[str, Any] | None:
        return min(self.contrasts, key=lambda c: c["ratio"]) if self.contrasts else None


def widget_name(widget: QWidget) -> str:
    """``screen_choose/btn_cancel``: the named ancestors and the widget, for people."""
    parts: list[str] = []
    w: QWidget | None = widget
    while w is not None and not w.isWindow():
        if w.objectName():
            parts.append(w.objectName())
        w = w.parentWidget()
    if not widget.objectName():
        parts.insert(0, type(widget).__name__)
    return "/".join(reversed(parts[:3]))


def widget_key(widget: QWidget) -> str:
    """A path that names the same widget in two windows built alike."""
    parts: list[str] = []
    w: QWidget | None = widget
    while w is not None and not w.isWindow():
        parent = w.parentWidget()
        if w.objectName():
            parts.append(w.objectName())
        else:
            kin = [c for c in (parent.children() if parent else [])
                   if type(c) is type(w)]
            parts.append(f"{type(w).__name__}[{kin.index(w) if w in kin else 0}]")
        w = parent
    return "/".join(reversed(parts))


def on_screen(widget: QWidget, window: QWidget) -> bool:
    """Visible, not empty, and what a finger at its centre would reach (not an overlay)."""
    if not widget.isVisible() or widget.width() <= 0 or widget.height() <= 0:
        return False
    centre = widget.mapTo(window, widget.rect().center())
    if not window.rect().contains(centre):
        return False
    hit = window.childAt(centre)
    if hit is None:
        return False
    return hit is widget or widget.isAncestorOf(hit) or hit.isAncestorOf(widget)


def is_target(widget: QWidget) -> bool:
    if widget.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents):
        return False  # an indicator only (e.g. a list's scroll bar; lists scroll by drag)
    if isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractSlider):
        return True
    return (widget.testAttribute(Qt.WidgetAttribute.WA_SetCursor)
            and widget.cursor().shape() == QCursor(Qt.CursorShape.PointingHandCursor).shape())


def widget_text(widget: QWidget) -> str:
    if isinstance(widget, QLabel):
        return "" if widget.pixmap() is not None and not widget.pixmap().isNull() \
            else widget.text()
    if isinstance(widget, QAbstractButton):
        return widget.text()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    return ""


def text_room(widget: QWidget, text: str) -> tuple[QRect, QRect]:
    """(the room the widget gives its text, the rect the text needs), widget coordinates."""
    fm = widget.fontMetrics()
    style = widget.style()
    if isinstance(widget, QLabel):
        return label_text_room(widget, text)
    if isinstance(widget, QPushButton):
        opt = QStyleOptionButton()
        opt.initFrom(widget)
        opt.text = text
        room = style.subElementRect(QStyle.SubElement.SE_PushButtonContents, opt, widget)
        need = fm.boundingRect(room, int(Qt.AlignmentFlag.AlignCenter.value)
                               | Qt.TextFlag.TextShowMnemonic.value, text)
        if not widget.icon().isNull():
            need.setWidth(need.width() + widget.iconSize().width() + 4)
        return room, need
    if isinstance(widget, QComboBox):
        opt = QStyleOptionComboBox()
        opt.initFrom(widget)
        opt.currentText = text
        room = style.subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                    QStyle.SubControl.SC_ComboBoxEditField, widget)
        need = QRect(room.topLeft(), fm.boundingRect(text).size())
        return room, need
    # Tool buttons (the Choose tiles) and the rest: what they ask for vs what they got.
    hint = widget.sizeHint()
    return widget.rect(), QRect(QPoint(0, 0), hint)


def _pixels(window: QWidget) -> tuple[np.ndarray, float]:
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    arr = np.frombuffer(image.constBits(), dtype=np.uint32,
                        count=image.bytesPerLine() * h // 4)
    # A copy: the array must not outlive the image's buffer.
    arr = arr.reshape(h, image.bytesPerLine() // 4)[:, :w].copy()
    return arr, w / max(1, window.width())


def _scrolled_out(widget: QWidget) -> bool:
    """Is ``widget`` partly outside the viewport of a scroll area holding it?"""
    w = widget.parentWidget()
    while w is not None:
        area = w.parentWidget()
        if isinstance(area, QAbstractScrollArea) and w is area.viewport():
            box = QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())
            return not w.rect().contains(box)
        w = area
    return False


def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = rgb / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def _colours(pixels: np.ndarray, scale: float, rect: QRect,
             fg: QColor) -> tuple[QColor, QColor] | None:
    """(background, text colour) as drawn under ``rect``.

    The background is the most frequent colour that is not the text's own (a
    large bold digit can cover more of its box than the background does).
    The text colour is the palette's, unless no pixel has it: a state rule
    of the stylesheet (``:checked``) drew another one, so the drawn colour
    that stands out most from the background is taken."""
    x0, y0 = max(0, int(rect.left() * scale)), max(0, int(rect.top() * scale))
    x1 = min(pixels.shape[1], int((rect.right() + 1) * scale))
    y1 = min(pixels.shape[0], int((rect.bottom() + 1) * scale))
    if x1 <= x0 or y1 <= y0:
        return None
    values, counts = np.unique(pixels[y0:y1, x0:x1], return_counts=True)
    rgb = np.stack([(values >> 16) & 0xFF, (values >> 8) & 0xFF, values & 0xFF], axis=1)
    near_fg = np.abs(rgb.astype(int) - [fg.red(), fg.green(), fg.blue()]).max(axis=1) <= _FG_NEAR
    others = np.where(near_fg, 0, counts)
    if not others.any():
        return None
    i_bg = int(np.argmax(others))
    bg = QColor.fromRgb(int(values[i_bg]) & 0xFFFFFF)
    if counts[near_fg].sum() >= _MIN_TEXT_PIXELS:
        return bg, fg
    lum = _luminance(rgb.astype(float))
    hi, lo = np.maximum(lum, lum[i_bg]), np.minimum(lum, lum[i_bg])
    ratio = np.where(counts >= _MIN_TEXT_PIXELS, (hi + 0.05) / (lo + 0.05), 0.0)
    ratio[i_bg] = 0.0
    if not ratio.any():
        return bg, fg
    return bg, QColor.fromRgb(int(values[int(np.argmax(ratio))]) & 0xFFFFFF)


def measure_window(window: QWidget) -> Measure:
    """Measure what ``window`` shows now (lay it out and settle it first)."""
    pixels, scale = _pixels(window)
    out = Measure()
    for widget in window.findChildren(QWidget):
        if not on_screen(widget, window):
            continue
        name = widget_name(widget)
        if is_target(widget):
            out.targets.append((name, min(widget.width(), widget.height())))
        text = widget_text(widget)
        if not text.strip():
            continue
        out.texts[widget_key(widget)] = (name, text)
        room, need = text_room(widget, text)
        visible = widget.visibleRegion().boundingRect()
        shown = need.intersected(room).intersected(visible) if not visible.isEmpty() \
            else need.intersected(room)
        # A row half scrolled out of a list is scrolling, not a clipped text.
        cut = shown.height() + _SLACK_PX < min(need.height(), room.height()) \
            and not _scrolled_out(widget)
        if (need.width() > room.width() + _SLACK_PX or need.height() > room.height() + _SLACK_PX
                or cut):
            out.clipped.append({"widget": name, "text": text,
                                "need": [need.width(), need.height()],
                                "room": [room.width(), room.height()]})
        if not widget.isEnabled():
            continue  # WCAG 1.4.3: inactive components have no contrast requirement
        area = need.intersected(room) if isinstance(widget, QLabel) else room
        if area.isEmpty():
            area = widget.rect()
        found = _colours(pixels, scale, QRect(widget.mapTo(window, area.topLeft()), area.size()),
                         widget.palette().color(widget.foregroundRole()))
        if found is None:
            continue
        bg, fg = found
        out.contrasts.append({"widget": name, "text": text[:40],
                              "ratio": round(contrast_ratio(fg, bg), 2),
                              "fg": fg.name(), "bg": bg.name()})
    return out
