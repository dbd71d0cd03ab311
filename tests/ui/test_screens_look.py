"""What the screens look like (issue #15): the attract loop, Choose, one Cancel,
driven through a real Kiosk on canned services."""

from __future__ import annotations

from kiosk.journey import State
from ui.car_names import colour_label


def _captions(rig, screen) -> list[str]:
    """The caption of every slide of the loop, one slide after another."""
    screen.stage.stop()  # this test turns the slides, not the loop's timer
    captions = []
    for _ in range(len(screen.stage.cars)):
        captions.append(screen.car_name.text())
        with rig.qtbot.waitSignal(screen.stage.slid, timeout=5000):
            screen.stage.next()
    return captions


def test_attract_loop_captions_every_slide_from_the_start(rig):
    screen = rig.screen(State.ATTRACT)
    stock = rig.services.backend.gate("inventory")
    stock.hold()  # the backend has not answered the stock list yet
    assert not rig.kiosk.options and "inventory" not in rig.services.backend.calls
    before = _captions(rig, screen)
    assert before == [colour_label(c) for _, c in screen.stage.cars]
    assert all(before)
    # Stock arrives (the first health check asked for it) while the loop is up.
    stock.release()
    rig.wait(lambda: bool(rig.kiosk.options))
    rig.wait(lambda: len(screen.stage.cars) == len(
        {(o.model, o.colour) for o in rig.kiosk.options if o.available_count > 0}))
    after = _captions(rig, screen)
    assert all(" · " in c for c in after), after
    assert len(set(after)) == len(after)


def test_choose_tells_the_models_apart_and_fills_the_page(rig):
    from PySide6.QtWidgets import QApplication

    from ui.screens.choose import BIG_TILE, tile_colours

    rig.to_choose()
    choose = rig.screen(State.CHOOSE)
    rig.wait(lambda: bool(choose.tiles))
    models = choose._models()
    # Each model is drawn in its own colour (where the tower has one) and body.
    shown = tile_colours(models)
    assert len(set(shown.values())) == len(models)
    assert len({choose.car_style(m) for m in models}) == len(models)
    images = [t.icon().pixmap(t.iconSize()).toImage() for t in choose.tiles.values()]
    assert all(a != b for i, a in enumerate(images) for b in images[i + 1:])
    # Three models get the larger tiles, centred in the page (its lower half was empty).
    rig.services.backend.options = [o for o in rig.services.backend.options
                                     if o.model in sorted(models)[:3]]
    rig.kiosk._load_options()
    rig.wait(lambda: len(choose.tiles) == 3)
    QApplication.processEvents()
    tiles = list(choose.tiles.values())
    assert all(t.width() == BIG_TILE.width() and t.height() >= BIG_TILE.height() for t in tiles)
    area = choose.models_area.viewport()
    middle = tiles[0].mapTo(area, tiles[0].rect().center()).y()
    assert abs(middle - area.height() / 2) <= 2


def test_one_cancel_same_size_and_place_on_every_member_screen(rig):
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractButton

    from ui.widgets import CANCEL_SIZE

    places = {}
    for state in (State.SCAN, State.CHOOSE, State.SELFIE, State.PAYMENT):
        rig.reach(state)
        cancels = [b for b in rig.window.findChildren(QAbstractButton, "btn_cancel")
                   if b.isVisible()]
        assert len(cancels) == 1, state
        btn = cancels[0]
        places[state] = QRect(btn.mapTo(rig.window, QPoint(0, 0)), btn.size())
        btn.click()
        rig.wait_state(State.ATTRACT)
    assert len(set(map(QRect.getRect, places.values()))) == 1, places
    place = next(iter(places.values()))
    assert place.size() == CANCEL_SIZE
    assert place.bottom() > rig.window.height() * 0.85  # along the bottom edge


def _finger_tap(rig, name: str) -> None:
    """One touch (touch begin and end on the window), as on the kiosk's screen."""
    from PySide6.QtGui import QInputDevice, QPointingDevice
    from PySide6.QtTest import QTest

    btn = rig.button(name)
    pos = btn.mapTo(rig.window, btn.rect().center())
    finger = QPointingDevice("kiosk-touch", 1, QInputDevice.DeviceType.TouchScreen,
                             QPointingDevice.PointerType.Finger,
                             QInputDevice.Capability.Position, 1, 0)
    QTest.touchEvent(rig.window, finger).press(0, pos).commit()
    QTest.touchEvent(rig.window, finger).release(0, pos).commit()


def test_one_tap_on_buy_this_car_orders_it(rig):
    rig.to_returned()
    _finger_tap(rig, "btn_buy_this")
    rig.wait_state(State.ORDERED)


def test_a_failed_order_after_a_return_says_so_and_can_be_tried_again(rig):
    """The tap that 'did nothing': the order failed, the journey had ended (no
    error screen), and the button stayed grey with a spinner."""
    from common.errors import Reason

    rig.to_returned()
    returned = rig.screen(State.RETURNED)
    before = returned.offer.text()
    rig.services.backend.refuse["buy"] = Reason.INTERNAL
    _finger_tap(rig, "btn_buy_this")
    rig.wait(lambda: rig.button("btn_buy_this").isEnabled() and not returned.busy.isVisible())
    assert rig.kiosk.journey.state is State.RETURNED
    assert returned.offer.text() != before and returned.offer.text()
    del rig.services.backend.refuse["buy"]
    _finger_tap(rig, "btn_buy_this")
    rig.wait_state(State.ORDERED)
