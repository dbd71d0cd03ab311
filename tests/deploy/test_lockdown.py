"""Lockdown in kiosk mode (close and escape-type shortcuts ignored, full screen
kept, only the staff path exits) versus windowed mode (all honoured)."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from ui import lockdown
from ui.lockdown import STAFF_EXIT_CODE, BlankInhibitor, FieldRuntime, is_blocked_key

K = Qt.Key
M = Qt.KeyboardModifier
NONE = M.NoModifier
# QTest presses the modifiers as keys of their own before the combination.
_MODIFIER_KEYS = {int(k) for k in (K.Key_Shift, K.Key_Control, K.Key_Alt, K.Key_Meta)}


class KeyLog(QObject):
    """Records the key presses that reach the field (i.e. were not eaten)."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.keys: list[tuple[int, M]] = []
        target.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and event.key() not in _MODIFIER_KEYS:
            self.keys.append((event.key(), event.modifiers()))
        return False


class Rig:
    def __init__(self, qtbot, kiosk_mode: bool) -> None:
        self.window = QWidget()
        self.window.setObjectName("lockdown_test_window")
        qtbot.addWidget(self.window)
        self.field = QLineEdit(self.window)
        QVBoxLayout(self.window).addWidget(self.field)
        self.shortcut_hits = 0
        self.quit_shortcut = QShortcut(QKeySequence("Ctrl+Q"), self.window)
        self.quit_shortcut.activated.connect(self._hit)
        self.keys = KeyLog(self.field)
        self.lock = lockdown.install(self.window, kiosk_mode)
        if kiosk_mode:
            self.window.showFullScreen()
        else:
            self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.field.setFocus()

    def _hit(self) -> None:
        self.shortcut_hits += 1

    def press(self, key: K, mods: M = NONE) -> None:
        QTest.keyClick(self.field, key, mods)
        QApplication.processEvents()

    def release(self) -> None:
        self.lock.allow_exit()
        self.lock.uninstall()
        self.window.close()


@pytest.fixture
def kiosk(qtbot):
    r = Rig(qtbot, kiosk_mode=True)
    yield r
    r.release()


@pytest.fixture
def windowed(qtbot):
    r = Rig(qtbot, kiosk_mode=False)
    yield r
    r.release()


@pytest.mark.parametrize("key, mods, blocked", [
    (K.Key_Escape, NONE, True),
    (K.Key_Escape, M.ShiftModifier, True),
    (K.Key_F4, M.AltModifier, True),
    (K.Key_F4, NONE, False),
    (K.Key_F4, M.ControlModifier, True),
    (K.Key_Q, M.ControlModifier, True),
    (K.Key_Q, NONE, False),
    (K.Key_W, M.ControlModifier, True),
    (K.Key_W, M.ControlModifier | M.ShiftModifier, True),
    (K.Key_A, M.ControlModifier, False),
    (K.Key_Tab, M.AltModifier, True),
    (K.Key_Tab, NONE, False),  # focus moves between buttons: allowed
    (K.Key_Backtab, M.AltModifier | M.ShiftModifier, True),
    (K.Key_Space, M.AltModifier, True),
    (K.Key_Space, NONE, False),
    (K.Key_F11, NONE, True),
    (K.Key_Super_L, NONE, True),
    (K.Key_Meta, M.MetaModifier, True),
    (K.Key_Tab, M.MetaModifier, True),
    (K.Key_Return, NONE, False),
    (K.Key_1, NONE, False),
    (K.Key_Backspace, M.ControlModifier | M.AltModifier, False),  # X server's, see README
    (0x7FFF_FFF0, NONE, False),  # not a key Qt knows
])
def test_blocked_key_table(key, mods, blocked):
    assert is_blocked_key(int(key), mods) is blocked


def test_kiosk_mode_ignores_close_requests(kiosk):
    kiosk.window.close()
    QApplication.processEvents()
    assert kiosk.window.isVisible() and kiosk.lock.blocked == ["close"]


@pytest.mark.parametrize("key, mods", [
    (K.Key_Escape, NONE), (K.Key_F4, M.AltModifier), (K.Key_W, M.ControlModifier),
    (K.Key_F11, NONE), (K.Key_Tab, M.AltModifier),
])
def test_kiosk_mode_eats_escape_and_switching_keys(kiosk, key, mods):
    kiosk.press(key, mods)
    assert kiosk.keys.keys == []
    assert kiosk.window.isVisible() and kiosk.window.isFullScreen()


def test_kiosk_mode_disarms_the_apps_own_quit_shortcut(kiosk):
    kiosk.press(K.Key_Q, M.ControlModifier)
    assert kiosk.shortcut_hits == 0 and kiosk.window.isVisible()


