"""Payment: a paid test drive below the credit threshold.

The QR opens the member's app, where they pay; the kiosk core polls the
backend and moves on by itself once it is paid. Shows the amount, the time
left to pay and Cancel. The screen only renders ``kiosk.last_payment`` and
its updates (``bridge.payment``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.journey import State
from ui.i18n import currency_name
from ui.qr_view import QrView
from ui.screens.base import Screen
from ui.widgets import Spinner, cancel_button, card, footer, hbox, label, vbox


class PaymentScreen(Screen):
    state = State.PAYMENT

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        outer = vbox(self, spacing=0)
        root = QHBoxLayout()
        root.setContentsMargins(80, 24, 80, 16)
        root.setSpacing(56)
        outer.addLayout(root, 1)
        qr_col = vbox(spacing=12)
        self.qr = QrView(360)
        self.amount = label("stat", align=Qt.AlignmentFlag.AlignHCenter)
        qr_col.addStretch(1)
        qr_col.addWidget(self.qr)
        qr_col.addWidget(self.amount)
        qr_col.addStretch(1)
        root.addLayout(qr_col)
        side = vbox(spacing=16)
        self.title = label("title")
        self.lead = label("lead")
        self.steps = [label("bullet") for _ in range(3)]
        self.status_card = card()
        status = vbox(self.status_card, margins=(28, 18, 28, 18), spacing=6)
        self.spinner = Spinner(40)
        self.status = label("body")
        self.countdown = label("stat_small")
        status.addLayout(hbox(self.spinner, self.status, None))
        status.addWidget(self.countdown)
        self.btn_cancel = cancel_button()
        self.btn_cancel.clicked.connect(self.kiosk.cancel)
        side.addStretch(1)
        for w in (self.title, self.lead, *self.steps):
            side.addWidget(w)
        side.addSpacing(8)
        side.addWidget(self.status_card)
        side.addStretch(1)
        root.addLayout(side, 1)
        outer.addLayout(footer(self.btn_cancel, None))
        self.payment: Any = None
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._render_countdown)
        bridge.payment.connect(self.on_payment)
        self.retranslate()

    def enter(self) -> None:
        self.payment = None
        self.qr.set_text("")
        p = getattr(self.kiosk, "last_payment", None)
        if p is not None:
            self.on_payment(p)
        self._timer.start()
        super().enter()

    def leave(self) -> None:
        self._timer.stop()
        self.qr.set_text("")

    def on_payment(self, payment: Any) -> None:
        if self.kiosk.journey.state is not State.PAYMENT:
            return
        first = self.payment is None or self.payment.payment_id != payment.payment_id
        self.payment = payment
        if first:
            self.qr.set_text(str(payment.pay_url))
        self.retranslate()

    def _seconds_left(self) -> int | None:
        expires = getattr(self.payment, "expires_at", None)
        if expires is None:
            return None
        return max(0, math.ceil((expires - dt.datetime.now(dt.UTC)).total_seconds()))

    def _render_countdown(self) -> None:
        left = self._seconds_left()
        if left is None:
            self.countdown.setText("")
            return
        self.countdown.setText(self.tr("Time left to pay: {m}:{s:02d}").format(
            m=left // 60, s=left % 60))

    def retranslate(self) -> None:
        p = self.payment
        offer = getattr(self.session.eligibility, "paid_drive", None)
        amount = getattr(p, "amount", None) or getattr(offer, "amount", "")
        currency = currency_name(getattr(p, "currency", None) or getattr(offer, "currency", ""))
        days = getattr(offer, "days", 3)
        self.amount.setText(f"{amount} {currency}".strip())
        self.title.setText(self.tr("Pay for your test drive"))
        self.lead.setText(self.tr("A {days}-day test drive for {amount} {currency}. You pay in "
                                  "the member app; the kiosk continues by itself.").format(
            days=days, amount=amount, currency=currency))
        texts = (self.tr("Open the member app and scan this code."),
                 self.tr("Check the amount and confirm the payment."),
                 self.tr("Then choose your car here."))
        for i, (lab, text) in enumerate(zip(self.steps, texts, strict=True)):
            lab.setText(f"{i + 1}.  {text}")
        paid = bool(getattr(p, "paid", False))
        self.status.setText(self.tr("Paid. Thank you!") if paid
                            else self.tr("Waiting for your payment…") if p is not None
                            else self.tr("Preparing your payment…"))
        self.spinner.setVisible(not paid)
        self.btn_cancel.setText(self.tr("Cancel"))
        self._render_countdown()
