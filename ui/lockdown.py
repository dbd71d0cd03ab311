"""A field kiosk around its window: lockdown, no screen blanking, first screen,
background warm-up and the systemd watchdog.

``run_app`` (``kiosk run``) starts a ``FieldRuntime``; tests and the autopilot
use ``create_app`` alone and get none of this.

Lockdown (kiosk mode only) is an application-wide event filter:

- close events on the window are ignored (Alt+F4 and the window manager's
  close button arrive as close events), and so are the keys that close or
  switch away when the app can see them (Escape, Ctrl+Q/W, Alt+F4, F11,
  Alt+Tab, Alt+Esc, Alt+Space, Ctrl+Esc, the Super/Meta key);
- leaving full screen (minimise, un-maximise) is undone at once, and the
  window raises itself again when another window takes the focus.

Shortcuts the window manager or X server act on before any app sees them
(Alt+Tab in most WMs, Ctrl+Alt+F1..F12, Ctrl+Alt+Backspace) must be switched
off in the session itself: ``deploy/README.md`` says how. Only the staff
path exits: ``request_exit(window)`` (or ``window.request_exit()``), which
ends ``kiosk run`` with ``STAFF_EXIT_CODE`` so the service manager does not
restart it. In windowed (development) mode nothing is filtered and Ctrl+Q /
Ctrl+W close the window.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.watchdog import Notifier, ping_interval_s

log = logging.getLogger(__name__)

# Exit status of a deliberate staff exit; the systemd unit lists it in
# RestartPreventExitStatus= so the kiosk stays down for maintenance.
STAFF_EXIT_CODE = 64
# Benchmarks and the bundle check: print a marker when the first screen is
# painted, then quit (bench/startup.py).
EXIT_AFTER_FIRST_SCREEN_ENV = "KIOSK_EXIT_AFTER_FIRST_SCREEN"
FIRST_SCREEN_MARKER = "KIOSK_FIRST_SCREEN"
WARM_UP_LANE = "vision"
SIGNAL_PUMP_MS = 250

_K = Qt.Key
_CTRL = Qt.KeyboardModifier.ControlModifier
_ALT = Qt.KeyboardModifier.AltModifier
_META = Qt.KeyboardModifier.MetaModifier
# Keys blocked whatever the modifiers.
_ALWAYS = frozenset({_K.Key_Escape, _K.Key_F11, _K.Key_Meta, _K.Key_Super_L, _K.Key_Super_R,
                     _K.Key_Menu, _K.Key_Close, _K.Key_Launch0, _K.Key_Standby,
                     _K.Key_Sleep, _K.Key_PowerOff, _K.Key_Suspend, _K.Key_Hibernate})
# (key, modifier that must be held).
_WITH = frozenset({(_K.Key_F4, _ALT), (_K.Key_Tab, _ALT), (_K.Key_Backtab, _ALT),
                   (_K.Key_Space, _ALT), (_K.Key_Q, _CTRL), (_K.Key_W, _CTRL),
                   (_K.Key_F4, _CTRL), (_K.Key_Tab, _META), (_K.Key_D, _META),
                   (_K.Key_L, _META), (_K.Key_Tab, _CTRL)})
_KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride)


def is_blocked_key(key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """True for a key that would close the kiosk or switch away from it."""
    try:
        k = _K(key)
    except ValueError:
        return False
    if k in _ALWAYS:
        return True
    return any(k == key_ and modifiers & mod for key_, mod in _WITH)


def _sequence_blocked(seq: QKeySequence) -> bool:
    for i in range(seq.count()):
        combo = seq[i]
        if is_blocked_key(combo.key(), combo.keyboardModifiers()):
            return True
    return False


class KioskLock(QObject):
    """The event filter; a child of the window, so it goes when the window goes."""

    def __init__(self, window: QWidget, kiosk_mode: bool) -> None:
        super().__init__(window)
        self.window = window
        self.kiosk_mode = kiosk_mode
        self.exit_allowed = False
        self.blocked: list[str] = []  # what was refused, for tests and the staff log
        QApplication.instance().installEventFilter(self)

    def allow_exit(self) -> None:
        """The staff path: from now on closing the window is honoured."""
        self.exit_allowed = True

    def request_exit(self, code: int = STAFF_EXIT_CODE) -> None:
        """Leave the kiosk (staff only): ``kiosk run`` returns ``code``."""
        log.warning("kiosk exit requested by staff (exit status %d)", code)
        self.allow_exit()
        # exit() alone, not close(): quit-on-last-window would reset the status to 0.
        QCoreApplication.exit(code)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _ours(self, obj: QObject) -> bool:
        return isinstance(obj, QWidget) and obj.window() is self.window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if not self.kiosk_mode or self.exit_allowed:
            if (kind == QEvent.Type.KeyPress and not self.kiosk_mode and self._ours(obj)
                    and self._dev_close(event)):
                return True
            return False
        if kind == QEvent.Type.Close and obj is self.window:
            event.ignore()
            self.blocked.append("close")
            log.info("lockdown: a close request was ignored")
            return True
        if kind in _KEY_EVENTS and isinstance(event, QKeyEvent):
            if is_blocked_key(event.key(), event.modifiers()):
                if kind == QEvent.Type.ShortcutOverride:
                    # Accepted: no QShortcut/QAction fires; the key press that
                    # follows is then eaten here too.
                    event.accept()
                elif kind == QEvent.Type.KeyPress:
                    self.blocked.append(QKeySequence(event.keyCombination()).toString())
                return True
            return False
        if kind == QEvent.Type.Shortcut and _sequence_blocked(event.key()):
            return True
        if kind == QEvent.Type.WindowStateChange and obj is self.window:
            if not self.window.isFullScreen():
                QTimer.singleShot(0, self._restore)
            return False
        if kind == QEvent.Type.WindowDeactivate and obj is self.window:
            QTimer.singleShot(0, self._raise)
        return False

    def _dev_close(self, event: QEvent) -> bool:
        if (isinstance(event, QKeyEvent) and event.modifiers() & _CTRL
                and event.key() in (_K.Key_Q, _K.Key_W)):
            QTimer.singleShot(0, self.window.close)
            return True
        return False

    def _restore(self) -> None:
        if not self.exit_allowed and not self.window.isFullScreen():
            log.info("lockdown: back to full screen")
            self.window.showFullScreen()

    def _raise(self) -> None:
        if not self.exit_allowed and self.window.isVisible():
            self.window.raise_()
            self.window.activateWindow()


def install(window: QWidget, kiosk_mode: bool) -> KioskLock:
    """Lock ``window`` down (kiosk mode) and give it ``allow_exit``/``request_exit``."""
    lock = KioskLock(window, kiosk_mode)
    window.lockdown = lock  # type: ignore[attr-defined]
    for name in ("allow_exit", "request_exit"):
        if not hasattr(window, name):
            setattr(window, name, getattr(lock, name))
    return lock


def request_exit(window: QWidget, code: int = STAFF_EXIT_CODE) -> None:
    """What the staff screen's exit button calls, locked down or not."""
    lock = getattr(window.window(), "lockdown", None)
    if isinstance(lock, KioskLock):
        lock.request_exit(code)
    else:
        QCoreApplication.exit(code)


