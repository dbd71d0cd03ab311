"""Building and running the Qt application around a Kiosk."""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ui.bridge import QtPoster
from ui.i18n import language_manager
from ui.main_window import MainWindow
from ui.resources import app_font, load_fonts, load_theme

log = logging.getLogger(__name__)

WINDOWED_SIZE = (1280, 800)
_fonts_loaded: str | None = None


def ensure_app() -> QApplication:
    """The process's QApplication (created once; tests' pytest-qt one is reused)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("tower-kiosk")
    return app


def make_poster() -> QtPoster:
    """The TaskRunner poster; create it on the GUI thread before the Kiosk."""
    ensure_app()
    return QtPoster()


def setup_look(app: QApplication) -> None:
    """Bundled font as the app font, then the theme (idempotent)."""
    global _fonts_loaded
    if _fonts_loaded is None:
        _fonts_loaded = load_fonts()
    app.setFont(app_font(_fonts_loaded))
    load_theme(app)


def create_app(kiosk: Any, *, windowed: bool, language: str) -> tuple[QApplication, MainWindow]:
    """Build the window for ``kiosk`` and show it.

    Kiosk mode is full screen, frameless and always on top, with no mouse
    cursor (it is a touch screen); ``windowed`` is a normal 1280x800 window
    for development.
    """
    app = ensure_app()
    setup_look(app)
    languages = language_manager()
    languages.set_language(language)
    window = MainWindow(kiosk, languages)
    window.kiosk_mode = not windowed
    if windowed:
        window.resize(*WINDOWED_SIZE)
        window.show()
    else:
        window.setWindowFlags(window.windowFlags() | Qt.WindowType.FramelessWindowHint
                              | Qt.WindowType.WindowStaysOnTopHint)
        window.hide_cursor()
        window.showFullScreen()
    return app, window


def run_app(kiosk: Any, windowed: bool, language: str) -> int:
    """``kiosk run``: show the window and run the event loop until it closes."""
    from ui.lockdown import FieldRuntime

    app, window = create_app(kiosk, windowed=windowed, language=language)
    app.setQuitOnLastWindowClosed(True)
    # Lockdown, watchdog, no blanking; models warm up after the first paint.
    field = FieldRuntime(app, window, kiosk)
    try:
        return int(app.exec())
    finally:
        field.stop()
        window.shutdown()
        window.deleteLater()
