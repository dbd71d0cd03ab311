"""The kiosk process of the soak: one long-lived kiosk, played by touches.

Started by the supervisor (``ui.soak.supervisor``) as ``kiosk soak --worker``
with a config pointing at the supervisor's backend and simulator; it owns the
demo camera. It reads one JSON command a line on stdin (play a journey,
unplug the camera) and writes ``SOAK {json}`` lines on stdout: every journey
state (the supervisor strikes its faults on them), each outcome, and at the
end of each journey the process's RSS, threads, fds and the event loop's
latency since the previous journey.

The member is played by the autopilot's machinery (``ui.autopilot``): one
driver for the whole run, reset per journey, so the soak itself subscribes
to the kiosk once and adds nothing that grows.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kiosk.journey import TERMINAL, Event, Flow, State
from ui.autopilot import _SETTLE_MS, Autopilot, Scenario, find_button, touch

log = logging.getLogger(__name__)

PROBE_MS = 50
POLL_MS = 100
STUCK_S = 120.0

_FLOW = {"return": Flow.RETURN, "buy": Flow.BUY}
_FACE = {"attack-photo": "still_photo", "attack-replay": "replay"}
_STOP_AT = {"walk-away-scan": "scan", "walk-away-choose": "choose",
            "walk-away-selfie": "selfie", "cancel-scan": "scan", "cancel-choose": "choose",
            "cancel-selfie": "selfie", "cancel-selfie-live": "selfie-live"}


def emit(kind: str, **fields: Any) -> None:
    """One line to the supervisor (stdout is reserved for these)."""
    sys.stdout.write("SOAK " + json.dumps({"ev": kind, **fields}) + "\n")
    sys.stdout.flush()


def process_figures() -> dict[str, float]:
    """RSS (MB), native threads and open fds of this process, from /proc."""
    figures: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                figures["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("Threads:"):
                figures["threads"] = int(line.split()[1])
    figures["fds"] = len(os.listdir("/proc/self/fd"))
    return figures


class HeapWatch:
    """With ``KIOSK_SOAK_TRACEMALLOC=1``: what Python allocated between two
    journeys' ends, the biggest growths by line, to the log. A diagnostic
    (it slows the process), off by default."""

    def __init__(self) -> None:
        import tracemalloc

        self._tm = tracemalloc
        self._last: Any = None
        if os.environ.get("KIOSK_SOAK_TRACEMALLOC") == "1":
            tracemalloc.start(6)

    def journey_end(self, i: Any) -> None:
        if not self._tm.is_tracing():
            return
        snap = self._tm.take_snapshot().filter_traces(
            (self._tm.Filter(False, self._tm.__file__),))
        if self._last is not None:
            diffs = snap.compare_to(self._last, "traceback")[:6]
            for d in diffs:
                where = " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}"
                                    for f in list(d.traceback)[-4:])
                log.warning("heap after journey %s: %+.1f KB (%+d blocks) %s", i,
                            d.size_diff / 1024, d.count_diff, where)
        self._last = snap


class StallProbe(QObject):
    """A timer every 50 ms; how late it fires is how long the event loop was busy."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.late_ms: Counter[int] = Counter()
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start(PROBE_MS)

    def _tick(self) -> None:
        now = self._clock.elapsed()
        if self._last:
            self.late_ms[max(0, now - self._last - PROBE_MS)] += 1
        self._last = now

    def take(self) -> dict[str, int]:
        counts, self.late_ms = self.late_ms, Counter()
        return {str(k): v for k, v in counts.items()}


