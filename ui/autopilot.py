"""Autopilot: a whole journey with no human, offscreen, through the real parts.

The demo stack runs for real (backend, tower simulator on a pty, demo
camera). The autopilot plays the member the way a person would: it *touches*
the screen (``QTest.mouseClick`` on the buttons a member would press), holds
a phone up to the camera and performs the challenges the selfie screen asks
for. It saves one PNG per screen it passes and ends with a JSON summary.

Scenarios name who walks up and what they do; the expected outcome is part
of the scenario, so the exit code says whether the product behaved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QScrollArea, QWidget

from kiosk.journey import CANCELLABLE, Flow, State

log = logging.getLogger(__name__)

# How long a screen is left to render (and be looked at) before acting on it.
_SETTLE_MS = 700
_TIMEOUT_S = 240.0


@dataclass(frozen=True)
class Scenario:
    name: str
    expect: str  # outcome: "handover", "returned", "ordered", a reason code, "lift_fault"...
    flow: Flow = Flow.TEST_DRIVE
    member: str = "demo-ok"
    # What the member holds up to the scanner, in order: "good" is their
    # current pass; anything else is a named bad input (see _BAD_PASSES).
    passes: tuple[str, ...] = ("good",)
    face: str = "live"  # "live" or an attack kind (still_photo, tilted_photo, ...)
    sim_args: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("happy", "handover", description="a Super Member takes a test drive"),
    Scenario("bad-pass", "handover", passes=("junk", "expired", "good"),
             description="a junk QR, then an expired pass, then a good one"),
    Scenario("refused-credit", "NOT_SUPER_MEMBER", member="demo-credit",
             description="below the credit threshold; declines the paid drive"),
    Scenario("paid-drive", "handover", member="demo-credit", extra={"pay": True},
             description="below the credit threshold; pays for the drive in the app"),
    Scenario("same-model", "handover", member="demo-repeat", extra={"first_model": "Breeze"},
             description="picks the model driven 12 days ago, then another one"),
    Scenario("refused-quota", "QUOTA_EXCEEDED", member="demo-quota"),
    Scenario("refused-open-drive", "DRIVE_OPEN", member="demo-open"),
    Scenario("return", "returned", flow=Flow.RETURN, member="demo-return"),
    Scenario("buy", "ordered", flow=Flow.BUY, member="demo-buy"),
    Scenario("lift-fault", "lift_fault", sim_args=("--estop-mid-move",),
             description="E-stop while the car is moving"),
    Scenario("attack-photo", "LIVENESS_FAILED", face="still_photo",
             description="a printed photo held up to the camera"),
    Scenario("attack-replay", "LIVENESS_FAILED", face="replay",
             description="a recording that performs the wrong challenges"),
    Scenario("impostor", "FACE_MISMATCH", member="demo-face",
             description="someone else's face with this member's pass"),
    # Not a member: staff do the rounds (ui/staff/tour.py drives it).
    Scenario("staff-tour", "ok", extra={"driver": "staff"},
             description="staff PIN, every staff page, one lift move, audit, bundle, log out"),
)}

_BAD_PASSES = {
    "junk": "https://example.com/coupon?code=SUMMER",
    "other-app": "WIFI:S:Lobby;T:WPA;P:guest1234;;",
}


def _v(x: Any) -> Any:
    return getattr(x, "value", x)


def outcome_of(kiosk: Any) -> str | None:
    """The scenario outcome once the journey reached a terminal state."""
    state = kiosk.journey.state
    session = kiosk.journey.session
    if state is State.HANDOVER:
        return "handover"
    if state is State.RETURNED:
        return "returned"
    if state is State.ORDERED:
        return "ordered"
    if state is State.REFUSED:
        return session.refusal.value if session.refusal else "refused"
    if state is State.ERROR:
        reason = session.refusal.value if session.refusal else "error"
        return "lift_fault" if reason == "LIFT_FAULT" else reason
    return None


def find_button(root: QWidget, name: str) -> QAbstractButton | None:
    for btn in root.findChildren(QAbstractButton, name):
        if btn.isVisible() and btn.isEnabled():
            return btn
    return None


def touch(button: QAbstractButton) -> None:
    """A finger on the button's centre (press + release), once it is on screen:
    a member scrolls a list to what they want first (a button scrolled out
    of a list's view gets no touch)."""
    bring_into_view(button)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=button.rect().center())


