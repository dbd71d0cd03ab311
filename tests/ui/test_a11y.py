"""Accessibility (issue #15): Read aloud on every member screen speaks that
screen's own texts in the member's language; large text + high contrast and
low reach are one touch each and a session reset puts them back."""

from __future__ import annotations

import re
import threading

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QLabel

from drivers.speech import EspeakSpeaker, Speaker, SpeechStatus
from kiosk.journey import State
from tests.ui.fakes import make_rig
from ui.a11y import ALL_MODE_SETS, STANDARD, A11yMode, A11yModes, apply_modes
from ui.a11y_chrome import REACH_TOP_FRACTION
from ui.a11y_fit import is_clipped, text_widgets
from ui.a11y_speech import ReadState
from ui.a11y_style import BLACK, contrast, large_text_qss, map_colour
from ui.resources import assets_dir
from ui.widgets import MIN_TARGET_PX

MEMBER_STATES = [s for s in State if s is not State.STAFF]
CJK = re.compile(r"[\u4e00-\u9fff]")


class RecordingSpeaker(Speaker):
    """Records what it is asked to say (the UI's only fake: no audio here)."""

    engine = "recording"

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.stops = 0

    def speak(self, text: str, language: str) -> None:
        self.said.append((text, language))

    def stop(self) -> None:
        self.stops += 1


def _record(rig) -> RecordingSpeaker:
    fake = RecordingSpeaker()
    rig.window.a11y_chrome.reader.speaker = fake
    return fake


def _press_read_aloud(rig, fake: RecordingSpeaker) -> tuple[str, str]:
    before = len(fake.said)
    rig.button("btn_read_aloud").click()
    rig.wait(lambda: len(fake.said) > before)
    rig.wait(lambda: rig.window.a11y_chrome.reader.state is ReadState.IDLE)
    return fake.said[-1]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("state", MEMBER_STATES, ids=lambda s: s.value)
def test_every_member_screen_reads_its_own_instructions(qtbot, state, language):
    rig = make_rig(qtbot, language=language)
    try:
        rig.reach(state)
        rig.wait_state(state)
        fake = _record(rig)
        btn = rig.button("btn_read_aloud")
        assert min(btn.width(), btn.height()) >= MIN_TARGET_PX
        text, spoken_in = _press_read_aloud(rig, fake)
        assert spoken_in == language
        assert text.strip()
        # The screen's own texts, as shown now (already in the member's language).
        screen = rig.window.current_screen
        shown = [" ".join(w.text().split()) for w in screen.findChildren(QLabel)
                 if w.isVisible() and w.text().strip()]
        assert shown and all(s in text for s in shown)
        if language == "zh_CN":
            assert CJK.search(text), text
        else:
            assert not CJK.search(text), text
    finally:
        rig.close()


def test_read_aloud_again_interrupts_and_a_screen_change_silences(rig):
    fake = _record(rig)
    _press_read_aloud(rig, fake)
    stops = fake.stops
    _press_read_aloud(rig, fake)
    assert fake.stops > stops  # the earlier utterance was cut off first
    stops = fake.stops
    rig.to_scan()
    assert fake.stops > stops


def test_pressing_read_aloud_while_it_speaks_stops_it(rig):
    release = threading.Event()

    class Slow(RecordingSpeaker):
        def speak(self, text: str, language: str) -> None:
            super().speak(text, language)
            release.wait(30)

        def stop(self) -> None:
            super().stop()
            release.set()

    fake = Slow()
    rig.window.a11y_chrome.reader.speaker = fake
    reader = rig.window.a11y_chrome.reader
    rig.button("btn_read_aloud").click()
    rig.wait(lambda: fake.said and reader.state is ReadState.SPEAKING)
    assert rig.button("btn_read_aloud").isChecked()
    rig.button("btn_read_aloud").click()
    assert reader.state is ReadState.IDLE and release.is_set()


