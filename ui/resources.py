"""Where the UI's assets live, and loading the bundled font and the theme."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from common.errors import KioskError, Reason

log = logging.getLogger(__name__)

FONT_FILES = ("NotoSansCJKsc-Regular-subset.otf", "NotoSansCJKsc-Bold-subset.otf")
FONT_FAMILY = "Noto Sans CJK SC"
# Latin text uses the same family (it has Latin glyphs); DejaVu only covers
# what the subset dropped, should a stray symbol ever appear.
FALLBACK_FAMILIES = ("DejaVu Sans",)
BODY_PX = 22


def assets_dir() -> Path:
    """The ``assets/`` folder, in a checkout or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def load_fonts() -> str:
    """Register the bundled CJK font and return its family name.

    Raises KioskError if a font file is missing or unreadable: a kiosk that
    would draw Chinese as boxes must not start (self-test checks this too).
    """
    families: set[str] = set()
    for name in FONT_FILES:
        path = assets_dir() / "fonts" / name
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            raise KioskError(f"cannot load font {path}", reason=Reason.INTERNAL, font=str(path))
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    if FONT_FAMILY not in families:
        raise KioskError(f"bundled font has families {sorted(families)}, not {FONT_FAMILY}",
                         reason=Reason.INTERNAL)
    return FONT_FAMILY


def app_font(family: str = FONT_FAMILY) -> QFont:
    font = QFont()
    font.setFamilies([family, *FALLBACK_FAMILIES])
    font.setPixelSize(BODY_PX)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def load_theme(app: QApplication) -> None:
    path = assets_dir() / "theme.qss"
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KioskError(f"cannot read theme {path}: {exc}", reason=Reason.INTERNAL) from None
