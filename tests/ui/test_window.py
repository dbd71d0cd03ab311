"""The window around the screens: kiosk vs windowed mode, live language
switching, the "Still there?" overlay, the staff corner and the poster."""

from __future__ import annotations

import re
import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton

from kiosk.journey import State
from tests.ui.fakes import make_rig
from ui.bridge import QtPoster

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_windowed_mode_is_a_normal_1280x800_window(rig):
    w = rig.window
    assert not w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not w.isFullScreen() and (w.width(), w.height()) == (1280, 800)


def test_kiosk_mode_is_full_screen_frameless_and_on_top(qtbot):
    rig = make_rig(qtbot, windowed=False)
    try:
        flags = rig.window.windowFlags()
        assert flags & Qt.WindowType.FramelessWindowHint
        assert flags & Qt.WindowType.WindowStaysOnTopHint
        assert rig.window.isFullScreen()
    finally:
        rig.close()


def test_language_switch_retranslates_the_visible_screen_live(rig):
    rig.to_choose()
    rig.screen().tiles["btn_model_Aurora"].click()
    assert not CJK.search(rig.texts(rig.screen()))
    zh = rig.button("btn_lang_zh")
    QTest.mouseClick(zh, Qt.MouseButton.LeftButton, pos=zh.rect().center())
    # Qt posts LanguageChange to every widget: it lands on the next loop turn.
    rig.wait(lambda: "取消" in rig.texts())
    texts = rig.texts()
    assert "选择颜色" in texts and "取消" in texts and "暂无库存" in texts
    assert "极光" in rig.screen().title.text()  # the backend's Chinese model name
    assert rig.window.header.steps.labels[0] == "扫码"
    assert zh.isChecked() and not rig.button("btn_lang_en").isChecked()
    assert rig.state is State.CHOOSE  # switching language never restarts the errand
    rig.button("btn_lang_en").click()
    rig.wait(lambda: "Choose a colour" in rig.screen().title.text())
    assert not CJK.search(rig.texts(rig.screen()))


def test_the_next_person_starts_in_the_towers_language_after_cancel(rig):
    """#15: after Cancel, Chinese stayed selected for the next person."""
    rig.to_choose()
    zh = rig.button("btn_lang_zh")
    QTest.mouseClick(zh, Qt.MouseButton.LeftButton, pos=zh.rect().center())
    rig.wait(lambda: "取消" in rig.texts())
    cancel = rig.button("btn_cancel")
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton, pos=cancel.rect().center())
    rig.wait(lambda: rig.state is State.ATTRACT)
    rig.wait(lambda: rig.button("btn_lang_en").isChecked())
    assert rig.window.languages.language == "en" and not zh.isChecked()
    assert not CJK.search(rig.texts(rig.screen()))


# Words that stay as they are in Chinese: the app's name, model names, units.
_LATIN_OK = re.compile(r"App|Aurora|Breeze|Comet|Dune|QR|PIN|[0-9:./ -]")


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_every_screen_reads_in_chinese(rig_zh, state):
    rig_zh.reach(state)
    texts = rig_zh.texts(rig_zh.window.current_screen)
    assert state is State.STAFF or CJK.search(texts)
    leftover = [line for line in texts.splitlines()
                if re.search(r"[A-Za-z]{3,}", _LATIN_OK.sub("", line))]
    assert not leftover, f"untranslated on {state.value}: {leftover}"


def test_still_there_overlay_counts_down_and_i_am_still_here_dismisses_it(rig):
    rig.to_scan()
    limit = rig.kiosk.journey.timeouts.idle_s[State.SCAN]
    rig.clock.advance(limit - 10)
    rig.kiosk.tick()
    overlay = rig.window.overlay
    rig.wait(overlay.isVisible)
    assert overlay.count.text() == "10" and "10 second" in overlay.body.text()
    btn = rig.button("btn_still_here")
    assert btn.height() >= 90
    QTest.mouseClick(btn, Qt.MouseButton.LeftButton, pos=btn.rect().center())
    rig.wait(lambda: not overlay.isVisible())
    rig.clock.advance(1)  # the idle clock restarted at the touch
    rig.kiosk.tick()
    assert rig.state is State.SCAN and not overlay.isVisible()
    rig.clock.advance(limit)
    rig.kiosk.tick()
    rig.wait_state(State.ATTRACT)


def test_long_press_in_the_top_left_corner_requests_staff(qtbot):
    rig = make_rig(qtbot, config={"staff": {"corner_press_s": 0.2}})
    try:
        target = rig.window.childAt(QPoint(10, 10)) or rig.window
        pos = target.mapFrom(rig.window, QPoint(10, 10))
        with qtbot.waitSignal(rig.window.staff_requested, timeout=3000):
            QTest.mousePress(target, Qt.MouseButton.LeftButton, pos=pos)
        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, pos=pos)
        # A short tap in the corner does nothing.
        fired = []
        rig.window.staff_requested.connect(lambda: fired.append(1))
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, pos=pos)
        QTest.qWait(300)
        assert fired == [] and rig.state is State.ATTRACT
    finally:
        rig.close()


def test_poster_runs_callbacks_from_a_worker_on_the_gui_thread(qtbot):
    poster = QtPoster()
    ran_on: list[threading.Thread] = []

    def worker() -> None:
        poster(lambda: ran_on.append(threading.current_thread()))

    t = threading.Thread(target=worker, name="worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(ran_on), timeout=3000)
    assert ran_on == [threading.main_thread()]
    poster.close()
    try:
        poster(lambda: None)
    except RuntimeError:
        pass
    else:
        raise AssertionError("a closed poster must refuse posts")


def test_a_failing_callback_does_not_stop_later_ones(qtbot):
    poster = QtPoster()
    done = []
    poster(lambda: 1 / 0)
    poster(lambda: done.append(True))
    qtbot.waitUntil(lambda: done == [True], timeout=3000)
    poster.close()


def test_all_interactive_widgets_have_stable_names(rig):
    rig.to_choose()
    unnamed = [b for b in rig.window.findChildren(QAbstractButton) if not b.objectName()]
    assert not unnamed


def test_a_blocked_event_loop_is_reported_as_a_gui_stall(rig):
    """The tick timer fires late when the event loop was busy; the worst
    lateness goes to the core's figures and out with the next heartbeat."""
    import time

    from PySide6.QtCore import QTimer

    rig.kiosk.figures.take()
    rig.wait(lambda: rig.window._last_tick is not None)  # the tick is running

    def hog() -> None:
        end = time.monotonic() + 0.4
        while time.monotonic() < end:  # the stall under test: the loop is held
            pass

    QTimer.singleShot(0, hog)
    rig.wait(lambda: rig.kiosk.figures.take().get("gui_stall_ms", 0) >= 100)