def test_a_missing_engine_says_so_on_screen(rig, tmp_path):
    chrome = rig.window.a11y_chrome
    chrome.reader.speaker = EspeakSpeaker(str(tmp_path / "no-espeak-ng"))
    rig.button("btn_read_aloud").click()
    rig.wait(lambda: chrome.notice.isVisible())
    assert chrome.reader.problem_status is SpeechStatus.MISSING
    assert "no speech engine" in chrome.notice.text()
    # ... in the member's language too, and gone for the next member.
    rig.button("btn_lang_zh").click()
    rig.wait(lambda: CJK.search(chrome.notice.text()) is not None)
    rig.to_scan()
    rig.button("btn_cancel").click()
    rig.wait_state(State.ATTRACT)
    assert not chrome.notice.isVisible() and chrome.reader.state is ReadState.IDLE


def test_mode_sets_are_typed_and_named():
    assert len(set(ALL_MODE_SETS)) == 4 and STANDARD in ALL_MODE_SETS
    for modes in ALL_MODE_SETS:
        assert A11yModes.from_name(modes.name) == modes
    assert A11yModes().toggled(A11yMode.LOW_REACH) == A11yModes(low_reach=True)


@pytest.mark.parametrize("name", ["big", "large_text+tiny", ""])
def test_an_unknown_mode_name_is_refused_clearly(name):
    with pytest.raises(ValueError, match="unknown accessibility mode"):
        A11yModes.from_name(name)


def test_toggles_turn_the_modes_on_and_a_cancel_resets_them_and_language(rig):
    fake = _record(rig)
    w = rig.window
    rig.to_scan()
    rig.button("btn_lang_zh").click()
    rig.button("btn_large_text").click()
    rig.button("btn_low_reach").click()
    assert w.a11y.modes == A11yModes(large_text=True, low_reach=True)
    assert w.styleSheet() and w.a11y_chrome.reach_panel.isVisible()
    assert w.header.y() > w.stack.y()  # the bar and language switch went down with it
    stops = fake.stops
    rig.button("btn_cancel").click()
    rig.wait_state(State.ATTRACT)
    assert w.a11y.modes == STANDARD and w.styleSheet() == ""
    assert w.header.y() == 0 and w.a11y_chrome.bar.parentWidget() is w.header
    assert not w.a11y_chrome.reach_panel.isVisible()
    assert w.languages.language == "en"
    assert fake.stops > stops


def test_an_idle_timeout_resets_the_modes(rig):
    rig.to_scan()
    apply_modes(rig.window, A11yModes(large_text=True))
    rig.clock.advance(rig.kiosk.services.config.journey.scan_idle_s + 1)
    rig.kiosk.tick()
    rig.wait_state(State.ATTRACT)
    assert rig.window.a11y.modes == STANDARD


def test_large_text_is_at_least_1_4_times_and_7_to_1():
    theme = (assets_dir() / "theme.qss").read_text(encoding="utf-8")
    big = large_text_qss(theme)
    before = [int(x) for x in re.findall(r"font-size:\s*(\d+)px", theme)]
    after = [int(x) for x in re.findall(r"font-size:\s*(\d+)px", big)]
    for a, b in zip(before, after, strict=False):
        if a < 36:  # reading text (headings are large already)
            assert b >= round(a * 1.4)
        assert b >= a
    for colour in set(re.findall(r"#[0-9A-Fa-f]{6}\b", theme)):
        text = map_colour("color", colour)
        fill = map_colour("background", colour)
        # Every text colour on the mode's black, every fill under its text.
        assert contrast(text, BLACK) >= 7 or text == BLACK
        assert contrast(fill, BLACK) >= 7 or fill == BLACK


@pytest.mark.parametrize("state", [State.ATTRACT, State.SCAN, State.CHOOSE, State.SELFIE,
                                   State.PAYMENT, State.OUT_OF_SERVICE], ids=lambda s: s.value)
def test_large_text_grows_the_text_and_fits_what_would_clip(rig, state):
    rig.reach(state)
    rig.wait_state(state)
    screen = rig.window.current_screen
    labels = text_widgets(screen)  # labels, buttons and the Choose tiles
    before = {id(w): w.fontInfo().pixelSize() for w in labels}
    apply_modes(rig.window, A11yModes(large_text=True))
    ratio = {id(w): w.fontInfo().pixelSize() / before[id(w)] for w in labels}
    assert [w.text() for w in labels if is_clipped(w)] == []
    for w in labels:
        # Reading text never smaller than the standard look; headings >= 3/4.
        assert ratio[id(w)] >= (0.75 if before[id(w)] >= 36 else 1.0), w.text()
    assert max(ratio.values()) >= 1.2  # the screen did get larger text
    if state is State.OUT_OF_SERVICE:  # room enough: every reading text at 1.4x
        assert all(ratio[id(w)] >= 1.39 for w in labels if before[id(w)] < 36)
    apply_modes(rig.window, STANDARD)
    assert {id(w): w.fontInfo().pixelSize() for w in labels} == before


