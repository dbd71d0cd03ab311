"""Paid test drives below the credit threshold (``PaymentsMixin`` of ``Service``).

A member below ``credit_min`` may pay the tower's ``paid_drive_fee`` for a
drive instead of being turned away. The kiosk opens a payment for its
session and shows its ``pay_url`` as a QR; the member's app (the demo page
``/member/pay/{id}`` stands in) pays it with the member's own token; the
kiosk polls until it is paid. Verify authorises a below-threshold member only
with a paid, unused payment of that very session and marks it used by the
delivery job; a drive that does not happen (verify refuses, the lift fails,
the kiosk cancels after paying) refunds it, recorded in the row.

Every step is idempotent by state as well as by the kiosk's Idempotency-Key:
opening again returns the session's live payment, paying or cancelling twice
gives the same answer. A pending payment past ``expires_at`` is expired
whether or not anything has written that down yet (``effective_state``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend import rules
from backend.errors import ApiError, Refusal
from backend.models import PaymentState
from backend.rawsql import Raw
from backend.util import KioskCtx, new_id

# How long a payment QR is good for: long enough to open the app and pay,
# short enough that the kiosk does not stand blocked.
PAYMENT_S = 180.0
_LIVE = (PaymentState.PENDING.value, PaymentState.PAID.value)


@dataclass(frozen=True)
class PaymentRow:
    id: str
    session_id: str
    member_id: str
    kiosk_id: str
    amount_minor: int
    currency: str
    state: str
    expires_at: float
    job_id: str | None
    refund_reason: str | None

    def effective_state(self, now: float) -> str:
        if self.state == PaymentState.PENDING.value and now >= self.expires_at:
            return PaymentState.EXPIRED.value
        return self.state


class PaymentsMixin:
    _Q_PAY_ROW = ("SELECT id, session_id, member_id, kiosk_id, amount_minor, currency, state, "
                  "expires_at, job_id, refund_reason FROM payments WHERE id = :id")
    _Q_PAY_OF_SESSION = ("SELECT id FROM payments WHERE session_id = :sid "
                          "AND state IN ('pending', 'paid') ORDER BY created_at DESC")
    _I_PAY = ("INSERT INTO payments (id, session_id, member_id, kiosk_id, tower_id, "
                  "amount_minor, currency, state, created_at, expires_at) VALUES (:id, :sid, "
                  ":member, :kiosk, :tower, :amount, :currency, 'pending', :now, :expires)")
    _U_PAY_STATE = ("UPDATE payments SET state = :to, ended_at = :now "
                "WHERE id = :id AND state = :was")
    _U_PAY_PAID = ("UPDATE payments SET state = 'paid', paid_at = :now "
               "WHERE id = :id AND state = 'pending'")
    _U_PAY_USED = ("UPDATE payments SET state = 'used', job_id = :job "
               "WHERE id = :id AND state = 'paid'")
    _U_PAY_REFUND = ("UPDATE payments SET state = 'refunded', refunded_at = :now, "
                 "refund_reason = :why WHERE id = :id AND state IN ('paid', 'used')")
    _U_PAY_REFUND_JOB = ("UPDATE payments SET state = 'refunded', refunded_at = :now, "
                     "refund_reason = :why WHERE job_id = :job AND state = 'used'")

    # Provided by Service.
    _session_member: Any
    now: Any
    db: Any
    policy: Any
    member_facts: Any
    check_unlocked: Any

    # -- reading -------------------------------------------------------------
    def payment_row(self, raw: Raw, payment_id: str) -> PaymentRow | None:
        row = raw.one(self._Q_PAY_ROW, {"id": payment_id})
        if row is None:
            return None
        return PaymentRow(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6],
                          float(row[7]), row[8], row[9])

    def _own_payment(self, raw: Raw, ctx: KioskCtx, payment_id: str) -> PaymentRow:
        p = self.payment_row(raw, payment_id)
        if p is None or p.kiosk_id != ctx.kiosk_id:
            raise ApiError(404, "PAYMENT_UNKNOWN", "No such payment at this kiosk.")
        return p

    @staticmethod
    def payment_answer(p: PaymentRow, now: float, base_url: str) -> dict[str, Any]:
        return {"payment_id": p.id, "session_id": p.session_id,
                "amount": rules.money(p.amount_minor), "currency": p.currency,
                "state": p.effective_state(now), "expires_at": rules.iso(p.expires_at),
                "pay_url": f"{base_url.rstrip('/')}/member/pay/{p.id}"}

    def payment(self, ctx: KioskCtx, payment_id: str, base_url: str) -> dict[str, Any]:
        """``GET /v1/payments/{id}``: what the kiosk polls."""
        with self.db.read() as s:
            p = self._own_payment(Raw.of(s), ctx, payment_id)
        return self.payment_answer(p, self.now(), base_url)

    # -- the kiosk's calls ---------------------------------------------------------
    def op_open_payment(self, raw: Raw, ctx: KioskCtx, session_id: str,
                        base_url: str) -> dict[str, Any]:
        """A payment for a paid drive of this session's member, or the live one
        the session already has. Only when paying would let them drive: every
        other rule is checked first and refuses as verify would."""
        now = self.now()
        member_id = self._session_member(raw, ctx, session_id, now)
        for (pid,) in raw.all(self._Q_PAY_OF_SESSION, {"sid": session_id}):
            p = self.payment_row(raw, pid)
            if p is not None and p.effective_state(now) in _LIVE:
                return self.payment_answer(p, now, base_url)
        policy = self.policy(raw, ctx.tower_id)
        if policy.paid_drive_fee_minor <= 0:
            raise ApiError(409, "PAID_DRIVE_UNAVAILABLE", "This tower offers no paid drives.")
        credit, drives, pending = self.member_facts(raw, member_id)
        if credit >= policy.credit_min:
            raise ApiError(409, "PAYMENT_NOT_NEEDED", "This member's test drives are free.")
        self.check_unlocked(raw, member_id, now)
        rules.check_member(policy, credit, drives, pending, now, paid=True)
        session_end = raw.one("SELECT expires_at FROM sessions WHERE id = :id",
                              {"id": session_id})[0]
        expires = min(now + PAYMENT_S, float(session_end))
        payment_id = new_id("P")
        raw.run(self._I_PAY, {"id": payment_id, "sid": session_id, "member": member_id,
                                  "kiosk": ctx.kiosk_id, "tower": ctx.tower_id,
                                  "amount": policy.paid_drive_fee_minor,
                                  "currency": policy.currency, "now": now, "expires": expires})
        return self.payment_answer(self.payment_row(raw, payment_id), now, base_url)

    def op_cancel_payment(self, raw: Raw, ctx: KioskCtx, payment_id: str,
                          base_url: str) -> dict[str, Any]:
        """The member left the kiosk: a pending payment is cancelled, a paid
        one no drive used is refunded; anything else is answered as it is."""
        now = self.now()
        p = self._own_payment(raw, ctx, payment_id)
        state = p.effective_state(now)
        if state == PaymentState.PENDING.value:
            raw.run(self._U_PAY_STATE, {"to": PaymentState.CANCELLED.value, "now": now,
                                    "id": p.id, "was": PaymentState.PENDING.value})
        elif state == PaymentState.PAID.value:
            raw.run(self._U_PAY_REFUND, {"now": now, "why": "cancelled", "id": p.id})
        return self.payment_answer(self.payment_row(raw, p.id), now, base_url)

    # -- verify and lift jobs --------------------------------------------------------
    def paid_payment(self, raw: Raw, payment_id: str | None, session_id: str,
                     now: float) -> PaymentRow | None:
        """The paid, unused payment of this session that verify may use; None
        when there is none (or it is another session's: it pays for nothing
        here). An expired or cancelled one of this session refuses with its
        own reason, so the member learns why paying did not count."""
        if not payment_id:
            return None
        p = self.payment_row(raw, payment_id)
        if p is None or p.session_id != session_id:
            return None
        state = p.effective_state(now)
        if state == PaymentState.EXPIRED.value:
            raise Refusal("PAYMENT_EXPIRED", "The payment was not made in time.")
        if state in (PaymentState.CANCELLED.value, PaymentState.REFUNDED.value):
            raise Refusal("PAYMENT_CANCELLED", "The payment was cancelled.")
        return p if state == PaymentState.PAID.value else None

    def use_payment(self, raw: Raw, p: PaymentRow, job_id: str) -> None:
        raw.run(self._U_PAY_USED, {"job": job_id, "id": p.id})

    def refund_payment(self, raw: Raw, p: PaymentRow, why: str, now: float) -> None:
        raw.run(self._U_PAY_REFUND, {"now": now, "why": why, "id": p.id})

    def refund_job_payment(self, raw: Raw, job_id: str, why: str, now: float) -> int:
        """The drive a payment bought did not happen (the lift failed): refunded."""
        return raw.run(self._U_PAY_REFUND_JOB, {"now": now, "why": why, "job": job_id})

    # -- the member's app (member token) ---------------------------------------------
    def _members_payment(self, raw: Raw, member_id: str, payment_id: str) -> PaymentRow:
        p = self.payment_row(raw, payment_id)
        if p is None or p.member_id != member_id:
            # Another member's payment does not exist for this one.
            raise ApiError(404, "PAYMENT_UNKNOWN", "No such payment.")
        return p

    def member_payment(self, member_id: str, payment_id: str, base_url: str) -> dict[str, Any]:
        with self.db.read() as s:
            p = self._members_payment(Raw.of(s), member_id, payment_id)
        return self.payment_answer(p, self.now(), base_url)

    def member_settle(self, member_id: str, payment_id: str, pay: bool,
                      base_url: str) -> dict[str, Any]:
        """The member pays (``pay``) or declines in the app. Paying twice, or
        declining twice, gives the same answer; paying an expired or
        cancelled payment is refused with its reason."""
        now = self.now()
        with self.db.write() as s:
            raw = Raw.of(s)
            p = self._members_payment(raw, member_id, payment_id)
            state = p.effective_state(now)
            if pay and state == PaymentState.EXPIRED.value:
                raise Refusal("PAYMENT_EXPIRED", "The payment was not made in time.")
            if pay and state == PaymentState.CANCELLED.value:
                raise Refusal("PAYMENT_CANCELLED", "The payment was cancelled.")
            if state == PaymentState.PENDING.value:
                if pay:
                    raw.run(self._U_PAY_PAID, {"now": now, "id": p.id})
                else:
                    raw.run(self._U_PAY_STATE, {"to": PaymentState.CANCELLED.value, "now": now,
                                            "id": p.id, "was": PaymentState.PENDING.value})
            return self.payment_answer(self.payment_row(raw, p.id), now, base_url)
