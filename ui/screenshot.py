"""Save what a widget shows as a PNG (gallery, autopilot, bug reports)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from common.errors import KioskError, Reason


def grab(widget: QWidget, path: str | Path) -> Path:
    """Render ``widget`` (and its children, overlays included) into ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # let pending layouts and repaints land first
    pixmap = widget.grab()
    if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
        raise KioskError(f"could not write screenshot {path}", reason=Reason.INTERNAL,
                         path=str(path))
    return path
