"""What a member can do when the tower's rules say no (issue #14), for ``Kiosk``.

The backend says at the scan whether the member can drive today
(``kiosk.rules_api.Eligibility``); a member who cannot goes straight to the
refusal, which offers the next step that fits: return the car that is out,
buy instead, a paid drive below the credit threshold, or (in its message)
the date to come back. The session stays, so nothing is scanned again.

``NextStepsMixin`` is part of ``kiosk.app.Kiosk`` and uses its journey,
runner, services and callbacks.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

from common.errors import KioskError, Reason
from kiosk.journey import Event, Flow, Session, State
from kiosk.payment_step import PaymentStep
from kiosk.rules_api import Eligibility, Payment
from kiosk.tasks import HTTP_LANE

log = logging.getLogger(__name__)


class NextStep(str, Enum):
    PAY = "pay"  # a paid drive
    RETURN = "return"  # return the car that is out
    BUY = "buy"  # buy a car instead


_BY_REASON: dict[Reason, tuple[NextStep, ...]] = {
    Reason.NOT_SUPER_MEMBER: (NextStep.BUY,),
    Reason.DRIVE_OPEN: (NextStep.RETURN,),
    Reason.DRIVE_OVERDUE: (NextStep.RETURN,),
    Reason.QUOTA_EXCEEDED: (NextStep.BUY,),  # and the date, in the message
}


def next_steps(session: Session) -> tuple[NextStep, ...]:
    """The actions a refusal offers: only one said at the scan (the session is
    live, nothing reserved), and a paid drive only when the backend offered it."""
    if session.refusal is None or session.session_id is None or session.reservation is not None \
            or session.flow is not Flow.TEST_DRIVE:
        return ()
    steps = _BY_REASON.get(session.refusal, ())
    offer = getattr(session.eligibility, "paid_drive", None)
    if session.refusal is Reason.NOT_SUPER_MEMBER and offer is not None:
        steps = (NextStep.PAY, *steps)
    return steps


def refusal_context(e: Eligibility) -> dict[str, Any]:
    """What the refusal screen's message needs (dates, the fee)."""
    context = dict(e.context)
    if e.paid_drive is not None:
        context.update(paid_drive_fee=e.paid_drive.amount, currency=e.paid_drive.currency,
                       paid_drive_days=e.paid_drive.days)
    return context


class NextStepsMixin:
    # Provided by Kiosk.
    journey: Any
    runner: Any
    services: Any
    clock: Any
    _fire: Any
    _emit: Any
    _refuse_or_fail: Any
    _payment: PaymentStep | None = None
    last_payment: Payment | None = None

    def _refused_at_scan(self, e: Eligibility, **session: Any) -> None:
        log.info("refused at the scan: %s", e.reason.value if e.reason else "-")
        self._fire(Event.REFUSED, eligibility=e, refusal=e.reason,
                   refusal_context=refusal_context(e), **session)

    def next_steps(self) -> tuple[NextStep, ...]:
        return next_steps(self.journey.session) if self.journey.state is State.REFUSED else ()

    # -- intents ------------------------------------------------------------------
    def pay_for_drive(self) -> None:
        """A paid drive instead of the refusal: the payment QR."""
        if NextStep.PAY in self.next_steps():
            self._fire(Event.PAY, refusal=None, refusal_context={})

    def return_instead(self) -> None:
        """Return the car that is out, in the same session (no second scan)."""
        if NextStep.RETURN in self.next_steps():
            self._fire(Event.SWITCH_RETURN, flow=Flow.RETURN, refusal=None,
                       refusal_context={})

    def buy_instead(self, model: str | None = None) -> None:
        """Buy: from a refusal (choose the model), or on Choose a model the
        member drove too recently to test again (ordered at once)."""
        state, s = self.journey.state, self.journey.session
        if state is State.REFUSED and NextStep.BUY in self.next_steps():
            self._fire(Event.SWITCH_BUY, flow=Flow.BUY, refusal=None, refusal_context={})
        elif state is State.CHOOSE and model and s.flow is Flow.TEST_DRIVE:
            s.model = model
            self.runner.run(HTTP_LANE, lambda: self.services.backend.buy(s.session_id, model),
                            lambda order: self._fire(Event.ORDERED, order=order),
                            self._refuse_or_fail)

    # -- the payment screen ---------------------------------------------------------
    def _begin_payment(self) -> None:
        self.last_payment = None
        self._payment = PaymentStep(self.services.backend, self.runner,
                                    self.journey.session.session_id, self.clock,
                                    on_update=self._payment_update, on_paid=self._paid,
                                    on_failed=self._payment_failed)
        self._payment.start()

    def _end_payment(self) -> None:
        step, self._payment = self._payment, None
        if step is not None:
            step.cancel()

    def _tick_payment(self, now: float) -> None:
        if self._payment is not None:
            self._payment.tick(now)

    def _payment_update(self, payment: Payment) -> None:
        self.last_payment = payment
        self._emit("payment", payment)

    def _paid(self, payment: Payment) -> None:
        if self._payment is not None:
            self._payment.close()  # paid: leaving the screen must not cancel it
        self._fire(Event.PAID, payment=payment)

    def _payment_failed(self, err: KioskError) -> None:
        if self.journey.state is State.PAYMENT:
            self._refuse_or_fail(err)

    # -- return in the same session ----------------------------------------------------
    def _return_now(self) -> None:
        """SCAN reached by "Return my car": the session is already open."""
        s = self.journey.session
        self.runner.run("lift", self.services.returned_car_bay,
                        lambda bay: self._start_return(s.session_id, bay),
                        self._refuse_or_fail)