def test_kiosk_mode_keeps_ordinary_typing(kiosk):
    kiosk.press(K.Key_A)
    kiosk.press(K.Key_Tab)
    assert [k for k, _ in kiosk.keys.keys][:1] == [int(K.Key_A)]
    assert kiosk.field.text() == "a"


def test_kiosk_mode_goes_back_to_full_screen(qtbot, kiosk):
    kiosk.window.showNormal()
    qtbot.waitUntil(kiosk.window.isFullScreen, timeout=5000)
    kiosk.window.showMinimized()
    qtbot.waitUntil(kiosk.window.isFullScreen, timeout=5000)


def test_windowed_mode_honours_close_and_escape(qtbot, windowed):
    windowed.press(K.Key_Escape)
    assert windowed.keys.keys == [(int(K.Key_Escape), NONE)]
    windowed.window.close()
    assert not windowed.window.isVisible() and windowed.lock.blocked == []


def test_windowed_mode_ctrl_q_is_the_apps(qtbot, windowed):
    windowed.press(K.Key_Q, M.ControlModifier)
    assert windowed.shortcut_hits == 1


def test_windowed_mode_ctrl_w_closes_the_window(qtbot):
    r = Rig(qtbot, kiosk_mode=False)
    try:
        r.press(K.Key_W, M.ControlModifier)
        qtbot.waitUntil(lambda: not r.window.isVisible(), timeout=5000)
    finally:
        r.release()


def test_staff_allow_exit_lets_the_window_close(kiosk):
    kiosk.window.allow_exit()
    kiosk.window.close()
    assert not kiosk.window.isVisible()


def _exec(qapp) -> int:
    """``qapp.exec()`` with a safety net (exit 99 after 20 s), cancelled on return.

    A net left pending fires later, in another test: ``exit()`` outside
    ``exec()`` leaves Qt's quit flag set, and every ``QEventLoop.exec()`` after
    it (``qtbot.wait``/``waitUntil``/``waitSignal``) returns at once."""
    net = QTimer()
    net.setSingleShot(True)
    net.timeout.connect(lambda: qapp.exit(99))
    net.start(20_000)
    try:
        return qapp.exec()
    finally:
        net.stop()


def test_staff_exit_ends_the_event_loop_with_the_staff_status(qapp, kiosk):
    QTimer.singleShot(0, lambda: lockdown.request_exit(kiosk.field))  # any widget inside
    assert _exec(qapp) == STAFF_EXIT_CODE
    assert kiosk.lock.exit_allowed


def test_request_exit_without_lockdown_still_exits(qapp, qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    QTimer.singleShot(0, lambda: lockdown.request_exit(w, 7))
    assert _exec(qapp) == 7


def test_field_runtime_locks_the_real_kiosk_window(qtbot):
    from tests.ui.fakes import make_rig

    rig = make_rig(qtbot, windowed=False)
    field = FieldRuntime(QApplication.instance(), rig.window, rig.kiosk, env={})
    try:
        assert rig.window.kiosk_mode and field.lock.kiosk_mode
        rig.window.close()
        QApplication.processEvents()
        assert rig.window.isVisible()
        qtbot.waitUntil(lambda: field.first_screen_ms is not None or field._shown,
                        timeout=10_000)
    finally:
        field.stop()
        rig.close()
    assert not rig.window.isVisible()


class FakeRun:
    def __init__(self, code: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.code = code

    def __call__(self, argv, **kwargs):
        self.calls.append(argv)
        return SimpleNamespace(returncode=self.code)


def test_blanking_is_switched_off_on_x11_and_back_on_at_stop(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr(lockdown.shutil, "which", lambda name: f"/usr/bin/{name}")
    run = FakeRun()
    inhibitor = BlankInhibitor(run)
    assert inhibitor.start("xcb") == ["xset"]
    inhibitor.stop()
    assert run.calls == [["xset", "s", "off", "s", "noblank", "-dpms"], ["xset", "s", "on", "+dpms"]]


def test_blanking_left_alone_offscreen_and_when_xset_fails(monkeypatch):
    run = FakeRun()
    assert BlankInhibitor(run).start("offscreen") == [] and run.calls == []
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr(lockdown.shutil, "which", lambda name: f"/usr/bin/{name}")
    failing = BlankInhibitor(FakeRun(code=1))
    assert failing.start("xcb") == []
    failing.stop()

    def boom(argv, **kwargs):
        raise subprocess.TimeoutExpired(argv, 5)

    assert BlankInhibitor(boom).start("xcb") == []