def bring_into_view(widget: QWidget) -> None:
    """Scroll every list or scroll area holding ``widget`` until it shows."""
    area = widget.parentWidget()
    while area is not None:
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(widget)
        elif isinstance(area, QAbstractItemView):
            index = area.indexAt(widget.mapTo(area.viewport(), widget.rect().center()))
            if index.isValid():
                area.scrollTo(index)
        area = area.parentWidget()


class Autopilot(QObject):
    def __init__(self, scenario: Scenario, kiosk: Any, window: QWidget, stack: Any,
                 screenshots: Path | None, on_finish: Callable[[dict[str, Any]], None]) -> None:
        super().__init__(window)
        self.s = scenario
        self.kiosk = kiosk
        self.window = window
        self.stack = stack
        self.actor = stack.actor
        self.shots = screenshots
        self.on_finish = on_finish
        self.screens: list[str] = []
        self.shown: list[str] = []  # the state of the screen each shot caught
        self.t0 = time.monotonic()
        self._passes = list(scenario.passes)
        self._finished = False
        self._trace: list[tuple[Any, ...]] = []  # liveness phases/challenges as they changed
        self.live_shot: dict[str, Any] | None = None  # what the selfie-live PNG shows
        kiosk.subscribe("state", self._on_state)
        kiosk.subscribe("scan", self._on_scan)
        kiosk.subscribe("selfie", self._on_selfie)
        kiosk.subscribe("notice", self._on_notice)
        kiosk.subscribe("selfie_stage", self._on_selfie_stage)
        self._first_model: str | None = scenario.extra.get("first_model")
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(lambda: self._finish("timeout"))
        self._deadline.start(int(_TIMEOUT_S * 1000))

    # -- driving ----------------------------------------------------------------
    def begin(self) -> None:
        QTimer.singleShot(_SETTLE_MS, self._act_attract)

    def _act_attract(self) -> None:
        if self.kiosk.journey.state is not State.ATTRACT or self.kiosk.recovering:
            # Still settling after start-up (health, journal): a member waits too.
            QTimer.singleShot(200, self._act_attract)
            return
        self._shoot("attract")
        name = {Flow.TEST_DRIVE: "btn_start", Flow.RETURN: "btn_return",
                Flow.BUY: "btn_buy"}[self.s.flow]
        self._press(name)

    def _on_state(self, old: State, new: State, event: Any, session: Any) -> None:
        if self._finished:
            return
        if new is State.SCAN:
            QTimer.singleShot(_SETTLE_MS, self._act_scan)
        elif new is State.CHOOSE:
            QTimer.singleShot(_SETTLE_MS, self._act_choose)
        elif new is State.SELFIE:
            QTimer.singleShot(_SETTLE_MS, self._act_selfie)
        elif new is State.PAYMENT:
            QTimer.singleShot(_SETTLE_MS, self._act_payment)
        elif new is State.REFUSED and self.s.extra.get("pay") and session.refusal is not None \
                and session.refusal.value == "NOT_SUPER_MEMBER":
            # The member takes the paid drive the refusal offers.
            QTimer.singleShot(_SETTLE_MS, lambda: (self._shoot("refused-offer"),
                                                   self._press("btn_paid_drive")))
            return
        elif new is State.VERIFY:
            # At once: the Check can end before any timer fires (07-verify.png
            # showed the lift screen). The window switched screens first (it
            # subscribed to the state before the autopilot did).
            self._shoot(new.value)
        elif new is State.DISPATCH:
            QTimer.singleShot(_SETTLE_MS // 2, lambda st=new: self._shoot(st.value))
        elif new is State.ATTRACT and old in CANCELLABLE:
            self._finish("cancelled")
        out = outcome_of(self.kiosk)
        if out is not None:
            QTimer.singleShot(_SETTLE_MS, lambda: self._end_screen(new, out))

    def _act_scan(self) -> None:
        self._shoot("scan")
        if self.s.flow is Flow.RETURN:
            self.stack.car_arrives()  # the member parked in the delivery bay first
        self._next_pass()

    def _next_pass(self) -> None:
        if not self._passes:
            return
        kind = self._passes.pop(0)
        if kind == "good":
            text = self.stack.member_pass(self.s.member)
        elif kind == "expired":
            text = self.stack.member_pass(self.s.member, expired=True)
        else:
            text = _BAD_PASSES[kind]
        log.info("autopilot holds up a %s pass", kind)
        self.actor.show_pass(text)

    def _on_scan(self, feedback: Any) -> None:
        if feedback.status.value == "rejected" and self._passes:
            # The member reads the message, puts the phone down and tries the next one.
            # Named after what it says: each rejection is a screen of its own.
            name = f"scan-rejected-{_v(getattr(feedback, 'reason', None)) or 'unknown'}"
            QTimer.singleShot(_SETTLE_MS, lambda: (self._shoot(name),
                                                   self.actor.show_idle(), self._next_pass()))

    def _act_choose(self) -> None:
        if self.kiosk.journey.state is not State.CHOOSE:
            return  # the journey moved on (an error, a timeout) while stock loaded
        # The screen's own stock, not the core's: the core keeps the last
        # stock it saw (the attract loop names the cars), and under a slow
        # backend the member looks at "Loading" well after the last list.
        if not self.kiosk.options or getattr(self.window.screen(State.CHOOSE), "options",
                                             True) is None:
            QTimer.singleShot(200, self._act_choose)  # stock still loading
            return
        self._shoot("choose")
        session = self.kiosk.journey.session
        models = [o for o in self.kiosk.options if o.available_count > 0]
        wanted = session.model or (models[0].model if models else None)
        if self._first_model:  # the member goes for the model they drove before
            wanted, self._first_model = self._first_model, None
        btn = find_button(self.window, f"btn_model_{wanted}") if wanted else None
        if btn is not None:
            touch(btn)
        if self.s.flow is Flow.BUY:
            return
        QTimer.singleShot(_SETTLE_MS, lambda: self._pick_colour(wanted))

    def _pick_colour(self, model: str | None, tries: int = 10) -> None:
        self._shoot("choose-colour")
        in_stock = [o for o in self.kiosk.options if o.available_count > 0]
        for o in in_stock:
            if o.model == model:
                btn = find_button(self.window, f"btn_colour_{o.colour}")
                if btn is not None:
                    touch(btn)
                    return
        if tries and self.kiosk.journey.state is State.CHOOSE:
            others = [o.model for o in in_stock if o.model != model]
            if not any(o.model == model for o in in_stock) and others:
                # The model on the member's pass is out (others drove them
                # all away): a member picks one that is in.
                model = others[0]
                btn = find_button(self.window, f"btn_model_{model}")
                if btn is not None:
                    touch(btn)
            elif tries % 3 == 0 and model is not None:
                # Its colours are still not shown: the stock arrived late (a
                # slow backend) and redrew the tiles under the first tap. A
                # member taps the car again.
                btn = find_button(self.window, f"btn_model_{model}")
                if btn is not None:
                    touch(btn)
            # Or its colours are not drawn yet: look again.
            QTimer.singleShot(_SETTLE_MS, lambda: self._pick_colour(model, tries - 1))
            return
        log.warning("autopilot found no colour to pick for %s", model)

    def _on_notice(self, err: Any) -> None:
        if _v(getattr(err, "reason", None)) != "MODEL_ALREADY_DRIVEN" or self._finished:
            return
        refused = (getattr(err, "context", {}) or {}).get("model")

        def other_model() -> None:
            self._shoot("choose-MODEL_ALREADY_DRIVEN")
            models = [o.model for o in self.kiosk.options
                      if o.available_count > 0 and o.model != refused]
            btn = find_button(self.window, f"btn_model_{models[0]}") if models else None
            if btn is None:
                self._finish("no_other_model")
                return
            touch(btn)
            QTimer.singleShot(_SETTLE_MS, lambda: self._pick_colour(models[0]))

        QTimer.singleShot(_SETTLE_MS, other_model)

    def _act_payment(self) -> None:
        """The member scans the QR with the member app and pays there."""
        payment = self.kiosk.last_payment
        if payment is None:
            QTimer.singleShot(200, self._act_payment)  # still opening
            return
        self._shoot("payment")
        from sim.member_app import pay_in_app

        url, member, pid = self.stack.backend_url, self.s.member, payment.payment_id
        self.kiosk.runner.run("http", lambda: pay_in_app(url, member, pid), None,
                              lambda err: self._finish(f"payment_failed:{err.reason.value}"))

    def _act_selfie(self) -> None:
        self.live_shot = None  # one live shot per selfie (the soak runs many journeys)
        self._shoot("selfie-ready")
        self._step_in()
        self._press("btn_selfie_start")

    def _step_in(self) -> None:
        if self.s.face == "live":
            self.actor.show_member()
            return
        # The attacker does not know the challenges in advance: a replay
        # plays whatever was recorded; a photo cannot perform anything.
        asked = list(getattr(self.kiosk.liveness, "challenges", ()))
        self.actor.show_attack(self.s.face, asked)

    def _on_selfie(self, update: Any) -> None:
        key = (_v(getattr(update, "phase", None)), _v(getattr(update, "challenge", None)),
               _v(getattr(update, "guidance", None)), getattr(update, "reason", None))
        if not self._trace or self._trace[-1][1:] != key:
            self._trace.append((round(time.monotonic() - self.t0, 2), *key))
        if key[0] == "challenge" and self.live_shot is None:
            # The live selfie with its guidance, the moment the first challenge
            # shows (the screen got this update first: the window subscribed
            # before the autopilot). A shot on a timer caught "Thank you".
            self._shoot("selfie-live")
            selfie = self.window.screen(State.SELFIE)
            self.live_shot = {"challenge": key[1], "instruction": selfie.instruction.text(),
                              "guidance": selfie.guidance.text(),
                              "camera": bool(selfie.camera.isVisible())}
        if self.s.face == "live":
            self.actor.ask(getattr(update, "challenge", None))

    def _on_selfie_stage(self, stage: Any) -> None:
        if _v(stage) == "checking":
            self._shoot("selfie-checking")  # "Thank you, checking your selfie…"

    def _end_screen(self, state: State, outcome: str) -> None:
        if self._finished:
            return
        self._shoot(state.value)
        self._finish(outcome)

    # -- helpers -----------------------------------------------------------------
    def _press(self, name: str) -> None:
        btn = find_button(self.window, name)
        if btn is None:
            log.error("autopilot: no visible, enabled button %s", name)
            self._finish(f"no_button:{name}")
            return
        touch(btn)

    def _shoot(self, name: str) -> None:
        if self._finished:
            return
        self.screens.append(name)
        # What the window shows at this moment: a test holds the names to it.
        current = self.window.stack.currentWidget()
        self.shown.append(getattr(getattr(current, "state", None), "value", "?"))
        if self.shots is not None:
            path = self.shots / f"{len(self.screens):02d}-{name}.png"
            # Lay the new screen out, and nothing else: processing every event
            # here let a quick step (Check) move on, so 07-verify.png showed
            # the lift screen.
            for kind in (QEvent.Type.Polish, QEvent.Type.LayoutRequest):
                QCoreApplication.sendPostedEvents(None, kind)
            self.window.grab().save(str(path))

    def _finish(self, outcome: str) -> None:
        if self._finished:
            return
        self._finished = True
        self._deadline.stop()
        self.actor.show_idle()
        liveness = self.kiosk.journey.session.liveness or {}
        self.on_finish({"scenario": self.s.name, "outcome": outcome, "expected": self.s.expect,
                        "ok": outcome == self.s.expect, "screens": self.screens,
                        "shown": self.shown,
                        "seconds": round(time.monotonic() - self.t0, 1),
                        "liveness": liveness.get("reason") if liveness else None,
                        # How the selfie kept up (kiosk.selfie_step.SelfieStep.timing).
                        "guidance": {k: liveness.get(k) for k in (
                            "analysed_fps", "guidance_lag_ms")} if liveness else None,
                        "selfie_trace": self._trace, "live_shot": self.live_shot})
