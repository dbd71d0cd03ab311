"""A staff move of a car, kept in step with the backend's inventory.

The lift moves cars; the backend decides which bay the next member's car is
fetched from. A move the backend does not hear about sends the next delivery
to an empty bay. So a staff move is:

1. the backend records it (``move_car``, idempotent per job id, with the
   token of the online staff login: a kiosk key alone cannot change the
   books). If the backend vetoes it by its books (no car in that bay, the
   car is held or on its way for a member, the target bay taken), **nothing
   moves** and staff read why. If it cannot record it (unreachable, an
   offline login, or a delivery bay is involved: it tracks storage bays
   only) the car is moved anyway, since staff may have to move cars while
   the backend is down, and every answer says the backend was not told, so
   Audit is the next step;
2. the lift moves the car, followed with JOB_STATUS polls until it is final;
3. if the lift refuses or fails after the backend recorded the move, the
   backend records it back (to → from). If the job is lost track of, where
   the car is is unknown: the answer says to run Audit;
4. a car moved while the backend was unreachable, or by an offline login, is
   recorded later: the same request (same idempotency key, naming who made
   the move in ``made_by``) is retried with backoff, one move at a time on its
   own lane, for up to ``record_retry_s``, each time with the token of
   whoever is logged in online by then (none: it waits for one); staff get
   one more answer when it lands, or when it is given up.

Answers reach ``on_result`` on the GUI thread; every step is audited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from common.errors import KioskError, LiftError, Reason
from drivers.lift_client import echo_mismatch
from kiosk.staff import diag
from kiosk.tasks import HTTP_LANE

ACTION = "lift_move"
BOOKS_LANE = "staff-books"  # moves the backend has yet to hear of, one at a time
RECORD_RETRY_S = 12 * 3600.0  # a shift: the next online login sends it
RECORD_BACKOFF_S = (2.0, 60.0)  # first wait, longest wait
# The backend's answers that mean "by our books this move is wrong": no move.
BACKEND_VETO = frozenset({"BAY_EMPTY", "BAY_OCCUPIED", "CAR_BUSY", "SAME_BAY"})
# The backend could not be told now, but will be: retried later (step 4).
TELL_LATER = frozenset({Reason.BACKEND_UNREACHABLE, Reason.STAFF_SESSION_REQUIRED})


class StaffMove:
    """One move; ``start()`` runs it through the runner's lanes."""

    def __init__(self, *, job_id: str, from_bay: int, to_bay: int, lift: Any, backend: Any,
                 runner: Any, record: Callable[..., None],
                 on_result: Callable[[diag.ActionResult], None], made_by: str,
                 token: Callable[[], str | None], owed: set[str], lift_lane: str,
                 follow_lane: str, move_timeout_s: float, poll_s: float,
                 closed: threading.Event, record_retry_s: float = RECORD_RETRY_S,
                 record_backoff_s: tuple[float, float] = RECORD_BACKOFF_S) -> None:
        """``made_by``: who moves it; ``token()``: the online staff session's token
        now, or None (read again for every retry); ``owed``: the console's set of
        moves the backend is still to hear of."""
        self.job_id, self.from_bay, self.to_bay = job_id, from_bay, to_bay
        self.made_by, self.token, self.owed = made_by, token, owed
        self.lift, self.backend, self.runner = lift, backend, runner
        self.record, self.on_result = record, on_result
        self.lift_lane, self.follow_lane = lift_lane, follow_lane
        self.move_timeout_s, self.poll_s, self.closed = move_timeout_s, poll_s, closed
        self.detail: dict[str, Any] = {"job_id": job_id, "from_bay": from_bay, "to_bay": to_bay}
        self.record_retry_s, self.record_backoff_s = record_retry_s, record_backoff_s
        self.booked = False  # the backend recorded the move
        self.unreachable = False  # ... and could not be asked: tell it later

    def _tell(self, from_bay: int, to_bay: int, key: str, token: str | None) -> Any:
        return self.backend.move_car(from_bay, to_bay, idempotency_key=key,
                                     staff_session=token, made_by=self.made_by)

    # -- 1. the backend's books ------------------------------------------------------
    def start(self) -> None:
        if self.backend is None:
            self._not_told("no backend")
            return
        token = self.token()
        if token is None:
            self.unreachable = True
            self._not_told("offline login")
            return
        self.runner.run(HTTP_LANE, lambda: self._tell(
            self.from_bay, self.to_bay, f"staff-move-{self.job_id}", token),
            self._booked, self._book_failed)

    def _booked(self, _move: Any) -> None:
        self.booked = True
        self.detail["backend"] = "recorded"
        self._start_lift()

    def _book_failed(self, err: KioskError) -> None:
        code = err.context.get("code")
        if err.reason is Reason.BACKEND_ERROR and code in BACKEND_VETO:
            answer = f"Not moved: {err} ({code})"
            self.detail["backend"] = code
            self.record(ACTION, "refused", answer=answer, reason=code, **self.detail)
            self.on_result(diag.ActionResult(ACTION, False, answer, reason=code,
                                             detail=dict(self.detail)))
            return
        self.unreachable = err.reason in TELL_LATER
        self._not_told(str(code or err.reason.value))

    def _not_told(self, why: str) -> None:
        self.detail["backend"] = f"not told ({why})"
        self._start_lift()

    def _backend_note(self) -> str:
        if self.booked:
            return "backend updated"
        return f"backend {self.detail['backend']}: run Audit"

    # -- 2. the lift ---------------------------------------------------------------------
    def _start_lift(self) -> None:
        self.runner.run(self.lift_lane,
                        lambda: self.lift.move(self.job_id, self.from_bay, self.to_bay),
                        self._accepted, self._refused)

    def _accepted(self, reply: Any) -> None:
        job = reply.job
        answer = (f"{'duplicate' if reply.duplicate else 'accepted'} {self.job_id}: "
                  f"{diag.name_of(job.phase)}")
        self.record(ACTION, "accepted", answer=answer, **self.detail)
        if job.phase.final:
            self._finished(job)
            return
        self.on_result(diag.ActionResult(ACTION, True, answer, final=False,
                                         detail={**self.detail,
                                                 "phase": diag.name_of(job.phase)}))
        self.runner.run(self.follow_lane, lambda: self._follow(job), self._finished,
                        self._lost)

    def _follow(self, job: Any) -> Any:
        """Poll JOB_STATUS until the job is final (worker thread)."""
        deadline = time.monotonic() + self.move_timeout_s
        last = diag.name_of(job.phase)
        while not job.phase.final and time.monotonic() < deadline:
            if self.closed.wait(self.poll_s):
                break
            try:
                polled = self.lift.job_status(job.job_id)
            except LiftError as err:
                if err.reason in (Reason.LIFT_TIMEOUT, Reason.LIFT_LINK_DOWN):
                    continue  # the link comes back; the job lives on in the controller
                raise
            if diag.name_of(polled.phase) == "UNKNOWN":
                continue  # the controller restarted and forgot it: keep asking until the deadline
            wrong = echo_mismatch(polled, self.job_id, self.from_bay, self.to_bay)
            if wrong is not None:
                # It runs (or reports) another car than staff asked for: stop
                # it where it is; where the cars are is for the Audit to say.
                stopped = self.lift.stop_quietly()
                raise LiftError(f"{self.job_id}: the controller answered {wrong}; lift "
                                f"{'stopped' if stopped else 'STOP not confirmed'}",
                                reason=Reason.LIFT_ECHO_MISMATCH, code="ECHO_MISMATCH",
                                job_id=self.job_id, stopped=stopped)
            job = polled
            if diag.name_of(job.phase) != last and not job.phase.final:
                last = diag.name_of(job.phase)
                answer = f"{job.job_id}: {last} (level {job.level})"
                self.runner.post(lambda a=answer, ph=last: self.on_result(diag.ActionResult(
                    ACTION, True, answer=a, final=False, detail={**self.detail, "phase": ph})))
        return job

    def _finished(self, job: Any) -> None:
        phase = diag.name_of(job.phase)
        fault = diag.name_of(job.fault) if diag.name_of(job.fault) != "NONE" else None
        answer = f"{self.job_id}: {phase}" + (f" ({fault})" if fault else "")
        detail = {**self.detail, "phase": phase}
        if not job.phase.final:
            answer += " (still running; stopped following)"
            self._end(False, f"{answer} - where the car ends up is unknown: run Audit", detail)
        elif phase == "DONE":
            self._end(True, f"{answer} - {self._backend_note()}", detail)
            if self.unreachable:
                self._record_later()
        else:
            self._set_back(answer, detail)

    def _refused(self, err: KioskError) -> None:
        self._set_back(diag.answer_of(err), dict(self.detail), reason=err.reason.value,
                       result="refused")

    def _lost(self, err: KioskError) -> None:
        self._end(False, f"{self.job_id}: lost track ({diag.answer_of(err)}) - where the car "
                  "ends up is unknown: run Audit", dict(self.detail), reason=err.reason.value,
                  result="unknown")

    # -- 3. the books back in step -------------------------------------------------------
    def _set_back(self, answer: str, detail: dict[str, Any], reason: str | None = None,
                  result: str = "failed") -> None:
        """The car did not move: the backend's record of the move is undone."""
        if not self.booked:
            self._end(False, answer, detail, reason=reason, result=result)
            return

        def undone(_move: Any) -> None:
            self.booked = False
            self._end(False, f"{answer} - backend set back", detail, reason=reason,
                      result=result)

        def not_undone(err: KioskError) -> None:
            self._end(False, f"{answer} - the backend still has the car in bay {self.to_bay} "
                      f"({diag.answer_of(err)}): run Audit", detail, reason=reason,
                      result=result)

        token = self.token()
        self.runner.run(HTTP_LANE, lambda: self._tell(
            self.to_bay, self.from_bay, f"staff-undo-{self.job_id}", token), undone, not_undone)

    def _record_later(self) -> None:
        """Keep telling the backend of a move it missed (see the module docstring)."""
        first, longest = self.record_backoff_s
        self.owed.add(self.job_id)

        def until_heard() -> Any:
            delay, deadline = first, time.monotonic() + self.record_retry_s
            while True:
                if self.closed.wait(delay):
                    raise KioskError("the kiosk is closing", reason=Reason.BACKEND_UNREACHABLE)
                token = self.token()
                if token is not None:
                    try:
                        return self._tell(self.from_bay, self.to_bay,
                                          f"staff-move-{self.job_id}", token)
                    except KioskError as err:
                        if err.reason not in TELL_LATER:
                            raise
                if time.monotonic() + delay > deadline:
                    raise KioskError("no online staff login in time",
                                     reason=Reason.STAFF_SESSION_REQUIRED
                                     if token is None else Reason.BACKEND_UNREACHABLE)
                delay = min(delay * 2, longest)

        def heard(_move: Any) -> None:
            self.owed.discard(self.job_id)
            self.booked, self.unreachable = True, False
            self.detail["backend"] = "recorded later"
            self._end(True, f"{self.job_id}: the backend has now recorded the move",
                      {**self.detail, "made_by": self.made_by}, result="recorded")

        def missed(err: KioskError) -> None:
            self.owed.discard(self.job_id)
            self._end(False, f"{self.job_id}: the backend still lacks this move "
                      f"({diag.answer_of(err)}): run Audit",
                      {**self.detail, "made_by": self.made_by},
                      reason=err.reason.value, result="not recorded")

        self.runner.run(BOOKS_LANE, until_heard, heard, missed)

    def _end(self, ok: bool, answer: str, detail: dict[str, Any], reason: str | None = None,
             result: str | None = None) -> None:
        extra = {"reason": reason} if reason else {}
        self.record(ACTION, result or ("done" if ok else "failed"), answer=answer,
                    **extra, **detail)
        self.on_result(diag.ActionResult(ACTION, ok, answer, reason=reason, detail=detail))
