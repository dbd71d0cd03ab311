"""What every screen shares: its name, enter/leave hooks and live retranslation."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget

from kiosk.journey import State
from ui.car_names import model_name


class Screen(QWidget):
    """A view of one journey state.

    Subclasses set ``state``, build widgets in ``__init__`` and put every
    user-facing text in ``retranslate`` (called once at the end of set-up and
    again on each language change), so switching language never needs a
    screen to be rebuilt. ``enter``/``leave`` start and stop anything live
    (camera preview, animations) so hidden screens cost nothing.
    """

    state: State

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        self.bridge = bridge
        self.setObjectName(f"screen_{self.state.value}")
        self.setProperty("role", "screen")

    @property
    def session(self) -> Any:
        return self.kiosk.journey.session

    def model_display(self, model: str) -> str:
        """The display name the stock list gave ``model``, else the model id."""
        for opt in getattr(self.kiosk, "options", None) or []:
            if getattr(opt, "model", None) == model:
                return model_name(opt)
        return model

    def car_style(self, model: str) -> str:
        """``model``'s body style, told apart from the tower's other models."""
        from ui.art import style_for

        return style_for(model, [str(getattr(o, "model", "")) for o in
                                 getattr(self.kiosk, "options", None) or []])

    def enter(self) -> None:
        """The journey moved into this screen's state."""
        self.retranslate()

    def leave(self) -> None:
        """The journey left this state: stop anything live."""

    def retranslate(self) -> None:
        """Set every visible text in the current language."""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