# -- screen blanking ------------------------------------------------------------


class BlankInhibitor:
    """Keeps the display awake while the kiosk runs, by every means available.

    - X11 (``xcb``): ``xset s off s noblank -dpms`` for the X server's own
      screen saver and DPMS; undone on stop (``s on +dpms``).
    - A desktop session (GNOME, KDE, Xfce...): ``org.freedesktop.ScreenSaver``
      ``Inhibit`` over the session D-Bus; released on stop or when we exit.
    - Wayland kiosk compositors (cage, weston): configured in the compositor
      (``deploy/README.md``); nothing to do from inside.
    """

    def __init__(self, runner: Any = subprocess.run) -> None:
        self._run = runner
        self.methods: list[str] = []
        self._cookie: int | None = None
        self._iface: Any = None

    def start(self, platform: str | None = None) -> list[str]:
        platform = platform or QGuiApplication.platformName()
        if platform in ("offscreen", "minimal"):
            return self.methods
        if platform == "xcb" and os.environ.get("DISPLAY") and shutil.which("xset"):
            if self._xset("s", "off", "s", "noblank", "-dpms"):
                self.methods.append("xset")
        if self._dbus_inhibit():
            self.methods.append("dbus-screensaver")
        log.info("screen blanking inhibited via %s", ", ".join(self.methods) or "nothing "
                 "(configure the session/compositor, see deploy/README.md)")
        return self.methods

    def stop(self) -> None:
        if "xset" in self.methods:
            self._xset("s", "on", "+dpms")
        if self._cookie is not None and self._iface is not None:
            self._iface.call("UnInhibit", self._cookie)
            self._cookie = None
        self.methods.clear()

    def _xset(self, *args: str) -> bool:
        try:
            done = self._run(["xset", *args], capture_output=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("xset %s failed: %s", " ".join(args), exc)
            return False
        return getattr(done, "returncode", 1) == 0

    def _dbus_inhibit(self) -> bool:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return False
        try:
            from PySide6.QtDBus import QDBusConnection, QDBusInterface
        except ImportError:
            return False
        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        iface = QDBusInterface("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                               "org.freedesktop.ScreenSaver", bus)
        if not iface.isValid():
            return False
        reply = iface.call("Inhibit", "tower-kiosk", "a lobby kiosk must stay visible")
        args = reply.arguments()
        if not args:
            return False
        self._iface, self._cookie = iface, int(args[0])
        return True


# -- the runtime around kiosk run ---------------------------------------------------


def process_age_ms() -> float | None:
    """Milliseconds since this process was exec'd (Linux), for the start-up log."""
    try:
        stat = open("/proc/self/stat", encoding="ascii").read()  # noqa: SIM115
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot_s = time.clock_gettime(time.CLOCK_BOOTTIME)
        return round((boot_s - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000, 0)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class FieldRuntime(QObject):
    """Started by ``run_app`` after the window is shown; ``stop`` before teardown.

    On the first paint of the window: READY=1 to systemd, the watchdog timer
    starts (GUI thread), heavy models warm up on the ``vision`` lane, and, for
    benchmarks, the marker is printed and the app quits.
    """

    def __init__(self, app: QApplication, window: QWidget, kiosk: Any,
                 notifier: Notifier | None = None, env: dict[str, str] | None = None,
                 ping_s: float | None = None) -> None:
        super().__init__(window)
        self.app = app
        self.window = window
        self.kiosk = kiosk
        env = dict(os.environ) if env is None else env
        self.exit_after_first_screen = env.get(EXIT_AFTER_FIRST_SCREEN_ENV, "") not in ("", "0")
        self.kiosk_mode = bool(getattr(window, "kiosk_mode", False))
        self.notifier = notifier if notifier is not None else Notifier(env=env)
        self.lock = install(window, self.kiosk_mode)
        self.inhibitor = BlankInhibitor()
        self.first_screen_ms: float | None = None
        self._shown = False
        self.ping_timer = QTimer(self)
        self.ping_timer.setInterval(max(50, int((ping_s or ping_interval_s(env)) * 1000)))
        self.ping_timer.timeout.connect(self.notifier.ping)
        window.installEventFilter(self)
        self._signal_pump: QTimer | None = None
        self._old_handlers = self._handle_signals()
        if self.kiosk_mode:
            self.inhibitor.start()
        if window.isVisible():
            # Offscreen platforms may paint before we are installed; the next
            # loop turn is the earliest the screen is certainly up.
            QTimer.singleShot(0, self._first_screen)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self.window and event.type() in (QEvent.Type.Paint, QEvent.Type.Expose):
            QTimer.singleShot(0, self._first_screen)
        return False

    def _first_screen(self) -> None:
        if self._shown:
            return
        self._shown = True
        self.window.removeEventFilter(self)
        self.first_screen_ms = process_age_ms()
        log.info("first screen after %s ms", self.first_screen_ms)
        if self.exit_after_first_screen:
            print(f"{FIRST_SCREEN_MARKER} {self.first_screen_ms}", flush=True)
            QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
            return
        self.notifier.ready("attract screen up; loading models")
        if self.notifier.enabled:
            self.ping_timer.start()
        self._warm_up()

    def _warm_up(self) -> None:
        warm = getattr(getattr(self.kiosk, "services", None), "warm_up", None)
        runner = getattr(self.kiosk, "runner", None)
        if warm is None or runner is None:
            return
        t0 = time.monotonic()

        def done(_: Any) -> None:
            ms = round((time.monotonic() - t0) * 1000)
            log.info("models warmed up in %d ms", ms)
            self.notifier.status(f"ready; models loaded in {ms} ms")

        runner.run(WARM_UP_LANE, warm, done,
                   lambda err: log.warning("model warm-up failed: %s", err.reason.value))

    def _handle_signals(self) -> dict[int, Any]:
        """SIGTERM (systemctl stop, a shutdown) and SIGINT end the loop cleanly,
        so the camera, lift link and journal are closed rather than cut off.
        Python runs the handler at the next bytecode, i.e. within one UI tick."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        old = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            old[sig] = signal.signal(sig, self._on_signal)
        # Qt's loop is C++: a cheap Python timer guarantees the handler gets to run.
        self._signal_pump = QTimer(self)
        self._signal_pump.setInterval(SIGNAL_PUMP_MS)
        self._signal_pump.timeout.connect(lambda: None)
        self._signal_pump.start()
        return old

    def _on_signal(self, signum: int, _frame: Any) -> None:
        log.warning("signal %d: leaving the kiosk", signum)
        self.lock.allow_exit()
        QCoreApplication.exit(0)

    def stop(self) -> None:
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        self._old_handlers = {}
        if self._signal_pump is not None:
            self._signal_pump.stop()  # it only existed to let the handlers run
            self._signal_pump = None
        self.ping_timer.stop()
        self.notifier.stopping()
        self.notifier.close()
        self.inhibitor.stop()
        self.lock.allow_exit()
        self.lock.uninstall()

