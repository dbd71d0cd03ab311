"""The tower's member rules as the backend says them (issue #14), parsed strictly.

- ``Eligibility``: part of the redeem answer; whether this member can take a
  test drive today and, if not, the refusal verify would give, with its
  context, a paid drive offered instead, and the models driven too recently.
- ``Payment``: a paid drive's payment (``POST /v1/payments`` and its polls).
- ``ModelFacts``: a model's key facts from the inventory (the dispatch
  screen's showcase).

Pure functions of decoded JSON; anything off the documented shape raises
``BadAnswer`` (the client reports ``BACKEND_BAD_RESPONSE``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Any

from common.errors import Reason
from kiosk.api_read import (
    BadAnswer,
    error_context,
    read_bool,
    read_field,
    read_id,
    read_list,
    read_obj,
    read_str,
    read_time,
)

# Refusals the backend may say at the scan (backend/REASONS.md, "Said at the scan").
SCAN_REASONS = frozenset({Reason.IDENTITY_LOCKED, Reason.DRIVE_OVERDUE, Reason.DRIVE_OPEN,
                          Reason.QUOTA_EXCEEDED, Reason.NOT_SUPER_MEMBER})
_AMOUNT_RE = re.compile(r"\d{1,7}\.\d{2}")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_HTTP_RE = re.compile(r"https?://\S{1,490}")


class PaymentState(str, Enum):
    PENDING = "pending"
    PAID = "paid"
    USED = "used"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class PaidDrive:
    """What a member below the credit threshold may pay instead."""

    amount: str  # decimal string, "99.00": money is never a float here
    currency: str  # ISO 4217
    days: int


@dataclass(frozen=True)
class RecentModel:
    model: str
    driven_at: datetime
    again_from: datetime


@dataclass(frozen=True)
class Eligibility:
    can_drive: bool = True
    reason: Reason | None = None
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    paid_drive: PaidDrive | None = None
    recent_models: tuple[RecentModel, ...] = ()

    def recent(self, model: str) -> RecentModel | None:
        return next((r for r in self.recent_models if r.model == model), None)


ELIGIBLE = Eligibility()


@dataclass(frozen=True)
class Payment:
    payment_id: str
    session_id: str
    amount: str
    currency: str
    state: PaymentState
    expires_at: datetime
    pay_url: str  # shown as a QR; the member's app opens it

    @property
    def paid(self) -> bool:
        return self.state is PaymentState.PAID


@dataclass(frozen=True)
class ModelFacts:
    range_km: int | None = None
    seats: int | None = None
    accel_s: float | None = None  # 0-100 km/h

    @property
    def known(self) -> bool:
        return any(v is not None for v in (self.range_km, self.seats, self.accel_s))


def _amount(d: Mapping[str, Any], key: str) -> str:
    v = read_str(d, key, max_len=12)
    if not _AMOUNT_RE.fullmatch(v):
        raise BadAnswer(f"field {key!r} is not an amount")
    return v


def _currency(d: Mapping[str, Any], key: str = "currency") -> str:
    v = read_str(d, key, max_len=3)
    if not _CURRENCY_RE.fullmatch(v):
        raise BadAnswer(f"field {key!r} is not a currency code")
    return v


def paid_drive_of(v: Any) -> PaidDrive | None:
    if v is None:
        return None
    d = read_obj(v, "paid_drive")
    days = read_field(d, "days", int)
    if not 1 <= days <= 30:
        raise BadAnswer("paid drive days out of range")
    return PaidDrive(amount=_amount(d, "amount"), currency=_currency(d), days=days)


def eligibility_of(v: Any) -> Eligibility:
    """``eligibility`` of ``POST /v1/sessions``. A refusal code this kiosk does
    not know is a bad answer: the kiosk would not know what to tell the member."""
    d = read_obj(v, "eligibility")
    can = read_bool(d, "can_drive")
    code = read_str(d, "reason", optional=True, max_len=40)
    reason = None
    if code is not None:
        try:
            reason = Reason(code)
        except ValueError:
            raise BadAnswer("unknown eligibility reason") from None
        if reason not in SCAN_REASONS:
            raise BadAnswer("not a reason the scan can give")
    if can == (reason is not None):
        raise BadAnswer("can_drive and reason disagree")
    context = error_context(read_obj(read_field(d, "context", dict), "context"))
    paid = paid_drive_of(read_field(d, "paid_drive", dict, optional=True))
    if paid is not None and reason is not Reason.NOT_SUPER_MEMBER:
        raise BadAnswer("a paid drive offered for another reason")
    recent = []
    for raw in read_list(d, "recent_models", 100):
        r = read_obj(raw, "recent model")
        recent.append(RecentModel(model=read_id(r, "model"), driven_at=read_time(r, "driven_at"),
                                  again_from=read_time(r, "again_from")))
    return Eligibility(can_drive=can, reason=reason, context=MappingProxyType(context),
                       paid_drive=paid, recent_models=tuple(recent))


def payment_of(d: Mapping[str, Any]) -> Payment:
    """A payment answer (open, poll, cancel)."""
    try:
        state = PaymentState(read_str(d, "state", max_len=20))
    except ValueError:
        raise BadAnswer("unknown payment state") from None
    url = read_str(d, "pay_url", max_len=500)
    if not _HTTP_RE.fullmatch(url):
        raise BadAnswer("pay_url is not http(s)")
    return Payment(payment_id=read_id(d, "payment_id"), session_id=read_id(d, "session_id"),
                   amount=_amount(d, "amount"), currency=_currency(d), state=state,
                   expires_at=read_time(d, "expires_at"), pay_url=url)


def model_facts_of(d: Mapping[str, Any]) -> ModelFacts:
    """The optional key facts of an inventory option (all absent: unknown)."""
    rng = read_field(d, "range_km", int, optional=True)
    seats = read_field(d, "seats", int, optional=True)
    accel = read_field(d, "accel_s", (int, float), optional=True)
    if isinstance(accel, bool):
        raise BadAnswer("field 'accel_s' is a boolean")
    if rng is not None and not 0 < rng <= 5000 or seats is not None and not 0 < seats <= 12:
        raise BadAnswer("model facts out of range")
    if accel is not None and not 0 < accel <= 60:
        raise BadAnswer("model facts out of range")
    return ModelFacts(range_km=rng, seats=seats,
                      accel_s=float(accel) if accel is not None else None)
