"""The calm, mostly static screens: verify, the three endings, refusals and errors."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from common.errors import Reason
from kiosk.journey import State
from ui.i18n import currency_name
from ui.messages import format_when, reason_message
from ui.qr_view import QrView
from ui.screens.base import Screen
from ui.widgets import CheckMark, Spinner, button, card, hbox, label, vbox


def _centre_column(screen: QWidget, icon: QWidget | None) -> QVBoxLayout:
    """A centred column (max ~900 px wide) with an optional icon on top."""
    outer = QHBoxLayout(screen)
    outer.setContentsMargins(64, 24, 64, 32)
    col = vbox(spacing=18)
    outer.addStretch(1)
    outer.addLayout(col, 8)
    outer.addStretch(1)
    col.addStretch(1)
    if icon is not None:
        col.addLayout(hbox(None, icon, None))
    return col


def _notice(screen: QWidget, icon: QWidget, title_role: str) -> tuple[Any, Any, Any]:
    """A centred notice: icon, title, lead and a small note (texts set by the screen)."""
    col = _centre_column(screen, icon)
    labels = (label(title_role, align=Qt.AlignmentFlag.AlignHCenter),
              label("lead", align=Qt.AlignmentFlag.AlignHCenter),
              label("caption", align=Qt.AlignmentFlag.AlignHCenter))
    for w in labels:
        col.addWidget(w)
    col.addStretch(2)
    return labels


class VerifyScreen(Screen):
    state = State.VERIFY

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        self.title, self.lead, self.note = _notice(self, Spinner(120), "title")
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Checking your details"))
        self.lead.setText(self.tr("We're confirming your selfie and your membership. This "
                                  "usually takes a few seconds."))
        self.note.setText(self.tr("Your car stays reserved for you meanwhile."))


class HandoverScreen(Screen):
    state = State.HANDOVER

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        root = QHBoxLayout(self)
        root.setContentsMargins(64, 24, 64, 32)
        root.setSpacing(40)
        self.bay_card = card("bay")
        bay_lay = vbox(self.bay_card, margins=(32, 32, 32, 32), spacing=4)
        self.bay_caption = label("eyebrow", align=Qt.AlignmentFlag.AlignHCenter)
        self.bay_number = label("bay_number", align=Qt.AlignmentFlag.AlignHCenter, wrap=False)
        self.bay_hint = label("caption", align=Qt.AlignmentFlag.AlignHCenter)
        bay_lay.addStretch(1)
        for w in (self.bay_caption, self.bay_number, self.bay_hint):
            bay_lay.addWidget(w)
        bay_lay.addStretch(1)
        root.addWidget(self.bay_card, 4)
        side = vbox(spacing=16)
        self.title = label("title")
        self.return_by = label("lead")
        self.steps_card = card()
        steps = vbox(self.steps_card, margins=(28, 20, 28, 20), spacing=10)
        self.steps = [label("bullet") for _ in range(3)]
        for s in self.steps:
            steps.addWidget(s)
        self.btn_done = button("btn_done", primary=True)
        self.btn_done.clicked.connect(self.kiosk.done)
        side.addStretch(1)
        side.addWidget(self.title)
        side.addWidget(self.return_by)
        side.addWidget(self.steps_card)
        side.addStretch(1)
        side.addWidget(self.btn_done)
        root.addLayout(side, 6)
        self.retranslate()

    def retranslate(self) -> None:
        auth = self.session.authorisation
        bay = getattr(auth, "delivery_bay", None)
        when = format_when(getattr(auth, "return_by", None))
        self.bay_caption.setText(self.tr("Delivery bay"))
        self.bay_number.setText(str(bay) if bay is not None else "–")
        self.bay_hint.setText(self.tr("The door is open"))
        self.title.setText(self.tr("Your car is ready. Enjoy the drive!"))
        self.return_by.setText(self.tr("Please bring it back by {when}.").format(when=when)
                               if when else self.tr("Please bring it back within three days."))
        texts = (self.tr("Walk to delivery bay {bay}. Your car is waiting with the door "
                         "open.").format(bay=bay if bay is not None else ""),
                 self.tr("Check the car over and drive off when you're ready."),
                 self.tr("To return it, drive into the bay, scan your pass here and choose "
                         "Return a car."))
        for i, (lab, text) in enumerate(zip(self.steps, texts, strict=True)):
            lab.setText(f"{i + 1}.  {text}")
        self.btn_done.setText(self.tr("Done"))


class ReturnedScreen(Screen):
    state = State.RETURNED

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        col = _centre_column(self, CheckMark("ok", 120))
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.lead = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        self.offer = label("body", align=Qt.AlignmentFlag.AlignHCenter)
        self.btn_buy_this = button("btn_buy_this", role="secondary")
        self.btn_buy_this.clicked.connect(self._buy)
        self.btn_done = button("btn_done", primary=True)
        self.btn_done.clicked.connect(self.kiosk.done)
        self.btn_done.setMinimumWidth(320)
        self.busy = Spinner(48)
        self.busy.hide()
        for w in (self.title, self.lead):
            col.addWidget(w)
        col.addSpacing(20)
        col.addWidget(self.offer)
        col.addStretch(1)
        col.addLayout(hbox(self.btn_buy_this, self.busy, None, self.btn_done))
        self.buy_error: Any = None
        # An order that fails here leaves the journey on this screen (it has
        # ended: no error screen follows), so the kiosk's alert is the only
        # answer: without it the button stayed grey with a spinner, and the
        # tap seemed to do nothing.
        bridge.alert.connect(self.on_alert)
        self.retranslate()

    def enter(self) -> None:
        self.busy.hide()
        self.buy_error = None
        self.btn_buy_this.setEnabled(True)
        super().enter()

    def _buy(self) -> None:
        self.btn_buy_this.setEnabled(False)
        self.buy_error = None
        self.busy.show()
        self.retranslate()
        self.kiosk.buy_after_return()

    def on_alert(self, err: Any) -> None:
        if self.kiosk.journey.state is not State.RETURNED or not self.busy.isVisible():
            return
        self.buy_error = err
        self.busy.hide()
        self.btn_buy_this.setEnabled(True)  # the member may try again, or Done
        self.retranslate()

    def retranslate(self) -> None:
        model = self.session.model
        self.title.setText(self.tr("Thank you! Your car is back"))
        self.lead.setText(self.tr("It's stored safely in the tower and your test drive is "
                                  "closed."))
        if self.buy_error is not None:
            msg = reason_message(getattr(self.buy_error, "reason", Reason.INTERNAL),
                                 dict(getattr(self.buy_error, "context", {}) or {}))
            self.offer.setText(f"{msg.body} {msg.next_step}".strip())
        elif model:
            self.offer.setText(self.tr("Loved the {model}? You can order it now and finish in "
                                       "the app.").format(model=self.model_display(model)))
        else:
            self.offer.setText(self.tr("Loved it? You can order this car now and finish in the "
                                       "app."))
        self.btn_buy_this.setText(self.tr("Buy this car"))
        self.btn_done.setText(self.tr("Done"))


class OrderedScreen(Screen):
    state = State.ORDERED

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        root = QHBoxLayout(self)
        root.setContentsMargins(80, 24, 80, 32)
        root.setSpacing(56)
        self.qr = QrView(360)
        qr_col = vbox(spacing=12)
        qr_col.addStretch(1)
        qr_col.addWidget(self.qr)
        self.order_ref = label("caption", align=Qt.AlignmentFlag.AlignHCenter)
        qr_col.addWidget(self.order_ref)
        qr_col.addStretch(1)
        root.addLayout(qr_col)
        side = vbox(spacing=16)
        self.title = label("title")
        self.lead = label("lead")
        self.steps = [label("bullet") for _ in range(3)]
        self.btn_done = button("btn_done", primary=True)
        self.btn_done.clicked.connect(self.kiosk.done)
        side.addStretch(1)
        side.addWidget(self.title)
        side.addWidget(self.lead)
        for s in self.steps:
            side.addWidget(s)
        side.addStretch(1)
        side.addWidget(self.btn_done)
        root.addLayout(side, 1)
        self.retranslate()

    def enter(self) -> None:
        self.qr.set_text(str(getattr(self.session.order, "url", "") or ""))
        super().enter()

    def leave(self) -> None:
        self.qr.set_text("")

    def retranslate(self) -> None:
        order = self.session.order
        ref = getattr(order, "order_id", None)
        self.order_ref.setText(self.tr("Order {ref}").format(ref=ref) if ref else "")
        self.title.setText(self.tr("Your order has started"))
        self.lead.setText(self.tr("Finish it on your phone. Nothing is charged until you "
                                  "confirm in the app."))
        texts = (self.tr("Open your phone's camera and point it at this code."),
                 self.tr("Tap the link to open your order in the app."),
                 self.tr("Choose payment and delivery, then confirm."))
        for i, (lab, text) in enumerate(zip(self.steps, texts, strict=True)):
            lab.setText(f"{i + 1}.  {text}")
        self.btn_done.setText(self.tr("Done"))


class _ReasonScreen(Screen):
    """A reason code's message: title, what it means, what happens next, Done.

    Subclasses give the caption and button texts themselves so each keeps its
    own translation context."""

    default_reason: Reason | None = None

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        col = _centre_column(self, CheckMark("info", 112))
        self.title = label("title", align=Qt.AlignmentFlag.AlignHCenter)
        self.body = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        self.next_card = card()
        nxt = vbox(self.next_card, margins=(28, 20, 28, 20), spacing=6)
        self.next_caption = label("eyebrow")
        self.next_step = label("body")
        nxt.addWidget(self.next_caption)
        nxt.addWidget(self.next_step)
        self.btn_done = button("btn_done", primary=True)
        self.btn_done.clicked.connect(self.kiosk.done)
        self.btn_done.setMinimumWidth(320)
        # The next steps a refusal at the scan offers (kiosk.next_steps).
        self.step_buttons = {
            "pay": button("btn_paid_drive", role="secondary"),
            "return": button("btn_return_instead", role="secondary"),
            "buy": button("btn_buy_instead", role="secondary")}
        for name, intent in (("pay", "pay_for_drive"), ("return", "return_instead"),
                             ("buy", "buy_instead")):
            btn = self.step_buttons[name]
            btn.clicked.connect(lambda _=False, i=intent: getattr(self.kiosk, i)())
            btn.hide()
        col.addWidget(self.title)
        col.addWidget(self.body)
        col.addSpacing(8)
        col.addWidget(self.next_card)
        col.addStretch(1)
        col.addLayout(hbox(None, *self.step_buttons.values(), self.btn_done, None))
        self.retranslate()

    def caption_text(self) -> str:
        raise NotImplementedError

    def done_text(self) -> str:
        raise NotImplementedError

    def step_texts(self) -> dict[str, str]:
        return {}

    def retranslate(self) -> None:
        reason = self.session.refusal or self.default_reason
        msg = reason_message(reason, self.session.refusal_context)
        self.title.setText(msg.title)
        self.body.setText(msg.body)
        self.next_caption.setText(self.caption_text())
        self.next_step.setText(msg.next_step)
        self.btn_done.setText(self.done_text())
        steps = {getattr(s, "value", s) for s in getattr(self.kiosk, "next_steps", tuple)()}
        texts = self.step_texts()
        for name, btn in self.step_buttons.items():
            btn.setVisible(name in steps)
            btn.setText(texts.get(name, ""))


class RefusedScreen(_ReasonScreen):
    state = State.REFUSED

    def caption_text(self) -> str:
        return self.tr("What you can do")

    def done_text(self) -> str:
        return self.tr("Done")

    def step_texts(self) -> dict[str, str]:
        ctx = self.session.refusal_context
        return {"pay": self.tr("Pay {amount} {currency}").format(
                    amount=ctx.get("paid_drive_fee", ""),
                    currency=currency_name(ctx.get("currency", ""))),
                "return": self.tr("Return my car"),
                "buy": self.tr("Buy a car")}


class ErrorScreen(_ReasonScreen):
    state = State.ERROR
    default_reason = Reason.INTERNAL

    def caption_text(self) -> str:
        return self.tr("What happens next")

    def done_text(self) -> str:
        return self.tr("Done")


class OutOfServiceScreen(Screen):
    state = State.OUT_OF_SERVICE

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        self.title, self.lead, self.note = _notice(self, CheckMark("info", 120), "hero")
        # Health and the operator's hold come and go while this shows.
        bridge.health.connect(self._on_health)
        self.retranslate()

    def _on_health(self, _snap: Any) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Temporarily unavailable"))
        if getattr(self.kiosk, "operator_out_of_service", False):
            # Staff at the kiosk learn that the hold is not theirs to lift here.
            self.lead.setText(self.tr("Taken out of service by the operations centre"))
        else:
            self.lead.setText(self.tr("This kiosk is taking a short break while we fix "
                                      "something. Please try again a little later."))
        self.note.setText(self.tr("If you need help now, please ask a member of staff."))

