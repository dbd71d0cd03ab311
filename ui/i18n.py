"""Live language switching: English is the source, Simplified Chinese a .qm.

Installing or removing a QTranslator makes Qt send ``LanguageChange`` to every
widget; screens answer it by re-setting their texts (``retranslate``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QTranslator, Signal

from common.errors import KioskError, Reason
from ui.resources import assets_dir

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh_CN")
QM_NAME = "kiosk_{code}.qm"
_current = "en"


def current_language() -> str:
    """The language members read now (for data the backend sends in both)."""
    return _current


# How a Chinese reader names the currencies a tower may charge in (the
# backend sends the ISO code): "99.00 元", not "99.00 CNY".
_CURRENCY_ZH = {"CNY": "元", "RMB": "元", "USD": "美元", "EUR": "欧元", "HKD": "港元"}


def currency_name(code: str, language: str | None = None) -> str:
    """The currency as the member reads it: the ISO code in English, its
    Chinese name in Chinese (an unknown code stays as it is)."""
    if (language or _current) == "zh_CN":
        return _CURRENCY_ZH.get(str(code).upper(), str(code))
    return str(code)


def qm_path(code: str) -> str:
    return str(assets_dir() / "i18n" / QM_NAME.format(code=code))


class LanguageManager(QObject):
    """Owns the one installed translator; use ``language_manager()`` to share it
    (two managers would each install a translator and fight)."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._translator: QTranslator | None = None
        self.language = "en"

    def set_language(self, code: str) -> None:
        """Switch every visible text to ``code`` ("en" or "zh_CN")."""
        if code not in LANGUAGES:
            raise KioskError(f"unsupported language {code!r}", reason=Reason.CONFIG_INVALID,
                             language=code)
        if code == self.language and self._translator is not None:
            return
        app = QCoreApplication.instance()
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        # English loads one too: its plurals ("%n second(s)" -> "1 second").
        translator = QTranslator(self)
        if not translator.load(qm_path(code)):
            raise KioskError(f"cannot load translations {qm_path(code)}",
                             reason=Reason.INTERNAL, language=code)
        app.installTranslator(translator)
        self._translator = translator
        # Dates and numbers follow the language the member reads.
        QLocale.setDefault(QLocale("zh_CN" if code == "zh_CN" else "en_GB"))
        global _current
        self.language = _current = code
        log.info("language set to %s", code)
        self.changed.emit(code)


_manager: LanguageManager | None = None


def language_manager() -> LanguageManager:
    """The process-wide manager (parented to the QApplication, which must exist)."""
    global _manager
    if _manager is None:
        _manager = LanguageManager(QCoreApplication.instance())
    return _manager