class _Passes:
    """What the autopilot asks of a stack: the pass texts the supervisor sent."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.texts: dict[str, str] = {}

    def member_pass(self, member_id: str, expired: bool = False) -> str:
        return self.texts["expired" if expired else "good"]

    def car_arrives(self) -> None:
        pass  # the supervisor parked the car before it sent the journey


# What an outcome event carries of the selfie's summary (kiosk.selfie_step):
# verdicts, reasons and timing only, never frames or measures of the face.
SELFIE_KEYS = ("local_live", "local_reason", "live", "reason", "challenges",
               "frames_analysed", "analysed_fps", "guidance_lag_ms", "frames_sent",
               "stopped")


class SoakDriver(Autopilot):
    """The autopilot, reset for each journey; adds walking away, Cancel at
    each step and staff coming and going."""

    def __init__(self, kiosk: Any, window: QWidget, actor: Any, quit_app: Callable[[], None]
                 ) -> None:
        self.stack_passes = _Passes(actor)
        super().__init__(Scenario("idle", "-"), kiosk, window, self.stack_passes, None,
                         self._outcome)
        self._finished = True  # nothing to play until the first command
        self._deadline.stop()
        self.quit_app = quit_app
        self.probe = StallProbe(self)
        self.heap = HeapWatch()
        self.cmd: dict[str, Any] = {}
        self._ended_at = 0.0

    # -- commands (GUI thread) ---------------------------------------------------
    def command(self, cmd: dict[str, Any]) -> None:
        what = cmd.get("cmd")
        if what == "journey":
            self.play(cmd)
        elif what == "camera-unplug":
            threading.Thread(target=self._unplug, args=(float(cmd.get("seconds", 3.0)),),
                             name="soak-unplug", daemon=True).start()
        elif what == "figures":
            emit("figures", **process_figures(), stalls=self.probe.take())
        elif what == "quit":
            self.quit_app()

    def play(self, cmd: dict[str, Any]) -> None:
        script = cmd["script"]
        self.cmd = cmd
        self.stack_passes.texts = dict(cmd.get("passes", {}))
        passes = ("junk", "expired", "good") if script == "bad-pass" else ("good",)
        self.s = Scenario(script, cmd["expect"], flow=_FLOW.get(script, Flow.TEST_DRIVE),
                          member=cmd.get("member", ""), passes=passes,
                          face=_FACE.get(script, "live"),
                          extra={"stop_at": _STOP_AT.get(script),
                                 "walk": script.startswith("walk-away")})
        self._passes = list(passes)
        self.screens, self._trace = [], []
        self.t0 = time.monotonic()
        self._finished = False
        self._deadline.start(int(240 * 1000))
        if script == "staff":
            self._when(self._at_attract, self._staff_corner, "attract")
        else:
            self._when(self._at_attract, self._act_attract, "attract")

    def _at_attract(self) -> bool:
        state = self.kiosk.journey.state
        if state is State.OUT_OF_SERVICE and self.kiosk.health.detail.get("lift_faults"):
            # The lift holds a fault (an E-stop, the kiosk's STOP): the kiosk
            # rightly waits out of service for staff, who come next in the plan.
            return not self.kiosk.recovering
        return state is State.ATTRACT and not self.kiosk.recovering

    def _when(self, cond: Callable[[], bool], then: Callable[[], None], what: str,
              timeout_s: float = 90.0) -> None:
        """Run ``then`` once ``cond()`` holds, polled on the event loop."""
        deadline = time.monotonic() + timeout_s

        def poll() -> None:
            if self._finished:
                return
            if cond():
                then()
            elif time.monotonic() > deadline:
                self._finish(f"waited_for:{what}")
            else:
                QTimer.singleShot(POLL_MS, poll)

        poll()

    # -- the member's steps, with walking away and Cancel ------------------------------
    def _on_state(self, old: State, new: State, event: Any, session: Any) -> None:
        emit("state", i=self.cmd.get("i"), state=new.value)
        if self._finished or self.s.name == "staff":
            return
        if new in (State.ATTRACT, State.OUT_OF_SERVICE) and event in (Event.TIMEOUT,
                                                                      Event.CANCEL):
            self._finish("idle_reset" if event is Event.TIMEOUT else "cancelled")
            return
        super()._on_state(old, new, event, session)

    def _stop_here(self, step: str) -> bool:
        """At the script's step the member walks away (does nothing) or presses Cancel."""
        if self.s.extra.get("stop_at") != step:
            return False
        if not self.s.extra.get("walk"):
            self._press("btn_cancel")
        return True

    def _act_scan(self) -> None:
        if not self._finished and not self._stop_here("scan"):
            super()._act_scan()

    def _act_choose(self) -> None:
        if not self._finished and not self._stop_here("choose"):
            super()._act_choose()

    def _act_selfie(self) -> None:
        if self._finished or self._stop_here("selfie"):
            return
        super()._act_selfie()
        if self.s.extra.get("stop_at") == "selfie-live":
            # Cancel while the challenges run: the selfie upload must stop.
            QTimer.singleShot(2000, lambda: self._finished or self._press("btn_cancel"))

    # -- staff come and go ------------------------------------------------------------
    def _staff_corner(self) -> None:
        target = self.window.childAt(QPoint(10, 10)) or self.window
        pos = target.mapFrom(self.window, QPoint(10, 10))
        QTest.mousePress(target, Qt.MouseButton.LeftButton, pos=pos)
        staff = self.window.staff
        self._when(lambda: staff.keypad.isVisible(), lambda: self._staff_login(target, pos),
                   "keypad")

    def _staff_login(self, target: QWidget, pos: QPoint) -> None:
        from sim.demo import DEMO_STAFF_NAME, DEMO_STAFF_PIN
        from ui.staff.namepad import key_name

        QTest.mouseRelease(target, Qt.MouseButton.LeftButton, pos=pos)
        keys = [key_name(ch) for ch in DEMO_STAFF_NAME] + ["staff_name_next"]
        keys += [f"staff_key_{d}" for d in DEMO_STAFF_PIN] + ["staff_key_ok"]
        for name in keys:
            btn = find_button(self.window, name)
            if btn is None:
                self._finish(f"no_button:{name}")
                return
            touch(btn)
        self._when(lambda: self.kiosk.journey.state is State.STAFF, self._staff_rounds, "login")

    def _staff_rounds(self) -> None:
        # Staff acknowledge a latched lift fault (the E-stop was released at
        # the tower) the way they would: Lift page, Acknowledge.
        tab = find_button(self.window, "staff_tab_lift")
        if tab is not None:
            touch(tab)
        QTimer.singleShot(_SETTLE_MS, self._staff_ack)

    def _staff_ack(self) -> None:
        ack = find_button(self.window, "staff_btn_ack_fault")
        if ack is not None:
            touch(ack)
        then = self._staff_audit if self.cmd.get("clear_bays") else self._staff_leave
        QTimer.singleShot(_SETTLE_MS * 2, then)

    def _staff_audit(self) -> None:
        # The engineer has put the cars of failed moves back: staff check
        # the bays against the controller (Audit) and take those that match
        # out of maintenance, so the cars are back in stock.
        tab = find_button(self.window, "staff_tab_audit")
        if tab is None:
            self._finish("no_button:staff_tab_audit")
            return
        touch(tab)
        QTimer.singleShot(_SETTLE_MS, self._staff_run_audit)

    def _staff_run_audit(self) -> None:
        run = find_button(self.window, "staff_btn_audit")
        if run is None:
            self._finish("no_button:staff_btn_audit")
            return
        page = run.parentWidget()
        while page is not None and not hasattr(page, "report"):
            page = page.parentWidget()
        if page is None:
            self._finish("no_audit_page")
            return
        page.report = None
        QTimer.singleShot(_SETTLE_MS, lambda: touch(run))
        self._when(lambda: page.report is not None, lambda: self._staff_clear(page), "audit")

    def _staff_clear(self, page: Any) -> None:
        wanted = set(self.cmd.get("clear_bays") or ())
        fixed = [r.bay for r in page.report.rows
                 if r.bay in wanted and r.maintenance and r.mismatch is None]
        emit("staff_cleared", i=self.cmd.get("i"), bays=fixed, wanted=sorted(wanted))
        asked: dict[int, str] = {}
        for bay in fixed:
            btn = find_button(self.window, f"staff_maint_{bay}")
            if btn is not None and btn.isChecked():
                asked[bay] = btn.text()
                touch(btn)
        deadline = time.monotonic() + 20.0

        def settled() -> None:
            # A switch's label changes once the backend has answered for its bay.
            busy = [b for b, text in asked.items()
                    if (btn := find_button(self.window, f"staff_maint_{b}")) is not None
                    and btn.text() == text]
            if busy and time.monotonic() < deadline:
                QTimer.singleShot(POLL_MS, settled)
            else:
                self._staff_leave()

        settled()

    def _staff_leave(self) -> None:
        if self._finished:
            return
        self._press("staff_btn_logout")
        self._when(lambda: self.kiosk.journey.state in (State.ATTRACT, State.OUT_OF_SERVICE),
                   lambda: self._finish("staff_ok"), "logout")

    # -- the end of a journey -------------------------------------------------------
    def _outcome(self, summary: dict[str, Any]) -> None:
        # The kiosk's own liveness verdict and how fast its vision kept up go
        # with the outcome: an unexpected refusal is explained from them and
        # the backend's verdict, not guessed at afterwards.
        selfie = self.kiosk.journey.session.liveness or {}
        emit("outcome", i=self.cmd.get("i"), outcome=summary.get("outcome"),
             seconds=summary.get("seconds"),
             selfie={k: selfie[k] for k in SELFIE_KEYS if k in selfie} or None)
        self._ended_at = time.monotonic()
        state = self.kiosk.journey.state
        if state in TERMINAL and self.cmd.get("done_by") != "timeout":
            QTimer.singleShot(_SETTLE_MS, lambda: (btn := find_button(self.window, "btn_done"))
                              and touch(btn))
        self._await_attract()

    def _await_attract(self) -> None:
        """Report the end once the kiosk is back at Attract (or has waited too long)."""
        waited = time.monotonic() - self._ended_at
        if self._at_attract() or waited > STUCK_S:
            self.heap.journey_end(self.cmd.get("i"))
            emit("end", i=self.cmd.get("i"), back_s=round(waited, 1),
                 stuck=not self._at_attract(), state=self.kiosk.journey.state.value,
                 **process_figures(), stalls=self.probe.take())
            return
        QTimer.singleShot(POLL_MS, self._await_attract)

    # -- the camera cable ----------------------------------------------------------
    def _unplug(self, seconds: float) -> None:
        """Yank the demo camera (its process dies), plug it back ``seconds`` later,
        once the kiosk's camera noticed (its reader released the frames first)."""
        camera = self.actor.camera
        proc = getattr(camera, "_proc", None)
        if proc is None:
            return
        os.kill(proc.pid, 9)
        t_end = time.monotonic() + seconds
        live = ("live", "starting")
        while time.monotonic() < t_end or self.kiosk.services.camera.stats().state.value in live:
            time.sleep(0.1)
            if time.monotonic() > t_end + 30:
                break
        self.actor.stop()
        self.actor.start()
        emit("camera", replugged=self.actor.wait_ready(60.0))


