"""Self-test of what the UI loads: the bundled font draws Chinese, translations load."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtGui import QFontMetrics, QRawFont

from common.errors import KioskError, Reason
from ui.app import ensure_app
from ui.i18n import qm_path
from ui.resources import app_font, assets_dir, load_fonts, load_theme


def self_check() -> dict[str, Any]:
    app = ensure_app()
    family = load_fonts()
    font = app_font(family)
    raw = QRawFont.fromFont(font)
    # Glyphs for a few words the screens use; 0 is the "missing glyph" box.
    missing = [ch for ch in "试驾会员扫描取车" if not raw.glyphIndexesForString(ch)
               or raw.glyphIndexesForString(ch)[0] == 0]
    if missing:
        raise KioskError(f"the bundled font has no glyph for {''.join(missing)}",
                         reason=Reason.INTERNAL)
    translator = QTranslator()
    if not translator.load(qm_path("zh_CN")):
        raise KioskError(f"cannot load {qm_path('zh_CN')}", reason=Reason.INTERNAL)
    load_theme(app)
    width = QFontMetrics(font).horizontalAdvance("试驾")
    QCoreApplication.processEvents()
    return {"family": family, "zh_CN": True, "glyph_px": width,
            "assets": str(assets_dir())}
