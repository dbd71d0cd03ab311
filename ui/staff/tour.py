"""The ``staff-tour`` autopilot scenario: a member of staff does the rounds.

Through the real demo parts and by touch only: the hidden corner press, the
demo staff name and PIN on the keypad (an online login: the backend checks the
PIN and its session lets the move and the maintenance change the books), Health (with a self-test), Lift (HOME, then one move
from a storage bay with a car to a free one, confirmed, which the backend
records first), Audit (the two bays that move changed agree with the
backend; the new one goes into maintenance),
Service (log, serial console, a diagnostics bundle to a temporary folder),
then Log out. The summary lists the screens; the outcome is ``"ok"`` only if
every step did what it should.
"""

from __future__ import annotations

import logging
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest

from kiosk.journey import State
from ui.autopilot import _SETTLE_MS, Autopilot, find_button, touch

log = logging.getLogger(__name__)

POLL_MS = 100
STEP_TIMEOUT_S = 90.0  # the self-test loads the face models: the slowest step


class StaffTour(Autopilot):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = self.window.staff
        self.facts: dict[str, Any] = {}
        deliver = self.on_finish

        def finish(summary: dict[str, Any]) -> None:
            summary = {k: v for k, v in summary.items()
                       if k not in ("liveness", "selfie_trace", "outcome")}
            deliver({**summary, **self.facts, "outcome": self._outcome})

        self.on_finish = finish
        self._outcome = ""

    # The member-journey reactions of the base class do not apply here.
    def _on_state(self, *args: Any) -> None:
        pass

    def _on_scan(self, *args: Any) -> None:
        pass

    def _on_selfie(self, *args: Any) -> None:
        pass

    def _finish(self, outcome: str) -> None:
        self._outcome = outcome
        super()._finish(outcome)

    # -- plumbing ---------------------------------------------------------------------
    def _when(self, cond: Callable[[], Any], then: Callable[[], None], what: str,
              timeout_s: float = STEP_TIMEOUT_S) -> None:
        """Run ``then`` once ``cond()`` holds (polled on the event loop)."""
        deadline = time.monotonic() + timeout_s

        def poll() -> None:
            if self._finished:
                return
            try:
                ok = cond()
            except Exception:  # noqa: BLE001 - a broken check ends the tour, not the app
                log.exception("staff tour check failed: %s", what)
                ok = False
            if ok:
                QTimer.singleShot(_SETTLE_MS // 2, lambda: self._step(then, what))
            elif time.monotonic() > deadline:
                self._finish(f"timeout:{what}")
            else:
                QTimer.singleShot(POLL_MS, poll)

        poll()

    def _step(self, then: Callable[[], None], what: str) -> None:
        try:
            then()
        except Exception:  # noqa: BLE001 - a broken step ends the tour at once, not at the deadline
            log.exception("staff tour step after %s failed", what)
            self._finish(f"error_after:{what}")

    def _page(self, name: str) -> Any:
        return self.staff.screen.page[name]  # built when staff mode is first shown

    def _health_loaded(self) -> bool:
        health = self.staff.screen.page.get("health")
        return (self.kiosk.journey.state is State.STAFF and health is not None
                and {"backend", "lift"} <= set(health.sections))

    def _tap(self, name: str) -> bool:
        btn = find_button(self.window, name)
        if btn is None:
            self._finish(f"no_button:{name}")
            return False
        touch(btn)
        return True

    # -- the rounds --------------------------------------------------------------------
    def begin(self) -> None:
        self._when(lambda: self.kiosk.journey.state is State.ATTRACT
                   and not getattr(self.kiosk, "recovering", False), self._corner, "start-up")

    # Every step below runs on the event loop, after the condition it waited for.

    def _corner(self) -> None:
        self._shoot("attract")
        target = self.window.childAt(QPoint(10, 10)) or self.window
        self._corner_target = (target, target.mapFrom(self.window, QPoint(10, 10)))
        QTest.mousePress(target, Qt.MouseButton.LeftButton, pos=self._corner_target[1])
        self._when(lambda: self.staff.keypad.isVisible(), self._keypad, "keypad")

    def _keypad(self) -> None:
        from sim.demo import DEMO_STAFF_NAME, DEMO_STAFF_PIN
        from ui.staff.namepad import key_name

        target, pos = self._corner_target
        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, pos=pos)
        for ch in DEMO_STAFF_NAME:
            self._tap(key_name(ch))
        self._tap("staff_name_next")
        for digit in DEMO_STAFF_PIN[:2]:
            self._tap(f"staff_key_{digit}")
        self._shoot("staff-keypad")
        for digit in DEMO_STAFF_PIN[2:]:
            self._tap(f"staff_key_{digit}")
        self._tap("staff_key_ok")
        self._when(self._health_loaded, self._health, "login")

    def _health(self) -> None:
        self._shoot("staff-health")
        health = self._page("health")
        self._tap("staff_btn_selftest")
        self._when(lambda: self.staff.console.last_self_test is not None
                   and health.btn_selftest.isEnabled(), self._self_test, "self-test")

    def _self_test(self) -> None:
        result = self.staff.console.last_self_test or {}
        self.facts["self_test_ok"] = bool(result.get("ok"))
        self._shoot("staff-selftest")
        self._tap("staff_tab_lift")
        lift = self._page("lift")
        self._when(lambda: lift.bay_map is not None and lift.pick_from.count() > 0, self._home,
                   "bay map")

    def _home(self) -> None:
        lift = self._page("lift")
        self._tap("staff_btn_home")
        self._when(lambda: lift.answers.count() >= 1, self._move, "home")

    def _move(self) -> None:
        lift = self._page("lift")
        src, dst = lift.suggest(lift.bay_map)
        if src is None or dst is None:
            self._finish("no_bays_to_move")
            return
        lift._select(lift.pick_from, src)
        lift._select(lift.pick_to, dst)
        self.facts["moved"] = {"from_bay": src, "to_bay": dst}
        self._tap("staff_btn_move")
        self._when(lambda: self.staff.screen.confirm.isVisible(), self._confirm_move, "confirm")

    def _confirm_move(self) -> None:
        self._shoot("staff-lift-confirm")
        lift = self._page("lift")
        self._results = len(lift.answers_final())
        self._tap("staff_btn_confirm")
        self._when(lambda: len(lift.answers_final()) > self._results, self._moved, "move")

    def _moved(self) -> None:
        lift = self._page("lift")
        last = lift.answers_final()[-1]
        self.facts["move_answer"] = last.answer
        self._shoot("staff-lift")
        if not last.ok:
            self._finish("move_failed")
            return
        if not last.answer.endswith("backend updated"):
            self._finish("move_not_recorded")
            return
        self._tap("staff_tab_audit")
        self._tap("staff_btn_audit")
        audit = self._page("audit")
        self._when(lambda: audit.report is not None, self._audited, "audit")

    def _audited(self) -> None:
        audit = self._page("audit")
        found = {r.bay: r.mismatch for r in audit.report.mismatches}
        self.facts["audit_mismatches"] = found
        moved = self.facts["moved"]
        if moved["from_bay"] in found or moved["to_bay"] in found:
            # The backend recorded the move: its books and the sensors agree.
            self._finish("audit_out_of_step")
            return
        self._shoot("staff-audit")
        self._tap(f"staff_maint_{moved['to_bay']}")
        self._when(lambda: audit.answers.count() >= 1, self._service, "maintenance")

    def _service(self) -> None:
        self._tap("staff_tab_service")
        service = self._page("service")
        self._tap("staff_btn_serial_status")
        self._when(lambda: "STATUS:" in service.serial_view.toPlainText(), self._export,
                   "serial console")

    def _export(self) -> None:
        service = self._page("service")
        folder = Path(self.stack.workdir) / "usb-stick"  # removed with the demo stack
        service.export_dir.setText(str(folder))
        self._tap("staff_btn_export")
        self._when(lambda: service.btn_export.isEnabled(), self._exported, "export")

    def _exported(self) -> None:
        folder = Path(self.stack.workdir) / "usb-stick"
        bundles = sorted(folder.glob("kiosk-diagnostics-*.zip"))
        if not bundles:
            self._finish("no_bundle")
            return
        with zipfile.ZipFile(bundles[-1]) as z:
            self.facts["bundle"] = sorted(z.namelist())
        self._shoot("staff-service")
        self._tap("staff_btn_logout")
        self._when(lambda: self.kiosk.journey.state is State.ATTRACT, self._done, "logout")

    def _done(self) -> None:
        self._shoot("attract-after")
        self._finish("ok")