def run_worker(config_path: str) -> int:
    """The kiosk process: config from the supervisor, commands on stdin."""
    import contextlib

    from common import heap
    from kiosk.app import Kiosk
    from kiosk.config import parse_config
    from kiosk.tasks import TaskRunner
    from kiosk.wiring import build_services
    from sim.demo_camera import DemoActor, add_actor, remove_actor
    from ui.app import create_app, make_poster

    heap.limit_arenas()  # as `kiosk run` does, before any thread starts
    with open(config_path, encoding="utf-8") as f:
        config = parse_config(json.load(f), env={})
    # Closed in reverse: the window and the kiosk, the services, the camera.
    with contextlib.ExitStack() as closing:
        actor = DemoActor(seed=0).start()
        closing.callback(actor.stop)
        add_actor("default", actor)
        closing.callback(remove_actor, "default")
        actor.wait_ready(90.0)
        services = closing.enter_context(build_services(config))
        runner = TaskRunner(make_poster())
        kiosk = Kiosk(services, runner)
        closing.callback(kiosk.shutdown)
        app, window = create_app(kiosk, windowed=True, language="en")
        closing.callback(window.close)
        closing.callback(window.shutdown)
        kiosk.start_up()
        kiosk.warm_up()
        driver = SoakDriver(kiosk, window, actor, app.quit)
        on_command = runner.posted(driver.command)

        def read_commands() -> None:
            for line in sys.stdin:
                if line.strip():
                    on_command(json.loads(line))
            on_command({"cmd": "quit"})  # the supervisor has gone

        threading.Thread(target=read_commands, name="soak-commands", daemon=True).start()

        def ready() -> None:
            # Up once at Attract with the journal reconciled (after a kill too).
            if driver._at_attract():
                emit("ready", **process_figures(), stalls=driver.probe.take())
            else:
                QTimer.singleShot(POLL_MS, ready)

        ready()
        app.exec()
    return 0
