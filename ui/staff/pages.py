"""Base class of the staff pages: a console, enter/leave, a refusal-safe call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget

from common.errors import StaffError


class StaffPage(QWidget):
    """One tab of the staff area. ``enter``/``leave`` start and stop anything live."""

    name = ""

    def __init__(self, console: Any, confirm: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.confirm = confirm
        self.setObjectName(f"staff_page_{self.name}")
        self.setProperty("role", "transparent")

    def enter(self) -> None:
        self.retranslate()

    def leave(self) -> None:
        pass

    def retranslate(self) -> None:
        pass

    def attempt(self, fn: Callable[[], Any], on_refused: Callable[[StaffError], None]) -> Any:
        """Run a console intent; a refusal (StaffError) goes to ``on_refused``."""
        try:
            return fn()
        except StaffError as err:
            on_refused(err)
            return None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
