"""Fakes for UI tests: the canned services of ``ui.preview`` plus a test clock
and helpers that walk a real Kiosk through the journey in a real window."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from kiosk.app import Kiosk
from kiosk.config import parse_config
from kiosk.journey import Event, Flow, State
from kiosk.selfie_step import SelfieStage
from kiosk.tasks import TaskRunner
from tests.kiosk.fakes import FakeClock
from ui.app import create_app, make_poster
from ui.i18n import language_manager
from ui.preview import CannedServices, live_update, sample_authorisation, sample_order

WAIT_MS = 5000
GOOD_PASS = ("pass", ("towerpass:v1;...", SimpleNamespace(member_id="member-1", model=None)))


@dataclass
class Rig:
    qtbot: Any
    kiosk: Kiosk
    services: CannedServices
    window: Any
    poster: Any
    clock: FakeClock
    touches: list[float] = field(default_factory=list)

    # -- queries ---------------------------------------------------------------
    @property
    def state(self) -> State:
        return self.kiosk.journey.state

    def screen(self, state: State | None = None) -> QWidget:
        return self.window.screen(state or self.state)

    def button(self, name: str, root: QWidget | None = None) -> QAbstractButton:
        for btn in (root or self.window).findChildren(QAbstractButton, name):
            if btn.isVisible():
                return btn
        raise AssertionError(f"no visible button {name}")

    def texts(self, root: QWidget | None = None) -> str:
        from PySide6.QtWidgets import QLabel

        root = root or self.window
        parts = [w.text() for w in root.findChildren(QLabel) if w.isVisible()]
        parts += [b.text() for b in root.findChildren(QAbstractButton) if b.isVisible()]
        return "\n".join(parts)

    # -- driving ---------------------------------------------------------------
    def wait(self, cond: Any, timeout_ms: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(cond, timeout=timeout_ms)

    def wait_state(self, state: State) -> None:
        self.wait(lambda: self.state is state and self.window.current_screen is self.screen(state))

    def fire(self, event: Event, **data: Any) -> None:
        self.kiosk.journey.fire(event, self.clock(), **data)
        QApplication.processEvents()

    def push(self, result: Any) -> None:
        self.services.loops[-1].push(result)

    def to_scan(self, flow: Flow = Flow.TEST_DRIVE) -> None:
        self.kiosk.start(flow)
        self.wait_state(State.SCAN)

    def to_choose(self, flow: Flow = Flow.TEST_DRIVE) -> None:
        self.to_scan(flow)
        self.push(GOOD_PASS)
        choose = self.screen(State.CHOOSE)
        self.wait(lambda: self.state is State.CHOOSE and bool(choose.tiles))

    def to_selfie(self) -> None:
        self.to_choose()
        self.screen().tiles["btn_model_Aurora"].click()
        self.button("btn_colour_white").click()
        self.wait_state(State.SELFIE)

    def start_selfie(self) -> None:
        """Press Start and wait until the backend opened the selfie (the
        local check's loop runs from then on)."""
        self.button("btn_selfie_start").click()
        self.wait(lambda: self.kiosk.selfie_stage is SelfieStage.LIVE)

    def to_verify(self) -> None:
        self.services.backend.gate("verify").hold()
        self.to_selfie()
        self.start_selfie()
        self.push(live_update(done=True, live=True, challenge=None))
        self.services.loops[-1].push_tail()
        self.wait_state(State.VERIFY)

    def to_dispatch(self) -> None:
        self.services.lift_gate.hold()
        self.to_verify()
        self.services.backend.gate("verify").release()
        self.wait(lambda: self.state is State.DISPATCH and self.kiosk.last_progress is not None)

    def to_handover(self) -> None:
        self.to_dispatch()
        self.services.lift_gate.release()
        self.wait_state(State.HANDOVER)

    def to_returned(self) -> None:
        self.to_scan(Flow.RETURN)
        self.push(GOOD_PASS)
        self.wait_state(State.RETURNED)

    def to_ordered(self) -> None:
        self.to_returned()
        self.button("btn_buy_this").click()
        self.wait_state(State.ORDERED)

    def to_refused_at_scan(self, reason: Any = None, offer: bool = True) -> None:
        """Refused right after the scan (issue #14), a paid drive offered."""
        from types import MappingProxyType

        from common.errors import Reason
        from kiosk.next_steps import refusal_context
        from kiosk.rules_api import Eligibility, PaidDrive

        reason = reason or Reason.NOT_SUPER_MEMBER
        e = Eligibility(can_drive=False, reason=reason,
                        context=MappingProxyType({"credit_min": 700}),
                        paid_drive=PaidDrive("99.00", "CNY", 3) if offer else None)
        self.to_scan()
        self.fire(Event.REFUSED, session_id="S-demo", eligibility=e, refusal=reason,
                  refusal_context=refusal_context(e))
        self.wait_state(State.REFUSED)

    def to_payment(self) -> None:
        self.to_refused_at_scan()
        self.button("btn_paid_drive").click()
        self.wait(lambda: self.state is State.PAYMENT and self.kiosk.last_payment is not None)

    def reach(self, state: State) -> None:
        """Walk the journey to ``state`` the way the product gets there."""
        from common.errors import Reason

        if state is State.OUT_OF_SERVICE:
            self.kiosk.journey.set_service(False, self.clock())
        elif state is State.STAFF:
            self.fire(Event.STAFF_ENTER)
        elif state is State.REFUSED:
            self.to_scan()
            self.fire(Event.REFUSED, refusal=Reason.NOT_SUPER_MEMBER)
        elif state is State.ERROR:
            self.to_scan()
            self.fire(Event.FAILED, refusal=Reason.LIFT_FAULT)
        elif state is not State.ATTRACT:
            getattr(self, f"to_{state.value}")()
        self.wait_state(state)

    def close(self) -> None:
        self.window.close()
        self.services.release_all()
        self.kiosk.shutdown()
        self.poster.close()
        language_manager().set_language("en")  # the next test starts in English
        self.window.deleteLater()
        QApplication.processEvents()


def make_rig(qtbot: Any, *, language: str = "en", windowed: bool = True,
             config: dict[str, Any] | None = None) -> Rig:
    clock = FakeClock()
    services = CannedServices(parse_config(config or {}))
    poster = make_poster()
    kiosk = Kiosk(services, TaskRunner(poster), clock=clock)
    _, window = create_app(kiosk, windowed=windowed, language=language)
    rig = Rig(qtbot, kiosk, services, window, poster, clock)
    qtbot.waitExposed(window)
    return rig


__all__ = ["Rig", "make_rig", "FakeClock", "GOOD_PASS", "sample_authorisation", "sample_order",
           "Flow", "Event", "State", "SelfieStage"]
