"""Render every screen, in both languages, to PNGs for review.

    python -m ui.gallery OUTDIR [--language en|zh_CN] [--only NAME...]

Uses the canned services of ``ui.preview`` and walks a real ``Kiosk``
through each errand (test drive, return then buy, buy, refusals, errors),
so the screens show what the journey would really put on them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common.errors import Reason
from kiosk.journey import Event, Flow, State
from kiosk.selfie_step import SelfieStage

SHOTS = ("attract", "scan", "scan_seen", "scan_rejected", "still_there", "choose_models",
         "choose_colours", "selfie_ready", "selfie_opening", "selfie_live", "selfie_help",
         "selfie_checking", "verify", "dispatch",
         "handover", "dispatch_return", "returned", "ordered", "choose_buy", "refused", "payment",
         "refused_quota", "refused_locked", "error", "out_of_service",
         "out_of_service_ops", "staff_keypad", "staff_wrong_pin",
         "staff_health", "staff_lift", "staff_audit", "staff_service")
GALLERY_STAFF, GALLERY_PIN = "sam", "246813"  # ui.staff.canned.STAFF


class Tour:
    def __init__(self, window: Any, kiosk: Any, services: Any, outdir: Path, language: str,
                 only: set[str] | None = None) -> None:
        self.window, self.kiosk, self.services = window, kiosk, services
        self.outdir, self.language, self.only = outdir, language, only
        self.written: list[Path] = []

    # -- helpers ---------------------------------------------------------------
    def settle(self, cond: Callable[[], bool] = lambda: True, timeout_s: float = 10.0) -> None:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout_s
        while True:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if cond():
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"gallery: condition not met in {self.kiosk.journey.state}")
        QApplication.processEvents()

    def shot(self, name: str) -> None:
        from ui.screenshot import grab

        if self.only and name not in self.only:
            return
        self.settle()
        path = self.outdir / f"{self.language}_{name}.png"
        self.written.append(grab(self.window, path))

    def fire(self, event: Event, **data: Any) -> None:
        self.kiosk.journey.fire(event, self.kiosk.clock(), **data)
        self.settle()

    def at(self, state: State) -> Callable[[], bool]:
        return lambda: self.kiosk.journey.state is state

    def home(self) -> None:
        j = self.kiosk.journey
        if j.can(Event.CANCEL):
            self.kiosk.cancel()
        elif j.can(Event.DONE):
            self.kiosk.done()
        self.settle(self.at(State.ATTRACT))

    def push(self, result: Any) -> None:
        self.services.loops[-1].push(result)

    # -- the tour ----------------------------------------------------------------
    def run(self) -> list[Path]:
        from ui.preview import lift_progress, live_update

        w, k, s = self.window, self.kiosk, self.services
        self.shot("attract")

        k.start(Flow.TEST_DRIVE)
        self.settle(self.at(State.SCAN))
        self.shot("scan")
        self.push(("seen", "glare"))
        self.settle(lambda: w.screen(State.SCAN).feedback is not None)
        self.shot("scan_seen")
        w.bridge.prompt.emit(True, 12.0)
        self.shot("still_there")
        w.overlay.hide()
        from common.errors import PassError

        self.push(("rejected", ("old-pass", PassError("expired", reason=Reason.PASS_EXPIRED))))
        self.shot("scan_rejected")

        self.push(("pass", ("towerpass:v1;...", SimpleNamespace(member_id="demo", model=None))))
        choose = w.screen(State.CHOOSE)
        self.settle(lambda: k.journey.state is State.CHOOSE and bool(choose.tiles))
        self.shot("choose_models")
        choose.tiles["btn_model_Aurora"].click()
        self.shot("choose_colours")

        s.camera.subject = "face"
        choose.tiles["btn_colour_white"].click()
        self.settle(self.at(State.SELFIE))
        self.shot("selfie_ready")
        selfie = w.screen(State.SELFIE)
        s.backend.gate("open_selfie").hold()
        selfie.btn_selfie_start.click()
        self.settle(lambda: k.selfie_stage is SelfieStage.OPENING)
        self.shot("selfie_opening")
        s.backend.gate("open_selfie").release()
        self.settle(lambda: k.selfie_stage is SelfieStage.LIVE)
        self.push(live_update(challenge="turn_left", challenge_index=1, guidance="ok"))
        self.settle(lambda: selfie.update_ is not None)
        self.shot("selfie_live")
        selfie.btn_cant.click()
        self.shot("selfie_help")
        selfie.btn_help_back.click()

        s.backend.gate("finish_selfie").hold()
        s.backend.gate("verify").hold()
        self.push(live_update(done=True, live=True, challenge=None, challenge_index=2))
        self.settle(lambda: k.selfie_stage is SelfieStage.CHECKING)
        self.shot("selfie_checking")
        s.loops[-1].push_tail()
        s.backend.gate("finish_selfie").release()
        self.settle(self.at(State.VERIFY))
        self.shot("verify")
        s.lift_gate.hold()
        s.progress = [lift_progress(level=3, target_level=0, eta_s=84.0)]
        s.backend.gate("verify").release()
        self.settle(lambda: k.journey.state is State.DISPATCH and k.last_progress is not None)
        self.shot("dispatch")
        s.lift_gate.release()
        self.settle(self.at(State.HANDOVER))
        self.shot("handover")
        self.home()

        # Return, then buy the car just returned.
        s.camera.subject = "phone"
        s.lift_gate.hold()
        s.progress = [lift_progress(level=1, target_level=4, eta_s=35.0)]
        k.start(Flow.RETURN)
        self.settle(self.at(State.SCAN))
        self.push(("pass", ("towerpass:v1;...", SimpleNamespace(member_id="demo", model=None))))
        self.settle(lambda: k.journey.state is State.DISPATCH and k.last_progress is not None)
        self.shot("dispatch_return")
        s.lift_gate.release()
        self.settle(self.at(State.RETURNED))
        self.shot("returned")
        w.screen(State.RETURNED).btn_buy_this.click()
        self.settle(self.at(State.ORDERED))
        self.shot("ordered")
        self.home()

        k.start(Flow.BUY)
        self.settle(self.at(State.SCAN))
        self.push(("pass", ("towerpass:v1;...", SimpleNamespace(member_id="demo", model=None))))
        self.settle(lambda: k.journey.state is State.CHOOSE and bool(choose.tiles))
        self.shot("choose_buy")
        self.home()

        k.start(Flow.TEST_DRIVE)
        # Refused at the scan with a paid drive offered, which the member takes.
        from kiosk.next_steps import refusal_context
        from kiosk.rules_api import Eligibility, PaidDrive

        offer = Eligibility(False, Reason.NOT_SUPER_MEMBER, paid_drive=PaidDrive("99.00", "CNY", 1))
        self.fire(Event.REFUSED, refusal=Reason.NOT_SUPER_MEMBER, session_id="S-demo",
                  eligibility=offer, refusal_context=refusal_context(offer))
        self.shot("refused")
        k.pay_for_drive()
        payment = w.screen(State.PAYMENT)
        self.settle(lambda: payment.payment is not None)
        self.shot("payment")
        self.home()
        k.start(Flow.TEST_DRIVE)
        self.fire(Event.REFUSED, refusal=Reason.QUOTA_EXCEEDED,
                  refusal_context={"next_possible_at": "2025-07-01T09:00:00Z"})
        self.shot("refused_quota")
        self.home()
        k.start(Flow.TEST_DRIVE)
        self.fire(Event.REFUSED, refusal=Reason.IDENTITY_LOCKED,
                  refusal_context={"retry_at": "2025-07-01T09:30:00Z"})
        self.shot("refused_locked")
        self.home()
        k.start(Flow.TEST_DRIVE)
        self.fire(Event.FAILED, refusal=Reason.LIFT_FAULT)
        self.shot("error")
        self.home()

        k.journey.set_service(False, k.clock())
        self.settle()
        self.shot("out_of_service")
        self.services.backend.out_of_service = True  # the operations centre holds it too
        k.send_heartbeat()
        self.settle(lambda: k.operator_out_of_service)
        self.shot("out_of_service_ops")
        self.services.backend.out_of_service = False
        k.send_heartbeat()
        self.settle(lambda: not k.operator_out_of_service)
        k.journey.set_service(True, k.clock())
        self.settle(self.at(State.ATTRACT))
        self.staff_tour()
        return self.written

    def lockout(self) -> None:
        """A member of the tower locked out of selfies, as the heartbeat tells it."""
        import datetime as dt

        from kiosk.backend_client import LockAlert

        until = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=25)
        self.services.backend.lockouts = (LockAlert("demo-o…", until),)
        self.kiosk.send_heartbeat()
        self.settle(lambda: bool(self.kiosk.health.lockouts))

    def staff_tour(self) -> None:
        """The keypad, a wrong PIN, then every staff page with canned parts."""
        w = self.window
        staff = w.staff
        staff.request_entry()
        for ch in GALLERY_STAFF:
            staff.keypad.press_char(ch)
        staff.keypad.next()
        for digit in "135":
            staff.keypad.press(digit)
        self.shot("staff_keypad")
        for digit in "791":
            staff.keypad.press(digit)
        staff.keypad.submit()
        self.settle(lambda: not staff.keypad.checking)
        self.shot("staff_wrong_pin")
        staff.keypad.close_keypad()
        self.lockout()
        staff.console.login(GALLERY_PIN, name=GALLERY_STAFF)
        screen = staff.screen
        health = screen.page["health"]
        self.settle(lambda: self.kiosk.journey.state is State.STAFF
                    and len(health.sections) == 4)
        self.shot("staff_health")
        screen.show_page("lift")
        lift = screen.page["lift"]
        self.settle(lambda: lift.bay_map is not None and bool(lift.status.text()))
        lift.move(*lift.suggest(lift.bay_map))
        self.settle(lambda: lift.answers.count() >= 2)
        self.shot("staff_lift")
        screen.show_page("audit")
        audit = screen.page["audit"]
        audit.run_audit()
        self.settle(lambda: audit.report is not None)
        self.shot("staff_audit")
        screen.show_page("service")
        service = screen.page["service"]
        service.send_status()
        self.settle(lambda: bool(service.serial_view.toPlainText()))
        self.shot("staff_service")
        staff.console.logout()
        self.settle(self.at(State.ATTRACT))


def render(outdir: Path, language: str, only: set[str] | None = None,
           tour: Callable[..., Tour] = Tour) -> list[Path]:
    """Walk the canned kiosk through every screen in ``language``; return the PNGs.

    ``tour`` walks it (``ui.audit.walk`` passes one that measures instead)."""
    import tempfile

    from kiosk.app import Kiosk
    from kiosk.config import parse_config
    from kiosk.staff.gate import hash_pin
    from kiosk.tasks import TaskRunner
    from ui.app import create_app, make_poster
    from ui.preview import SAMPLE_OPTIONS, CannedServices
    from ui.staff.canned import equip

    poster = make_poster()
    data = tempfile.mkdtemp(prefix="kiosk-gallery-")  # the staff audit log goes here
    services = equip(CannedServices(parse_config({
        "kiosk": {"data_dir": data, "log_dir": data},
        "staff": {"pin_hash": hash_pin(GALLERY_PIN)}})))
    kiosk = Kiosk(services, TaskRunner(poster))
    kiosk.options = list(SAMPLE_OPTIONS)  # as if stock had been loaded once
    _, window = create_app(kiosk, windowed=True, language=language)
    try:
        return tour(window, kiosk, services, outdir, language, only).run()
    finally:
        import shutil

        window.close()
        services.release_all()
        kiosk.shutdown()
        poster.close()
        window.deleteLater()
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.gallery", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--language", choices=("en", "zh_CN"), action="append")
    parser.add_argument("--only", nargs="*", choices=SHOTS)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    written: list[Path] = []
    for language in args.language or ["en", "zh_CN"]:
        written += render(args.outdir, language, set(args.only) if args.only else None)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