@pytest.mark.parametrize("state", [State.ATTRACT, State.SCAN, State.CHOOSE, State.SELFIE,
                                   State.REFUSED, State.HANDOVER],
                         ids=lambda s: s.value)
def test_low_reach_puts_every_control_in_the_lower_part(rig, state):
    rig.reach(state)
    rig.wait_state(state)
    w = rig.window
    apply_modes(w, A11yModes(low_reach=True))
    line = int(w.height() * REACH_TOP_FRACTION)
    controls = [b for b in w.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()]
    high = [(b.objectName(), b.mapTo(w, QPoint(0, 0)).y()) for b in controls
            if b.mapTo(w, QPoint(0, 0)).y() < line]
    assert controls and high == []
    # The bar and the language switch are among them, every one a full target.
    names = {b.objectName() for b in controls}
    assert {"btn_read_aloud", "btn_large_text", "btn_low_reach", "btn_lang_zh"} <= names
    for b in controls:
        if b.objectName().startswith(("btn_read", "btn_large", "btn_low", "btn_lang")):
            assert min(b.width(), b.height()) >= MIN_TARGET_PX


def test_chinese_reading_pauses_with_chinese_full_stops(rig_zh):
    rig_zh.to_scan()
    text = rig_zh.window.a11y_chrome.current_text()
    assert "按钮：取消" in text and "." not in text.replace("20 ", "")


def test_the_still_there_prompt_is_what_is_read_while_it_is_up(rig):
    rig.to_scan()
    rig.window.overlay.show_countdown(12)
    text = rig.window.a11y_chrome.current_text()
    assert "Still there?" in text and "I'm still here" in text
    assert "Scan your member pass" not in text


def test_staff_screens_have_no_accessibility_bar(rig):
    from kiosk.journey import Event

    rig.fire(Event.STAFF_ENTER)
    rig.wait_state(State.STAFF)
    assert not rig.window.a11y_chrome.bar.isVisible()


def test_a_tap_puts_the_notice_away(rig, tmp_path):
    from PySide6.QtCore import Qt

    chrome = rig.window.a11y_chrome
    chrome.reader.speaker = EspeakSpeaker(str(tmp_path / "no-espeak-ng"))
    rig.button("btn_read_aloud").click()
    rig.wait(lambda: chrome.notice.isVisible())
    rig.qtbot.mouseClick(chrome.notice, Qt.MouseButton.LeftButton)
    assert not chrome.notice.isVisible()


def test_switching_language_stops_the_reading(rig):
    fake = _record(rig)
    stops = fake.stops
    rig.button("btn_lang_zh").click()
    rig.wait(lambda: fake.stops > stops)  # the language change arrives as an event


@pytest.mark.parametrize("modes", [A11yModes(low_reach=True),
                                   A11yModes(large_text=True, low_reach=True)],
                         ids=lambda m: m.name)
def test_the_still_there_button_is_within_low_reach(rig, modes):
    rig.to_scan()
    w = rig.window
    apply_modes(w, modes)
    w.overlay.show_countdown(12)
    btn = rig.button("btn_still_here")
    assert btn.mapTo(w, QPoint(0, 0)).y() >= int(w.height() * REACH_TOP_FRACTION)


def test_low_reach_never_leaves_the_window_taller_than_the_standard_look(rig):
    w = rig.window
    apply_modes(w, A11yModes(low_reach=True))
    rig.to_handover()  # through Scan, Choose, Selfie, Verify, Dispatch: each pushed its own way
    assert w.height() <= w.a11y_chrome._base_height
    assert w.header.y() + w.header.height() == w.height()  # the bottom row is on the glass
