"""Issue #14's screens on a real Kiosk with canned services: the refusal's
next steps, the payment QR, a model driven recently on Choose, and the
showcase on the dispatch screen."""

from __future__ import annotations

import dataclasses

from common.errors import Reason, RefusedError
from kiosk.journey import State
from kiosk.rules_api import Eligibility, ModelFacts, RecentModel
from ui.messages import to_datetime


def test_a_refusal_at_the_scan_offers_its_next_steps(rig):
    rig.to_refused_at_scan()
    screen = rig.screen(State.REFUSED)
    assert screen.step_buttons["pay"].isVisible()
    assert screen.step_buttons["pay"].text() == "Pay 99.00 CNY"
    assert screen.step_buttons["buy"].isVisible() and not screen.step_buttons["return"].isVisible()
    assert "99.00 CNY" in screen.next_step.text()
    screen.step_buttons["buy"].click()
    rig.wait_state(State.CHOOSE)


def test_an_open_drive_offers_return(rig):
    rig.to_refused_at_scan(Reason.DRIVE_OPEN, offer=False)
    screen = rig.screen(State.REFUSED)
    assert [n for n, b in screen.step_buttons.items() if b.isVisible()] == ["return"]


def test_the_payment_screen_shows_the_qr_and_goes_on_when_paid(rig):
    rig.to_payment()
    screen = rig.screen(State.PAYMENT)
    assert screen.qr.text == "https://tower.example/member/pay/P-1"
    assert screen.amount.text() == "99.00 CNY"
    assert screen.countdown.text().startswith("Time left to pay: 2:")
    rig.services.backend.payment_state = "paid"
    rig.clock.advance(1.0)
    rig.wait_state(State.CHOOSE)


def test_cancel_on_the_payment_screen(rig):
    rig.to_payment()
    rig.button("btn_cancel").click()
    rig.wait_state(State.ATTRACT)
    rig.wait(lambda: "cancel_payment" in rig.services.backend.calls)


def test_choose_marks_a_model_driven_recently_and_offers_buy(rig):
    driven = to_datetime("2030-12-03T10:00:00Z")
    rig.to_choose()
    rig.kiosk.journey.session.eligibility = Eligibility(recent_models=(
        RecentModel("Breeze", driven, driven),))
    screen = rig.screen(State.CHOOSE)
    screen.show_models()
    assert "Driven on 3 Dec" in screen.tiles["btn_model_Breeze"].text()
    assert rig.button("btn_buy_model").text() == "Buy the Breeze"
    assert "You drove the Breeze on 3 Dec" in screen.notice.text()
    # Reserve refuses it: back to the models, with why and Buy.
    rig.kiosk._emit("notice", RefusedError("x", reason=Reason.MODEL_ALREADY_DRIVEN,
                                           model="Breeze", driven_at="2030-12-03T10:00:00Z"))
    assert screen.pages.currentWidget() is screen.models_area
    assert "Choose another model, or buy the Breeze." in screen.notice.text()
    rig.button("btn_buy_model").click()
    rig.wait_state(State.ORDERED)


def test_the_dispatch_screen_shows_the_car_while_the_lift_runs(rig):
    backend = rig.services.backend
    backend.options = [dataclasses.replace(o, facts=ModelFacts(520, 5, 6.9))
                       for o in backend.options]
    rig.to_dispatch()
    screen = rig.screen(State.DISPATCH)
    assert screen.showcase.isVisible() and screen.level_text.isVisible()
    assert "520 km range" in screen.car_facts.text()
    assert "0–100 km/h in 6.9 s" in screen.car_facts.text()
    assert screen.eta_text.isVisible()
