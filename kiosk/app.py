"""The kiosk core: the journey plus the parts that do the work, without Qt.

Screens are views. They read ``kiosk.journey`` and the latest updates,
subscribe to the callbacks below and call the intent methods (``start``,
``choose``, ``cancel``...). Every blocking step goes through the
``TaskRunner``; its callbacks land on the GUI thread, which is the only
thread that touches the journey.

Callbacks (all on the GUI thread):
- ``on_state(old, new, event, session)``  journey moved
- ``on_prompt(visible, seconds_left)``    "Still there?"
- ``on_scan(ScanFeedback)``               scan screen feedback
- ``on_options(list[CarOption])``         what can be chosen
- ``on_selfie(update)``                   liveness progress (LivenessUpdate)
- ``on_selfie_stage(SelfieStage)``        opening, live, checking (kiosk.selfie_step)
- ``on_progress(progress)``               lift progress during dispatch
- ``on_payment(Payment)``                 a paid drive's payment as last seen (kiosk.next_steps)
- ``on_health(HealthSnapshot)``           parts up/down
- ``on_alert(KioskError)``                a staff alert (also logged)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from common import heap
from common.errors import KioskError, Reason, RefusedError
from kiosk.figures import KioskFigures
from kiosk.journey import Event, Flow, Journey, State
from kiosk.kiosk_health import HealthMixin
from kiosk.next_steps import NextStepsMixin
from kiosk.reports import HealthSnapshot, ScanFeedback, ScanStatus
from kiosk.scan_step import ScanMixin
from kiosk.selfie_step import SelfieStage, SelfieStep
from kiosk.services import Services
from kiosk.tasks import HTTP_LANE, TaskRunner, call_quietly

log = logging.getLogger(__name__)

__all__ = ["HealthSnapshot", "Kiosk", "ScanFeedback", "ScanStatus", "SelfieStage"]

class Kiosk(ScanMixin, HealthMixin, NextStepsMixin):
    def __init__(self, services: Services, runner: TaskRunner,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.services = services
        self.runner = runner
        self.clock = clock
        cfg = services.config
        self.journey = Journey(services.timeouts(), now=clock())
        self.health = HealthSnapshot()
        self.figures = KioskFigures()  # sent with each heartbeat (the UI adds the GUI stall)
        self.options: list[Any] = []
        self.last_scan: ScanFeedback | None = None
        self.last_selfie: Any = None
        self.selfie_stage = SelfieStage.READY
        self.last_progress: Any = None
        self.alerts: list[KioskError] = []
        self.manual_out_of_service = False
        self.recovering = False  # settling unfinished lift jobs after a restart
        self._retry_reconcile = False
        self._bad_probes = 0
        self._listeners: dict[str, list[Callable[..., None]]] = {}
        self._loop: Any = None  # the scan's running LatestFrameLoop, if any
        self._selfie: SelfieStep | None = None
        self._rejected: dict[str, float] = {}
        self._next_health = 0.0
        self._health_inflight = False
        self._health_every_s = cfg.backend.health_poll_s
        self._heartbeat_every_s = cfg.backend.heartbeat_s
        self._next_heartbeat = 0.0
        runner.set_presenter(self._present_error)
        on_camera_state = getattr(services.camera, "on_state", None)
        if on_camera_state is not None:
            self._unsubscribe_camera = on_camera_state(runner.posted(self._camera_state))
        self.journey.subscribe(self._on_journey)
        self.journey.subscribe_prompt(lambda v, s: self._emit("prompt", v, s))

    # -- subscriptions -------------------------------------------------
    def subscribe(self, name: str, callback: Callable[..., None]) -> None:
        if name == "state":
            self.journey.subscribe(callback)
            return
        self._listeners.setdefault(name, []).append(callback)

    def _emit(self, name: str, *args: Any) -> None:
        for cb in list(self._listeners.get(name, ())):
            call_quietly(cb, *args)

    # -- intents from the screens -------------------------------------
    def touch(self) -> None:
        self.journey.touch(self.clock())

    def start(self, flow: Flow = Flow.TEST_DRIVE) -> None:
        event = {Flow.TEST_DRIVE: Event.START, Flow.RETURN: Event.START_RETURN,
                 Flow.BUY: Event.START_BUY}[flow]
        self._fire(event)

    def cancel(self) -> None:
        self._fire(Event.CANCEL)

    def done(self) -> None:
        self._fire(Event.DONE)

    def choose(self, model: str, colour: str | None = None) -> None:
        """Member picked a car (test drive) or a model (buy)."""
        s = self.journey.session
        if self.journey.state is not State.CHOOSE:
            return
        s.model, s.colour = model, colour
        backend = self.services.backend
        if s.flow is Flow.BUY:
            self.runner.run(HTTP_LANE, lambda: backend.buy(s.session_id, model),
                            lambda order: self._fire(Event.ORDERED, order=order),
                            self._refuse_or_fail)
            return
        self.runner.run(HTTP_LANE, lambda: backend.reserve(s.session_id, model, colour or ""),
                        lambda res: self._fire(Event.CAR_RESERVED, reservation=res),
                        self._choose_failed)

    def buy_after_return(self) -> None:
        s = self.journey.session
        if self.journey.state is not State.RETURNED:
            return
        model = s.model or ""
        self.runner.run(HTTP_LANE, lambda: self.services.backend.buy(s.session_id, model),
                        lambda order: self._fire(Event.BUY, order=order),
                        self._present_error)

    # -- time ------------------------------------------------------------
    def tick(self) -> None:
        """Called a few times a second by the UI (or a test loop)."""
        now = self.clock()
        self.journey.tick(now)
        self._tick_payment(now)
        if now >= self._next_health and not self._health_inflight:
            self._next_health = now + self._health_every_s
            self.check_health()
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + self._heartbeat_every_s
            self.send_heartbeat()

    def start_up(self) -> None:
        """First health check, then settle any lift job a crash left unfinished.

        Until the dispatch journal is reconciled (the car of an interrupted job
        has arrived, or its failure is reported) the kiosk stays out of service:
        no new customer before the last one's car is accounted for."""
        self.check_health()
        reconcile = getattr(self.services, "reconcile", None)
        if reconcile is None:
            return
        self.recovering = True
        self._apply_service()
        self.runner.run("lift", reconcile, self._reconciled, self._reconcile_failed)

    def _reconciled(self, outcomes: list[Any]) -> None:
        if any(getattr(o, "reported", True) is False for o in outcomes):
            self._retry_reconcile = True  # the backend still has to be told: next health check
        for outcome in outcomes:
            log.info("recovered lift job %s: %s", getattr(outcome, "job_id", "?"),
                     getattr(outcome, "outcome", outcome))
            if not getattr(outcome, "ok", True):
                self._alert(KioskError("a lift job interrupted by a restart failed",
                                       reason=Reason.LIFT_FAULT,
                                       job_id=getattr(outcome, "job_id", None)))
        self.recovering = False
        self._apply_service()

    def _reconcile_failed(self, err: KioskError) -> None:
        # The lift could not be reached to settle the journal: stay out of
        # service and try again at the next health check.
        self._alert(err)
        self.runner.run("lift", self.services.reconcile, self._reconciled,
                        self._reconcile_retry_later)

    def _reconcile_retry_later(self, err: KioskError) -> None:
        log.warning("journal reconcile still failing: %s", err.reason.value)
        self._retry_reconcile = True

    def warm_up(self) -> None:
        """Load the heavy models in the background (after the first screen is up)."""
        warm = getattr(self.services, "warm_up", None)
        if warm is not None:
            self.runner.run("vision", warm, None,
                            lambda err: log.warning("model warm-up failed: %s", err.to_dict()))

    def _camera_state(self, old: Any, new: Any) -> None:
        """A camera that stalls or fails is a staff alert; the screens say so too."""
        value = getattr(new, "value", str(new))
        self.health.camera_ok = value in ("live", "starting")
        self._emit("camera", new)
        if value in ("stalled", "failed"):
            reason = Reason.CAMERA_STALLED if value == "stalled" else Reason.CAMERA_UNAVAILABLE
            self._alert(KioskError(f"camera {value}", reason=reason, was=str(old)))

    # -- journey plumbing ------------------------------------------------
    def _fire(self, event: Event, **data: Any) -> None:
        if not self.journey.can(event):
            # A late callback for a state the member already left (e.g. a
            # reservation arriving after Cancel) is dropped on purpose.
            log.info("ignored %s in %s", event.value, self.journey.state.value)
            self._undo_late(event, data)
            return
        self.journey.fire(event, self.clock(), **data)

    def _undo_late(self, event: Event, data: dict[str, Any]) -> None:
        res = data.get("reservation")
        if event is Event.CAR_RESERVED and res is not None:
            self._release(res)

    def _on_journey(self, old: State, new: State, event: Event, session: Any) -> None:
        self._stop_loop()
        self._end_selfie()  # on to verify, or the member left: no more uploads
        self._end_payment()  # left the payment screen: an unpaid payment is cancelled
        if new in (State.ATTRACT, State.OUT_OF_SERVICE):
            # The journey's frames and buffers are freed: give the pages back
            # to the system (common/heap.py), off the GUI thread.
            self.runner.run("vision", heap.trim)
            # Cancel or timeout before the car was authorised: give the bay back,
            # and a paid drive's money (the backend refunds a paid, unused payment).
            if session.reservation is not None and session.authorisation is None:
                self._release(session.reservation)
            if session.payment is not None and session.authorisation is None:
                pid = session.payment.payment_id
                self.runner.run(HTTP_LANE, lambda: self.services.backend.cancel_payment(pid))
        if new is State.SCAN and session.session_id is not None:
            self._return_now()  # "Return my car" after a refusal: already scanned
        elif new is State.SCAN:
            self.last_scan = ScanFeedback(ScanStatus.LOOKING)
            self._start_scan()
        elif new is State.CHOOSE:
            self._load_options()
        elif new is State.SELFIE:
            # The get-ready screen comes first: the selfie opens on begin_selfie().
            self.last_selfie = None
        elif new is State.PAYMENT:
            self._begin_payment()
        elif new is State.VERIFY:
            self._verify(session)
        elif new is State.DISPATCH:
            self._dispatch(session)
        elif new in (State.ATTRACT, State.OUT_OF_SERVICE):
            self._drop_vision()

    def _release(self, reservation: Any) -> None:
        rid = getattr(reservation, "reservation_id", None)
        if rid:
            self.runner.run(HTTP_LANE, lambda: self.services.backend.release(rid))

    # -- choose -------------------------------------------------------------
    def _load_options(self) -> None:
        self.runner.run(HTTP_LANE, self.services.backend.inventory, self._options_loaded,
                        self._refuse_or_fail)

    def _options_loaded(self, options: list[Any]) -> None:
        self.options = list(options)
        self._emit("options", self.options)

    def _choose_failed(self, err: KioskError) -> None:
        if err.reason is Reason.MODEL_ALREADY_DRIVEN and self.journey.state is State.CHOOSE:
            self._emit("notice", err)  # another model, or Buy this one: stay here
            return
        if err.reason is Reason.CAR_UNAVAILABLE and self.journey.state is State.CHOOSE:
            # Someone else got that car first: show fresh stock, stay here.
            self._emit("notice", err)
            self._load_options()
            return
        self._refuse_or_fail(err)

    # -- selfie -------------------------------------------------------------
    @property
    def liveness(self) -> Any:
        """The local liveness session guiding the member (the backend's challenges)."""
        return self._selfie.liveness if self._selfie is not None else None

    def begin_selfie(self) -> None:
        """The member pressed Start on the get-ready screen: the backend opens
        the selfie and draws the challenges, then the checks run."""
        if self.journey.state is not State.SELFIE or self._selfie is not None:
            return
        self.touch()
        self.last_selfie = None
        self._selfie = SelfieStep(self.services, self.runner, self.journey.session.session_id,
                                  clock=self.clock, on_stage=self._selfie_stage,
                                  on_update=self._selfie_update, on_done=self._selfie_done,
                                  on_failed=self._refuse_or_fail)
        self._selfie.start()

    def _selfie_stage(self, stage: SelfieStage) -> None:
        self.selfie_stage = stage
        self._emit("selfie_stage", stage)

    def _selfie_update(self, update: Any) -> None:
        self.last_selfie = update
        self._emit("selfie", update)

    def _selfie_done(self, selfie_id: str, summary: dict[str, Any]) -> None:
        self.figures.vision_fps(summary.get("analysed_fps"))
        self._fire(Event.SELFIE_DONE, selfie_id=selfie_id, liveness=summary)

    def _end_selfie(self) -> None:
        step, self._selfie = self._selfie, None
        if step is not None:
            step.cancel()
        if self.selfie_stage is not SelfieStage.READY:
            self._selfie_stage(SelfieStage.READY)

    def _drop_vision(self) -> None:
        self.last_selfie = None
        self._rejected.clear()

    # -- verify and dispatch --------------------------------------------
    def _verify(self, session: Any) -> None:
        payment_id = getattr(session.payment, "payment_id", None)
        self.runner.run(HTTP_LANE, lambda: self.services.backend.verify(
            session.session_id, session.reservation.reservation_id, session.selfie_id,
            payment_id=payment_id),
            lambda auth: self._fire(Event.AUTHORISED, authorisation=auth),
            self._refuse_or_fail)

    def _dispatch(self, session: Any) -> None:
        if session.flow is Flow.RETURN:
            job = session.return_job
            args = (job.job_id, job.from_bay, job.to_bay, "return")
            done_event = Event.CAR_STORED
        else:
            auth = session.authorisation
            args = (auth.job_id, auth.source_bay, auth.delivery_bay, "delivery")
            done_event = Event.CAR_DELIVERED
        self.last_progress = None

        progress = self.runner.posted(self._progress)
        self.runner.run("lift", lambda: self.services.run_job(*args, progress),
                        lambda outcome: self._dispatched(outcome, done_event),
                        self._lift_failed)

    def _progress(self, p: Any) -> None:
        self.last_progress = p
        self._emit("progress", p)

    def _dispatched(self, outcome: Any, done_event: Event) -> None:
        if getattr(outcome, "reported", True) is False:
            # The car moved (or failed) but the backend was not told: the
            # journal keeps it; settle it again once the backend answers.
            self._retry_reconcile = True
        if getattr(outcome, "ok", True):
            self._fire(done_event, outcome=outcome)
            return
        err = KioskError("the lift could not finish the move", reason=Reason.LIFT_FAULT,
                         outcome=str(getattr(outcome, "result", outcome)))
        self._lift_failed(err)

    def _lift_failed(self, err: KioskError) -> None:
        self._alert(err)
        self._fire(Event.FAILED, refusal=err.reason, refusal_context=err.context)

    # -- failures ---------------------------------------------------------
    def _refuse_or_fail(self, err: KioskError) -> None:
        if isinstance(err, RefusedError):
            if err.reason is Reason.IDENTITY_LOCKED:
                self._identity_locked(err)
            self._fire(Event.REFUSED, refusal=err.reason, refusal_context=dict(err.context))
            return
        self._present_error(err)

    def _identity_locked(self, err: RefusedError) -> None:
        """The member in front of the kiosk is locked out (too many failed
        selfies): staff may want to help. Short member id only."""
        member = self.journey.session.member_short or "-"
        retry_at = err.context.get("retry_at")
        log.warning("member %s is locked out of the identity check until %s", member, retry_at)
        self._alert(KioskError("a member is locked out of the identity check",
                               reason=Reason.IDENTITY_LOCKED, member=member, retry_at=retry_at))

    def _present_error(self, err: KioskError) -> None:
        """The one place unhandled errors end up: logged, alerted, shown."""
        log.error("error: %s", err.to_dict())
        if err.reason in (Reason.BACKEND_UNREACHABLE, Reason.BACKEND_UNAUTHORIZED,
                          Reason.BACKEND_PIN_MISMATCH):
            self.journey.set_service(False, self.clock())
        if self.journey.can(Event.FAILED):
            self._fire(Event.FAILED, refusal=err.reason, refusal_context=dict(err.context))
        self._alert(err)

    def _alert(self, err: KioskError) -> None:
        self.alerts.append(err)
        del self.alerts[:-50]  # bounded: staff see the latest ones
        self._emit("alert", err)

    # -- lifecycle --------------------------------------------------------
    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()

    def shutdown(self) -> None:
        unsubscribe = getattr(self, "_unsubscribe_camera", None)
        if unsubscribe is not None:
            unsubscribe()
        self._stop_loop()
        self._end_selfie()
        self._end_payment()
        self._drop_vision()
        self.runner.shutdown(wait=True)
        self.services.close()
