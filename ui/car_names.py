"""How a member reads a car: its model's name and its colour (label and
swatch) in the member's language, from the backend's names where it sent
them. (Out of ``ui.messages``, which says why things happen.)"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


def _tr(text: str, context: str) -> str:
    return QCoreApplication.translate(context, text)


# -- colours -----------------------------------------------------------------------
COLOURS: dict[str, tuple[str, str]] = {  # name -> (label, swatch hex)
    "white": (QT_TRANSLATE_NOOP("Colour", "White"), "#F4F5F7"),
    "pearl": (QT_TRANSLATE_NOOP("Colour", "Pearl"), "#ECE8DF"),
    "black": (QT_TRANSLATE_NOOP("Colour", "Black"), "#15171B"),
    "silver": (QT_TRANSLATE_NOOP("Colour", "Silver"), "#B9BEC6"),
    "grey": (QT_TRANSLATE_NOOP("Colour", "Grey"), "#6B7280"),
    "gray": (QT_TRANSLATE_NOOP("Colour", "Grey"), "#6B7280"),
    "red": (QT_TRANSLATE_NOOP("Colour", "Red"), "#C8102E"),
    "blue": (QT_TRANSLATE_NOOP("Colour", "Blue"), "#1F5FBF"),
    "navy": (QT_TRANSLATE_NOOP("Colour", "Navy"), "#1B2A4A"),
    "green": (QT_TRANSLATE_NOOP("Colour", "Green"), "#2E7D4F"),
    "yellow": (QT_TRANSLATE_NOOP("Colour", "Yellow"), "#F2C230"),
    "orange": (QT_TRANSLATE_NOOP("Colour", "Orange"), "#E8722A"),
    "brown": (QT_TRANSLATE_NOOP("Colour", "Brown"), "#6B4A32"),
    "beige": (QT_TRANSLATE_NOOP("Colour", "Beige"), "#D8C8A8"),
    "gold": (QT_TRANSLATE_NOOP("Colour", "Gold"), "#C9A44C"),
    "purple": (QT_TRANSLATE_NOOP("Colour", "Purple"), "#6A3FA0"),
}
_UNKNOWN_SWATCH = "#8A94A6"


def _localised(names: Any, fallback: str) -> str:
    from ui.i18n import current_language

    if isinstance(names, dict) or hasattr(names, "get"):
        return names.get(current_language()) or names.get("en") or fallback
    return fallback


def model_name(option: Any) -> str:
    """What a member reads for a model: the backend's name in the member's
    language (``CarOption.model_names``) if it sent one, else the model id."""
    model = str(getattr(option, "model", option))
    names = getattr(option, "model_names", None)
    if names:
        return _localised(names, model)
    value = getattr(option, "display_name", None)
    return value if isinstance(value, str) and value else model


def option_colour_label(option: Any) -> str:
    """The colour of ``option`` as the backend names it in the member's language."""
    colour = str(getattr(option, "colour", ""))
    names = getattr(option, "colour_names", None)
    return _localised(names, colour_label(colour)) if names else colour_label(colour)


def colour_label(name: str) -> str:
    entry = COLOURS.get(name.lower())
    return _tr(entry[0], "Colour") if entry else name.replace("_", " ").title()


def colour_swatch(name: str) -> str:
    key = name.lower()
    entry = COLOURS.get(key)
    if entry is None:
        # "midnight_blue", "polar white": the last known word decides the paint.
        words = [w for w in key.replace("-", "_").replace(" ", "_").split("_") if w in COLOURS]
        entry = COLOURS[words[-1]] if words else None
    return entry[1] if entry else _UNKNOWN_SWATCH
