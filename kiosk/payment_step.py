"""A paid drive's payment at the kiosk: open it, poll it, cancel it.

The member pays on their phone (the QR opens the member app), so the kiosk
only watches: it polls the backend every ``POLL_S`` (the member sees the
kiosk move on within two seconds of paying) from ``tick``, which the UI
calls a few times a second, so a test drives it with a fake clock and no
timer thread. Leaving the payment screen before it was paid cancels the
payment in the backend (a paid one is then refunded by the backend).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from common.errors import KioskError, Reason, RefusedError
from kiosk.rules_api import Payment, PaymentState
from kiosk.tasks import HTTP_LANE

log = logging.getLogger(__name__)

POLL_S = 1.0
# Polls that may fail in a row (a backend blip) before the payment step gives up.
MAX_POLL_FAILURES = 5
_ENDED = {PaymentState.EXPIRED: Reason.PAYMENT_EXPIRED,
          PaymentState.CANCELLED: Reason.PAYMENT_CANCELLED,
          PaymentState.REFUNDED: Reason.PAYMENT_CANCELLED}


class PaymentStep:
    def __init__(self, backend: Any, runner: Any, session_id: str, clock: Callable[[], float],
                 on_update: Callable[[Payment], None], on_paid: Callable[[Payment], None],
                 on_failed: Callable[[KioskError], None]) -> None:
        self.backend = backend
        self.runner = runner
        self.session_id = session_id
        self.clock = clock
        self.on_update, self.on_paid, self.on_failed = on_update, on_paid, on_failed
        self.payment: Payment | None = None
        self._next_poll = float("inf")
        self._inflight = False
        self._failures = 0
        self._closed = False

    def start(self) -> None:
        self.runner.run(HTTP_LANE, lambda: self.backend.open_payment(self.session_id),
                        self._seen, self._open_failed)

    def tick(self, now: float) -> None:
        if self._closed or self._inflight or self.payment is None or now < self._next_poll:
            return
        self._inflight = True
        pid = self.payment.payment_id
        self.runner.run(HTTP_LANE, lambda: self.backend.payment(pid), self._polled,
                        self._poll_failed)

    def cancel(self) -> None:
        """The member left (Cancel, idle, a failure): no payment stays open."""
        if self._closed:
            return
        self._closed = True
        p = self.payment
        if p is not None and p.state in (PaymentState.PENDING, PaymentState.PAID):
            pid = p.payment_id
            self.runner.run(HTTP_LANE, lambda: self.backend.cancel_payment(pid), None,
                            lambda err: log.warning("payment cancel failed: %s",
                                                    err.reason.value))

    def close(self) -> None:
        """Paid and moving on: nothing to cancel, stop polling."""
        self._closed = True

    # -- answers ---------------------------------------------------------------
    def _polled(self, payment: Payment) -> None:
        self._inflight = False
        self._failures = 0
        self._seen(payment)

    def _seen(self, payment: Payment) -> None:
        if self._closed:
            return
        self.payment = payment
        self._next_poll = self.clock() + POLL_S
        self.on_update(payment)
        if payment.state is PaymentState.PAID:
            self._closed = True
            self.on_paid(payment)
        elif payment.state in _ENDED:
            self._closed = True
            reason = _ENDED[payment.state]
            self.on_failed(RefusedError(f"payment {payment.state.value}", reason=reason))
        elif payment.state is PaymentState.USED:
            self._closed = True
            self.on_failed(KioskError("the payment was already used", reason=Reason.INTERNAL))

    def _open_failed(self, err: KioskError) -> None:
        if not self._closed:
            self._closed = True
            self.on_failed(err)

    def _poll_failed(self, err: KioskError) -> None:
        self._inflight = False
        self._failures += 1
        log.warning("payment poll failed (%d): %s", self._failures, err.reason.value)
        if self._failures >= MAX_POLL_FAILURES:
            self._open_failed(err)
            return
        self._next_poll = self.clock() + POLL_S
