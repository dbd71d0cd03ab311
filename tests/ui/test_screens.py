"""Every screen renders for its state, with touch-sized targets, driven through
a real Kiosk on canned services."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton

from common.errors import Reason
from kiosk.journey import Event, Flow, State
from kiosk.selfie_step import SelfieStage
from tests.ui.fakes import GOOD_PASS
from ui.preview import live_update
from ui.widgets import MIN_TARGET_PX


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_each_state_shows_its_screen_with_large_targets(rig, state):
    rig.reach(state)
    screen = rig.window.current_screen
    assert screen.objectName() == f"screen_{state.value}" and screen.isVisible()
    buttons = [b for b in rig.window.findChildren(QAbstractButton) if b.isVisible()]
    assert buttons or state in (State.VERIFY, State.DISPATCH, State.OUT_OF_SERVICE, State.STAFF)
    small = [(b.objectName(), b.height()) for b in buttons if b.height() < MIN_TARGET_PX]
    assert not small, f"touch targets under {MIN_TARGET_PX} px: {small}"
    # Customer screens always offer the language switch.
    lang = rig.window.findChild(QAbstractButton, "btn_lang_zh")
    assert lang.isVisible() == (state is not State.STAFF)


def test_attract_touch_anywhere_starts_a_test_drive(rig):
    screen = rig.screen(State.ATTRACT)
    QTest.mouseClick(screen, Qt.MouseButton.LeftButton, pos=QPoint(20, screen.height() - 20))
    rig.wait_state(State.SCAN)
    assert rig.kiosk.journey.session.flow is Flow.TEST_DRIVE


@pytest.mark.parametrize("name, flow", [("btn_return", Flow.RETURN), ("btn_buy", Flow.BUY),
                                        ("btn_start", Flow.TEST_DRIVE)])
def test_attract_buttons_start_their_errand(rig, name, flow):
    btn = rig.button(name)
    QTest.mouseClick(btn, Qt.MouseButton.LeftButton, pos=btn.rect().center())
    rig.wait_state(State.SCAN)
    assert rig.kiosk.journey.session.flow is flow


def test_step_indicator_follows_the_flow(rig):
    rig.to_choose()
    steps = rig.window.header.steps
    assert steps.index == 1 and len(steps.labels) == 6
    rig.button("btn_cancel").click()
    rig.wait_state(State.ATTRACT)
    assert rig.window.header.steps.labels == []
    rig.to_scan(Flow.RETURN)
    assert rig.window.header.steps.labels == ["Scan pass", "Store car", "Done"]


def test_out_of_stock_colours_are_shown_greyed_and_disabled(rig):
    rig.to_choose()
    rig.screen().tiles["btn_model_Aurora"].click()
    red = rig.button("btn_colour_red")
    assert not red.isEnabled() and "Not in stock" in red.text()
    assert rig.button("btn_colour_white").isEnabled()
    QTest.mouseClick(red, Qt.MouseButton.LeftButton, pos=red.rect().center())
    QTest.qWait(50)
    assert "reserve" not in rig.services.backend.calls and rig.state is State.CHOOSE
    # A model with nothing in stock is shown too, disabled.
    rig.button("btn_back").click()
    assert not rig.button("btn_model_Dune").isEnabled()


def test_pass_preselected_model_skips_to_colours(rig):
    rig.services.backend.preselected_model = "Comet"
    rig.to_choose()
    screen = rig.screen()
    assert screen.model == "Comet" and "btn_colour_red" in screen.tiles
    assert "Comet" in screen.title.text()


def test_buy_flow_picks_a_model_only(rig):
    rig.to_choose(Flow.BUY)
    rig.button("btn_model_Breeze").click()
    rig.wait_state(State.ORDERED)
    assert rig.services.backend.calls.count("buy") == 1


def test_car_taken_meanwhile_shows_a_notice_and_fresh_stock(rig):
    rig.to_choose()
    rig.screen().tiles["btn_model_Aurora"].click()
    rig.services.backend.refuse["reserve"] = Reason.CAR_UNAVAILABLE
    rig.button("btn_colour_white").click()
    screen = rig.screen(State.CHOOSE)
    rig.wait(lambda: screen.notice.isVisible())
    assert "just taken" in screen.notice.text() and not screen.busy
    assert rig.state is State.CHOOSE


def test_scan_feedback_in_plain_words_and_rejections_stay_readable(rig):
    from common.errors import PassError

    rig.to_scan()
    screen = rig.screen()
    rig.push(("seen", "glare"))
    rig.wait(lambda: "reflections" in screen.status_text.text())
    rig.push(("rejected", ("t", PassError("x", reason=Reason.PASS_EXPIRED))))
    rig.wait(lambda: "expired" in screen.status_text.text())
    rig.push(("nothing", None))  # the camera keeps looking: the message stays
    QTest.qWait(50)
    assert "expired" in screen.status_text.text()
    assert rig.state is State.SCAN and rig.services.loops[-1].running
    assert screen.camera.running


def test_selfie_get_ready_then_live_challenge_then_help(rig):
    rig.to_selfie()
    screen = rig.screen()
    assert screen.pages.currentWidget() is screen.ready and not screen.camera.running
    rig.start_selfie()
    assert screen.pages.currentWidget() is screen.live and screen.camera.running
    rig.push(live_update(challenge="blink", challenge_index=1, challenges_total=3,
                         guidance="too_dark", time_left_s=3.0))
    rig.wait(lambda: screen.instruction.text() == "Blink your eyes")
    assert "light" in screen.guidance.text() and screen.dots.index == 1
    assert "score" not in rig.texts().lower()
    rig.button("btn_cant").click()
    assert "staff" in screen.help_body.text()
    rig.button("btn_help_back").click()
    assert screen.pages.currentWidget() is screen.live


def test_dispatch_shows_level_door_and_eta_from_lift_enums(rig):
    from ui.preview import lift_progress

    rig.services.progress = [lift_progress(level=4, target_level=0, eta_s=75.0)]
    rig.to_dispatch()
    screen = rig.screen()
    assert screen.level_text.text() == "Level 4"
    assert screen.route_text.text() == "Coming down to the street"
    assert screen.door_label.text() == "Door closed"
    assert screen.eta_text.text().startswith("About 1 min")
    assert screen.tower.target == 4 and screen.tower.destination == 0
    screen.on_progress(lift_progress(level=0, target_level=3, eta_s=20.0))
    assert screen.level_text.text() == "At street level"
    assert screen.route_text.text() == "Heading to level 3"
    # A controller that tells its height: "x of y", and the drawing's rows
    # are the storage levels plus the street.
    screen.on_progress(lift_progress(level=2, target_level=3, eta_s=9.0, levels=7))
    assert screen.level_text.text() == "Level 2 of 7"
    assert screen.tower.levels == 8


def test_handover_shows_bay_and_local_return_deadline(rig):
    rig.to_handover()
    screen = rig.screen()
    assert screen.bay_number.text() == "2"
    assert "Jun" in screen.return_by.text()
    rig.button("btn_done").click()
    rig.wait_state(State.ATTRACT)


def test_returned_offers_buying_the_car(rig):
    rig.to_returned()
    assert "Aurora" in rig.screen().offer.text()
    rig.button("btn_buy_this").click()
    rig.wait_state(State.ORDERED)


def test_order_qr_carries_the_order_url(rig):
    import numpy as np
    import zxingcpp

    rig.to_ordered()
    qr = rig.screen().qr
    img = qr.grab().toImage().convertToFormat(qr.grab().toImage().Format.Format_Grayscale8)
    arr = np.array(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
    found = zxingcpp.read_barcodes(arr[:, : img.width()].copy())
    assert [r.text for r in found] == ["https://tower.example/orders/O-20250610-0042"]


def test_refused_and_error_screens_explain_calmly(rig):
    rig.to_scan()
    rig.fire(Event.REFUSED, refusal=Reason.NOT_SUPER_MEMBER)
    text = rig.texts(rig.screen())
    assert "Test drives are for Super Members (credit score 700 or more)." in text
    rig.button("btn_done").click()
    rig.to_scan()
    rig.fire(Event.FAILED, refusal=Reason.LIFT_FAULT)
    assert "Staff have been alerted" in rig.texts(rig.screen())


OPS_HOLD = "Taken out of service by the operations centre"


def test_out_of_service_names_the_operations_centre_when_it_holds_the_kiosk(rig):
    """An operator's hold (the ops console, heard with the heartbeat) is
    named on the screen, also when the kiosk was out already for a part."""
    rig.reach(State.OUT_OF_SERVICE)  # a part down: the general words
    assert "taking a short break" in rig.texts(rig.screen()) and OPS_HOLD not in rig.texts()
    rig.services.backend.out_of_service = True
    rig.kiosk.send_heartbeat()
    rig.wait(lambda: OPS_HOLD in rig.texts(rig.screen()))
    assert "taking a short break" not in rig.texts(rig.screen())
    rig.services.backend.out_of_service = False
    rig.kiosk.send_heartbeat()
    rig.wait(lambda: not rig.kiosk.operator_out_of_service)
    rig.kiosk.journey.set_service(True, rig.clock())
    rig.wait_state(State.ATTRACT)
    rig.services.backend.out_of_service = True  # from Attract: straight to the named hold
    rig.kiosk.send_heartbeat()
    rig.wait_state(State.OUT_OF_SERVICE)
    assert OPS_HOLD in rig.texts(rig.screen())


def test_the_operations_centre_s_hold_in_chinese(rig_zh):
    rig_zh.services.backend.out_of_service = True
    rig_zh.kiosk.send_heartbeat()
    rig_zh.wait_state(State.OUT_OF_SERVICE)
    assert "已由运营中心暂停服务" in rig_zh.texts(rig_zh.screen())


def test_every_press_anywhere_keeps_the_member_alive(rig, monkeypatch):
    rig.to_scan()
    seen = []
    real = rig.kiosk.touch
    monkeypatch.setattr(rig.kiosk, "touch", lambda: (seen.append(1), real()))
    QTest.mouseClick(rig.screen().title, Qt.MouseButton.LeftButton)
    assert seen


def test_good_pass_moves_on_from_scan(rig):
    rig.to_scan()
    rig.push(GOOD_PASS)
    rig.wait_state(State.CHOOSE)


def test_challenges_wait_for_the_start_button(rig):
    rig.to_selfie()
    screen = rig.screen()
    loops = len(rig.services.loops)
    assert screen.pages.currentWidget() is screen.ready  # reading the tips
    assert len(rig.services.loops) == loops  # no check runs yet
    rig.start_selfie()
    assert screen.pages.currentWidget() is screen.live
    assert len(rig.services.loops) == loops + 1
    rig.push(live_update(challenge="nod", challenge_index=0))
    rig.wait(lambda: screen.instruction.text() == "Nod your head")


def test_selfie_says_one_moment_while_the_backend_opens_it(rig):
    rig.to_selfie()
    screen = rig.screen()
    loops = len(rig.services.loops)
    rig.services.backend.gate("open_selfie").hold()
    rig.button("btn_selfie_start").click()
    rig.wait(lambda: rig.kiosk.selfie_stage is SelfieStage.OPENING)
    assert screen.pages.currentWidget() is screen.live
    assert screen.instruction.text() == "One moment…"
    assert screen.phase_caption.text() == "Getting ready" and not screen.dots.isVisible()
    assert len(rig.services.loops) == loops  # no check before the challenges are known
    rig.services.backend.gate("open_selfie").release()
    rig.wait(lambda: len(rig.services.loops) == loops + 1)
    rig.wait(lambda: screen.instruction.text() == "Fit your face in the oval")


def test_selfie_says_checking_until_the_backends_verdict(rig):
    rig.to_selfie()
    screen = rig.screen()
    rig.start_selfie()
    rig.services.backend.gate("finish_selfie").hold()
    rig.push(live_update(done=True, live=True, challenge=None, challenge_index=2,
                         challenges_total=2))
    rig.wait(lambda: rig.kiosk.selfie_stage is SelfieStage.CHECKING)
    rig.services.loops[-1].push_tail()
    rig.wait(lambda: screen.guidance.text() == "Checking your selfie…")
    assert screen.instruction.text() == "Thank you" and rig.state is State.SELFIE
    rig.services.backend.gate("finish_selfie").release()
    rig.wait(lambda: rig.state is not State.SELFIE)
    assert "verify" in rig.services.backend.calls


def test_identity_lockout_says_when_to_come_back(rig):
    from ui.messages import format_when

    rig.to_selfie()
    rig.services.backend.refuse["open_selfie"] = Reason.IDENTITY_LOCKED
    rig.services.backend.refuse_context["open_selfie"] = {"retry_at": "2030-07-01T09:30:00Z"}
    rig.button("btn_selfie_start").click()
    rig.wait_state(State.REFUSED)
    text = rig.texts(rig.screen())
    assert "Selfie checks are paused for now" in text
    assert f"You can try again from {format_when('2030-07-01T09:30:00Z')}" in text


def test_a_returned_car_is_drawn_in_the_colour_the_member_drove(rig):
    """#15: the returned car was drawn silver; the member drove a white (here)
    Aurora, as the return job says."""
    from ui.car_names import colour_swatch

    rig.services.lift_gate.hold()
    rig.to_scan(Flow.RETURN)
    rig.push(GOOD_PASS)
    rig.wait_state(State.DISPATCH)
    try:
        assert rig.screen().tower.car_colour == colour_swatch("white")
        assert colour_swatch("white") != colour_swatch("silver")
    finally:
        rig.services.lift_gate.release()
    rig.wait_state(State.RETURNED)
