"""Qt adapters for the Qt-free core.

``QtPoster`` is the poster the ``TaskRunner`` needs: a callable that is safe to
call from any thread and runs the callback on the GUI thread (a queued
signal). ``KioskBridge`` turns the Kiosk's plain callbacks into Qt signals so
screens connect to them like to any widget signal and are disconnected
automatically when they are deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class QtPoster(QObject):
    """``poster(callback)``: run ``callback`` on the thread owning this object.

    Create it on the GUI thread. After ``close()`` (or once the C++ object is
    gone) a post raises ``RuntimeError``, which the TaskRunner treats as "the
    GUI has gone, drop the callback".
    """

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, callback: Callable[[], None]) -> None:
        if self._closed:
            raise RuntimeError("the GUI poster is closed")
        self._posted.emit(callback)

    def close(self) -> None:
        self._closed = True

    @Slot(object)
    def _run(self, callback: Callable[[], None]) -> None:
        if self._closed:
            return
        try:
            callback()
        except Exception:  # noqa: BLE001 - one bad callback must not kill the event loop
            log.exception("posted callback %r failed", callback)


class KioskBridge(QObject):
    """The Kiosk's callbacks as Qt signals (all arrive on the GUI thread)."""

    state_changed = Signal(object, object, object, object)  # old, new, event, session
    prompt = Signal(bool, float)  # visible, seconds_left
    scan = Signal(object)  # ScanFeedback
    options = Signal(object)  # list of car options
    selfie = Signal(object)  # LivenessUpdate
    selfie_stage = Signal(object)  # kiosk.selfie_step.SelfieStage
    progress = Signal(object)  # lift Progress
    health = Signal(object)  # HealthSnapshot
    alert = Signal(object)  # KioskError for staff
    notice = Signal(object)  # KioskError the member should read (e.g. car just taken)
    payment = Signal(object)  # kiosk.rules_api.Payment as last seen (a paid drive)

    def __init__(self, kiosk: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        self._alive = True
        kiosk.subscribe("state", self._relay(self.state_changed))
        kiosk.subscribe("prompt", self._relay(self.prompt))
        for name in ("scan", "options", "selfie", "selfie_stage", "progress", "health", "alert",
                     "notice", "payment"):
            kiosk.subscribe(name, self._relay(getattr(self, name)))

    def _relay(self, signal: Any) -> Callable[..., None]:
        # The Kiosk outlives no window in the product, but in tests a kiosk
        # may keep firing after its window was deleted: stay silent then.
        def relay(*args: Any) -> None:
            if not self._alive:
                return
            try:
                signal.emit(*args)
            except RuntimeError:  # the C++ side is already deleted
                self._alive = False
        return relay

    def detach(self) -> None:
        """Stop relaying (the window is closing)."""
        self._alive = False
