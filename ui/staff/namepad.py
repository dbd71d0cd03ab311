"""The keys staff type their name with on the login overlay (no hardware keyboard).

Staff names are case-insensitive on the backend, so lowercase letters,
digits, '.', '_' and '-' are all a name needs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from ui.widgets import button

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl_", "zxcvbnm.-")
MAX_NAME = 32
_KEY_NAMES = {".": "dot", "-": "dash", "_": "underscore"}


def key_name(ch: str) -> str:
    """The objectName of a character's key (the autopilot and tests press by name)."""
    return f"staff_name_{_KEY_NAMES.get(ch, ch)}"


class NameKeys(QWidget):
    def __init__(self, on_char: Callable[[str], None], on_back: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for row, chars in enumerate(ROWS):
            for col, ch in enumerate(chars):
                btn = button(key_name(ch), role="name_key")
                btn.setText(ch)
                btn.setMinimumSize(56, 64)
                btn.clicked.connect(lambda _=False, c=ch: on_char(c))
                grid.addWidget(btn, row, col)
                self.keys[ch] = btn
        back = button("staff_name_back", role="name_key")
        back.setText("←")  # the bundled font has no ⌫
        back.setMinimumSize(56, 64)
        back.clicked.connect(on_back)
        grid.addWidget(back, len(ROWS) - 1, len(ROWS[-1]))
        self.keys["back"] = back
