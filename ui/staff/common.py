"""Pieces the staff pages share: cards, key/value rows, an answer log, a confirm
overlay and a short-lived notice."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScroller,
    QWidget,
)

from ui.messages import staff_refusal
from ui.widgets import button, card, hbox, label, set_role, vbox

OK_COLOUR = QColor("#3DD9C1")
BAD_COLOUR = QColor("#F5B94A")
NOTE_COLOUR = QColor("#A7B3C8")


def staff_card(title_name: str = "") -> tuple[QFrame, QLabel, Any]:
    """A card with a title; returns (frame, title label, body layout)."""
    frame = card("staff_card")
    lay = vbox(frame, margins=(18, 12, 18, 12), spacing=8)
    title = label("staff_card_title", wrap=False, name=title_name)
    lay.addWidget(title)
    return frame, title, lay


class Facts(QWidget):
    """Rows of "key  value"; values turn amber when marked bad."""

    def __init__(self, keys: list[str], name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.keys: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, key in enumerate(keys):
            k = label("staff_key", wrap=False)
            v = label("staff_value", wrap=True, name=f"{name}_{key}" if name else "")
            grid.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(v, row, 1)
            self.keys[key], self.values[key] = k, v

    def set_key_text(self, key: str, text: str) -> None:
        self.keys[key].setText(text)

    def set(self, key: str, value: Any, bad: bool = False) -> None:
        lab = self.values[key]
        lab.setText("—" if value is None or value == "" else str(value))
        role = "staff_value_bad" if bad else "staff_value"
        if lab.property("role") != role:
            set_role(lab, role)

    def text(self) -> str:
        return "\n".join(f"{k}: {v.text()}" for k, v in self.values.items())


def finger_scroll(view: QAbstractScrollArea) -> None:
    """A touch screen scrolls by dragging the content; the thin bars only say
    where you are (14 px is no finger target, so they take no touches)."""
    QScroller.grabGesture(view.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    for bar in (view.verticalScrollBar(), view.horizontalScrollBar()):
        bar.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class AnswerLog(QListWidget):
    """What the controller and backend answered, newest on top."""

    MAX_ROWS = 200

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        finger_scroll(self)

    def add(self, text: str, ok: bool | None = True) -> None:
        item = QListWidgetItem(f"{time.strftime('%H:%M:%S')}  {text}")
        item.setForeground(NOTE_COLOUR if ok is None else OK_COLOUR if ok else BAD_COLOUR)
        self.insertItem(0, item)
        while self.count() > self.MAX_ROWS:
            self.takeItem(self.count() - 1)

    def add_result(self, result: Any) -> None:
        self.add(result.answer, result.ok if result.final else None)

    def add_refusal(self, err: Any) -> None:
        self.add(staff_refusal(err), False)

    def latest(self) -> str:
        return self.item(0).text() if self.count() else ""


class Overlay(QWidget):
    """Dims its parent and shows a centred card; follows the parent's size."""

    def __init__(self, parent: QWidget, name: str, width: int = 640) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.panel = card("overlay_card")
        self.panel.setFixedWidth(width)
        self.body = vbox(self.panel, margins=(40, 32, 40, 32), spacing=18)
        lay = vbox(self)
        lay.addStretch(1)
        lay.addLayout(hbox(None, self.panel, None))
        lay.addStretch(1)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def popup(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(4, 9, 18, 210))
        p.end()


class Confirm(Overlay):
    """"Are you sure?" for moves and exits: Confirm runs the action, Cancel does not."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "staff_confirm")
        self.title = label("staff_title")
        self.text = label("body")
        self.btn_confirm = button("staff_btn_confirm", primary=True)
        self.btn_cancel = button("staff_btn_cancel", role="secondary")
        self.body.addWidget(self.title)
        self.body.addWidget(self.text)
        self.body.addLayout(hbox(self.btn_cancel, None, self.btn_confirm))
        self._action: Callable[[], None] | None = None
        self.btn_confirm.clicked.connect(self._confirm)
        self.btn_cancel.clicked.connect(self.dismiss)
        self.retranslate()

    def ask(self, title: str, text: str, confirm: str, action: Callable[[], None]) -> None:
        self.title.setText(title)
        self.text.setText(text)
        self.btn_confirm.setText(confirm)
        self._action = action
        self.popup()

    def _confirm(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()

    def dismiss(self) -> None:
        self._action = None
        self.hide()

    def retranslate(self) -> None:
        self.btn_cancel.setText(self.tr("Cancel"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class Notice(QLabel):
    """A line of text over the top of the window for a few seconds."""

    def __init__(self, parent: QWidget, name: str = "staff_notice") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "notice")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def flash(self, text: str, seconds: float = 5.0) -> None:
        self.setText(text)
        parent = self.parentWidget()
        width = min(760, parent.width() - 80)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((parent.width() - width) // 2, 120)
        self.raise_()
        self.show()
        self._timer.start(int(seconds * 1000))
