"""Messages for the tower's rules (issue #14): a model driven too recently,
a paid drive's payment, the paid drive offered below the credit threshold,
and a model's key facts. Part of ``ui.messages`` (kept apart so that module
stays readable); the same ``Reason`` translation context.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDateTime, QLocale

from common.errors import Reason
from common.timestamps import to_datetime
from ui.i18n import currency_name

CTX = "Reason"

RULE_REASONS: dict[Reason, tuple[str, str, str]] = {
    Reason.MODEL_ALREADY_DRIVEN: (
        QT_TRANSLATE_NOOP("Reason", "You've driven this model recently"),
        QT_TRANSLATE_NOOP("Reason", "Your next test drive is of a different model."),
        QT_TRANSLATE_NOOP("Reason", "Choose another model, or buy this one."),
    ),
    Reason.PAYMENT_EXPIRED: (
        QT_TRANSLATE_NOOP("Reason", "The payment time ran out"),
        QT_TRANSLATE_NOOP("Reason", "The payment wasn't completed in time. Nothing was "
                                    "charged."),
        QT_TRANSLATE_NOOP("Reason", "Scan your pass again to start over."),
    ),
    Reason.PAYMENT_CANCELLED: (
        QT_TRANSLATE_NOOP("Reason", "The payment was cancelled"),
        QT_TRANSLATE_NOOP("Reason", "The payment was cancelled. Nothing was charged."),
        QT_TRANSLATE_NOOP("Reason", "Scan your pass again whenever you're ready."),
    ),
}
_PAID_NEXT = QT_TRANSLATE_NOOP("Reason", "You can pay {amount} {currency} for a {days}-day test "
                                         "drive instead, or buy a car.")
_DROVE = QT_TRANSLATE_NOOP("Reason", "You drove the {model} on {day}.")
_DROVE_NEXT = QT_TRANSLATE_NOOP("Reason", "Choose another model, or buy the {model}.")


def _tr(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


def format_day(value: Any) -> str:
    """A date in the active language, e.g. "3 Dec" / "12月3日"; "" if unknown."""
    moment = to_datetime(value)
    if moment is None:
        return ""
    qdt = QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime()
    locale = QLocale()
    return locale.toString(qdt, "M月d日" if locale.language() == QLocale.Language.Chinese
                           else "d MMM")


def refine(key: Reason | None, context: dict[str, Any], body: str,
           next_step: str) -> tuple[str, str]:
    """Body and next step filled in from a refusal's context."""
    if key is Reason.NOT_SUPER_MEMBER and context.get("paid_drive_fee"):
        next_step = _tr(_PAID_NEXT).format(amount=context["paid_drive_fee"],
                                           currency=currency_name(context.get("currency", "")),
                                           days=context.get("paid_drive_days", 3))
    elif key is Reason.MODEL_ALREADY_DRIVEN and context.get("model"):
        model = str(context.get("model_name") or context["model"])
        day = format_day(context.get("driven_at"))
        if day:
            body = _tr(_DROVE).format(model=model, day=day)
        next_step = _tr(_DROVE_NEXT).format(model=model)
    return body, next_step


def drove_on(model: str, driven_at: Any) -> str:
    """The mark on a model the member drove too recently to test again."""
    return _tr(_DROVE).format(model=model, day=format_day(driven_at)).rstrip(".")


def facts_text(facts: Any) -> list[str]:
    """A model's key facts as short lines (the dispatch showcase); [] if unknown."""
    out = []
    if getattr(facts, "range_km", None):
        out.append(_tr(QT_TRANSLATE_NOOP("Reason", "{km} km range")).format(km=facts.range_km))
    if getattr(facts, "seats", None):
        out.append(_tr(QT_TRANSLATE_NOOP("Reason", "{n} seats")).format(n=facts.seats))
    if getattr(facts, "accel_s", None):
        out.append(_tr(QT_TRANSLATE_NOOP("Reason", "0–100 km/h in {s} s")).format(
            s=f"{facts.accel_s:.1f}"))
    return out
