"""Crash-safe lift dispatch: a SQLite journal of every job, written before each side effect.

A job moves through ``PLANNED -> SENT -> ACCEPTED -> MOVING -> ARRIVED | FAILED
-> REPORTED``. The two side effects are sending MOVE to the lift and telling
the backend the outcome; each is preceded by a committed journal write:

* SENT is written before MOVE goes out. MOVE carries the backend's job id and
  the controller never moves a car twice for one id, so a MOVE resent after a
  crash is harmless: it answers with the job's state.
* ARRIVED/FAILED (with the outcome) is written before the report. The report
  carries an idempotency key made of job id + outcome, so a crash between
  report and REPORTED re-sends the same key and the backend learns once.

``Dispatcher.reconcile()`` runs at start-up, before the kiosk takes a
customer: every unfinished job is settled with JOB_STATUS (waiting for the
lift if it is still moving) and reported exactly once.

Every answer about a job is checked against what was asked (the journal's
job id and bays): the MOVE reply by ``LiftClient.move``, every JOB_STATUS
and JOB_PROGRESS/JOB_DONE here. A controller that names other bays, another
job id, or no longer knows a job it accepted is running a car nobody asked
for: the lift gets STOP and the job is reported ``failed_moved``
(``ECHO_MISMATCH``), so staff look before the bay is used again.

The journal itself (storage only) is ``kiosk.dispatch_journal``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from common.errors import KioskError, LiftError, Reason, RefusedError
from drivers.lift_client import echo_mismatch
from drivers.lift_proto import (
    DoorChanged,
    DoorState,
    FaultCode,
    FaultRaised,
    JobDone,
    JobPhase,
    JobProgress,
    JobState,
    LinkChanged,
    MoveAccepted,
)
from kiosk.dispatch_journal import KINDS, DispatchJournal, JobStep, JournalEntry, idempotency_key

# The journal's names stay importable from here, where callers always found them.
__all__ = ["DELIVERED", "FAILED_IN_BAY", "FAILED_MOVED", "OUTCOMES", "ECHO_MISMATCH", "KINDS",
           "DispatchJournal", "JobStep", "JournalEntry", "idempotency_key", "Dispatcher",
           "DispatchOutcome", "Progress", "Reporter", "DoorState", "JobPhase"]

log = logging.getLogger(__name__)

DELIVERED = "delivered"
FAILED_IN_BAY = "failed_in_bay"  # the car never left its bay: the reservation can be released
FAILED_MOVED = "failed_moved"  # the car left its bay: staff must look
OUTCOMES = (DELIVERED, FAILED_IN_BAY, FAILED_MOVED)
ABANDONED = "ABANDONED"  # journal note: run_job gave up before the MOVE was confirmed
NOT_SENT = "NOT_SENT"  # settled: the abandoned MOVE never reached the controller
ECHO_MISMATCH = "ECHO_MISMATCH"  # settled: the controller answered for another job or bays


class Reporter(Protocol):
    def report_job(self, job_id: str, outcome: str, idempotency_key: str) -> None: ...


@dataclass(frozen=True)
class Progress:
    job_id: str
    phase: JobPhase
    level: int
    target_level: int
    door: DoorState | None
    eta_s: float
    fault: FaultCode | None
    car_moved: bool = False
    levels: int | None = None  # the tower's storage levels, when the controller says


@dataclass(frozen=True)
class DispatchOutcome:
    job_id: str
    kind: str
    from_bay: int
    to_bay: int
    outcome: str  # one of OUTCOMES
    # A FaultCode name, a refusal code, or STALLED, TIMEOUT, JOB_LOST, NOT_SENT,
    # ECHO_MISMATCH.
    fault: str | None = None
    car_moved: bool = False
    # False: the backend was not told (unreachable: reconcile() retries; refused: logged)
    reported: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == DELIVERED

    @property
    def result(self) -> str:
        return "done" if self.ok else "failed"


_TRANSIENT = (Reason.LIFT_LINK_DOWN, Reason.LIFT_TIMEOUT, Reason.FRAME_INVALID)
_TRANSIENT_CODES = ("BUSY", "MALFORMED")


def _transient(exc: LiftError) -> bool:
    return exc.reason in _TRANSIENT or exc.context.get("code") in _TRANSIENT_CODES


class Dispatcher:
    """Runs lift jobs through the journal. ``lift`` is a LiftClient (or a fake with
    move/job_status/on_event); ``reporter`` tells the backend."""

    def __init__(self, journal: DispatchJournal, lift: Any, reporter: Reporter, *,
                 move_timeout_s: float = 240.0, stall_timeout_s: float = 30.0,
                 reach_timeout_s: float = 20.0, poll_s: float = 1.0, retry_s: float = 0.2,
                 on_journal: Callable[[str, str], None] | None = None) -> None:
        self.journal, self.lift, self.reporter = journal, lift, reporter
        self.move_timeout_s, self.stall_timeout_s = move_timeout_s, stall_timeout_s
        self.poll_s, self.retry_s, self.reach_timeout_s = poll_s, retry_s, reach_timeout_s
        # Called with (job_id, point) after every journal write and side effect;
        # observability, and the crash tests' place to pull the plug.
        self._on_journal = on_journal or (lambda job_id, point: None)
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue[Any]] = {}
        self._closed = threading.Event()
        self._unsubscribe = lift.on_event(self._on_event)
        self._tower_levels: int | None = None  # asked once (BAY_MAP), 0 = unknown

    def close(self) -> None:
        self._closed.set()
        self._unsubscribe()

    # -- public -------------------------------------------------------------------------
    def run_job(self, job_id: str, from_bay: int, to_bay: int, kind: str = "delivery",
                on_progress: Callable[[Progress], None] | None = None) -> DispatchOutcome:
        """Move one car and report the outcome; blocks until it arrived or failed.

        Raises LiftError only when the lift cannot be reached: within
        ``reach_timeout_s`` for the MOVE, or for good before the move
        deadline. The job then stays unfinished in the journal and
        ``reconcile()`` settles it with JOB_STATUS; a MOVE given up on this
        way is never sent again (the member was told it failed).
        """
        entry = self.journal.get(job_id)
        if entry is None:
            entry = self.journal.plan(job_id, kind, from_bay, to_bay)
            self._on_journal(job_id, JobStep.PLANNED.value)
        elif (entry.from_bay, entry.to_bay) != (from_bay, to_bay):
            raise LiftError(f"job {job_id} is journaled with other bays",
                            reason=Reason.LIFT_REJECTED, code="JOB_CONFLICT", job_id=job_id)
        if entry.state is JobStep.REPORTED:
            return self._outcome(entry, reported=True)
        if on_progress is not None:
            self._learn_levels()
        return self._resume(entry, on_progress, fresh=entry.state is JobStep.PLANNED)

    def _learn_levels(self) -> None:
        """The tower's height, for "level 3 of 5" on the member's screen: one
        BAY_MAP, before the first move (never while the lift moves)."""
        if self._tower_levels is not None:
            return
        try:
            self._tower_levels = max(0, int(self.lift.bay_map().levels))
        except Exception as exc:  # noqa: BLE001 - a nicety: the job goes on without it
            log.info("tower height unknown (%s): progress shows levels only", exc)
            self._tower_levels = 0

    def reconcile(self, on_progress: Callable[[Progress], None] | None = None
                  ) -> list[DispatchOutcome]:
        """Settle and report every unfinished job; returns their outcomes.

        A job that cannot be settled now (lift or backend unreachable) stays in
        the journal (see ``pending()``); the kiosk should not take customers
        while a job is pending.
        """
        outcomes = []
        for entry in self.journal.unfinished():
            with self._lock:
                if entry.job_id in self._queues:
                    continue  # run_job is driving it right now
            try:
                outcomes.append(self._resume(entry, on_progress, fresh=False))
            except LiftError as exc:
                log.warning("job %s not settled yet: %s", entry.job_id, exc.to_dict())
        return outcomes

    def pending(self) -> list[JournalEntry]:
        """Jobs not yet settled and reported."""
        return self.journal.unfinished()

    @property
    def busy(self) -> bool:
        """True while ``run_job`` or ``reconcile`` drives a job (staff lift control waits)."""
        with self._lock:
            return bool(self._queues)

    # -- driving ---------------------------------------------------------------------------
    def _resume(self, entry: JournalEntry, on_progress: Callable[[Progress], None] | None,
                fresh: bool) -> DispatchOutcome:
        if entry.state in (JobStep.ARRIVED, JobStep.FAILED):
            return self._report(entry)
        now = time.monotonic()
        deadline = now + self.move_timeout_s
        # Reaching the controller at all gets a shorter deadline than the move:
        # a member should not wait minutes in front of a lift that is unplugged.
        reach_by = min(deadline, now + self.reach_timeout_s)
        with self._subscription(entry.job_id) as events:
            job: JobState | None = None
            if not fresh and entry.state is not JobStep.PLANNED:
                job = self._call(lambda: self.lift.job_status(entry.job_id), reach_by)
                if job.phase is JobPhase.UNKNOWN:
                    if entry.state is not JobStep.SENT:
                        # Accepted once, now unknown: the controller lost its memory.
                        # Where the car is needs a person; never release its bay.
                        return self._settle(entry, FAILED_MOVED, "JOB_LOST", True)
                    if entry.fault == ABANDONED:
                        # We gave up on this MOVE and told nobody it was coming; it
                        # never arrived, so it never will: the car stayed in its bay.
                        return self._settle(entry, FAILED_IN_BAY, NOT_SENT, False)
                    job = None  # a crash before our MOVE arrived: send it now
                else:
                    wrong = echo_mismatch(job, entry.job_id, entry.from_bay, entry.to_bay)
                    if wrong is not None:
                        return self._settle(entry, FAILED_MOVED, self._stop(entry, wrong), True)
            if job is None:
                if entry.state is JobStep.PLANNED:
                    entry = self._advance(entry, JobStep.SENT)
                try:
                    accepted: MoveAccepted = self._call(
                        lambda: self.lift.move(entry.job_id, entry.from_bay, entry.to_bay),
                        reach_by)
                except LiftError as exc:
                    if exc.reason is Reason.LIFT_ECHO_MISMATCH:
                        # The reply named other bays; the client has sent STOP.
                        return self._settle(entry, FAILED_MOVED, ECHO_MISMATCH, True)
                    if _transient(exc):
                        # Unreachable: reconcile() settles it later with JOB_STATUS.
                        self._advance(entry, JobStep.SENT, fault=ABANDONED)
                        raise
                    # Refused: a MOVE for a known id is never refused, so the car did not move.
                    return self._settle(entry, FAILED_IN_BAY,
                                        str(exc.context.get("code", exc.reason.value)), False)
                self._on_journal(entry.job_id, "move_sent")
                job = accepted.job
            if entry.state is JobStep.SENT:
                entry = self._advance(entry, JobStep.ACCEPTED)
            job, entry, why = self._wait(entry, job, events, deadline, on_progress,
                                         poll_now=not fresh)
        if why == ECHO_MISMATCH:
            return self._settle(entry, FAILED_MOVED, why, True)
        if job.phase is JobPhase.DONE:
            return self._settle(entry, DELIVERED, None, True)
        fault = job.fault.name if job.phase is JobPhase.FAILED else why
        return self._settle(entry, FAILED_MOVED if job.car_moved else FAILED_IN_BAY, fault,
                            job.car_moved)

    def _wait(self, entry: JournalEntry, job: JobState, events: queue.Queue[Any],
              deadline: float, on_progress: Callable[[Progress], None] | None,
              poll_now: bool) -> tuple[JobState, JournalEntry, str | None]:
        """Follow the job until it is final, or say why not (STALLED, TIMEOUT,
        ECHO_MISMATCH: the lift has been stopped)."""
        door: DoorState | None = None
        # News of another job is stale until the controller's first event about
        # ours: events arrive in order, but our MOVE reply overtook the previous
        # job's queued ones. After that, another job's news is a contradiction.
        caught_up = False
        last_key: tuple[Any, ...] | None = None
        last_change = time.monotonic()
        # A resumed job polls at once: its events before we subscribed are gone.
        next_poll = time.monotonic() + (0.0 if poll_now else self.poll_s)
        while True:
            now = time.monotonic()
            key = (job.phase, job.level, job.car_moved, door)
            if key != last_key:
                last_key, last_change = key, now
                self._progress(on_progress, job, door)
            if entry.state is JobStep.ACCEPTED and job.phase not in (JobPhase.QUEUED,
                                                                    JobPhase.UNKNOWN):
                entry = self._advance(entry, JobStep.MOVING)
            if job.phase.final:
                return job, entry, None
            if now - last_change >= self.stall_timeout_s:
                log.warning("job %s: no progress for %.0f s", entry.job_id, now - last_change)
                return job, entry, "STALLED"
            if now >= deadline:
                # One last look; if even that fails the job stays for reconcile().
                last = self.lift.job_status(entry.job_id)
                wrong = self._wrong(entry, last)
                if wrong is not None:
                    return job, entry, self._stop(entry, wrong)
                return last, entry, "TIMEOUT"
            if now >= next_poll:
                next_poll = now + self.poll_s
                try:
                    polled = self.lift.job_status(entry.job_id)
                except LiftError as exc:
                    if not _transient(exc):
                        raise
                    last_change = now  # unseen is not stalled
                    continue
                wrong = self._wrong(entry, polled)
                if wrong is not None:
                    return job, entry, self._stop(entry, wrong)
                if polled.phase >= job.phase:
                    job = polled
                continue
            try:
                ev = events.get(timeout=max(0.0, min(next_poll, deadline) - now))
            except queue.Empty:
                continue
            if isinstance(ev, JobProgress | JobDone) and ev.job.job_id != entry.job_id:
                if caught_up:
                    return job, entry, self._stop(entry, f"news of job {ev.job.job_id!r} "
                                                         f"while {entry.job_id!r} runs")
                next_poll = now  # stale, or ours under another name: JOB_STATUS tells
            elif isinstance(ev, JobProgress | JobDone):
                caught_up = True
                wrong = echo_mismatch(ev.job, entry.job_id, entry.from_bay, entry.to_bay)
                if wrong is not None:
                    return job, entry, self._stop(entry, wrong)
                if ev.job.phase >= job.phase:  # replies overtake queued events: never go back
                    job = ev.job
            elif isinstance(ev, DoorChanged) and ev.bay in (entry.from_bay, entry.to_bay):
                door = ev.state
            elif isinstance(ev, FaultRaised):
                next_poll = now  # the job's own JOB_DONE may have been lost
            elif isinstance(ev, LinkChanged) and ev.up:
                next_poll, last_change = now, now

    @staticmethod
    def _wrong(entry: JournalEntry, polled: JobState) -> str | None:
        """What a JOB_STATUS answer for an accepted job gets wrong, if anything."""
        if polled.phase is JobPhase.UNKNOWN:
            # It accepted this id; "never seen" means it lost or renamed our job.
            return f"job {entry.job_id!r} unknown after it was accepted"
        return echo_mismatch(polled, entry.job_id, entry.from_bay, entry.to_bay)

    def _stop(self, entry: JournalEntry, wrong: str) -> str:
        """The controller answered for another car than we asked: stop the lift."""
        log.error("job %s: the controller answered %s: stopping the lift", entry.job_id, wrong)
        try:
            self.lift.stop()
        except KioskError as exc:
            log.error("job %s: STOP not confirmed: %s", entry.job_id, exc.to_dict())
        return ECHO_MISMATCH

    def _call(self, fn: Callable[[], Any], deadline: float) -> Any:
        """``fn()`` retried through transient lift errors until the deadline."""
        while True:
            try:
                return fn()
            except LiftError as exc:
                if not _transient(exc) or time.monotonic() >= deadline or self._closed.is_set():
                    raise
                remaining = max(0.0, deadline - time.monotonic())
                if exc.reason is Reason.LIFT_LINK_DOWN and hasattr(self.lift, "wait_up"):
                    self.lift.wait_up(min(remaining, 1.0))
                    if self._closed.wait(min(remaining, self.retry_s / 4)):
                        raise
                elif self._closed.wait(min(remaining, self.retry_s)):
                    raise

    # -- settling -------------------------------------------------------------------------------
    def _settle(self, entry: JournalEntry, outcome: str, fault: str | None,
                car_moved: bool) -> DispatchOutcome:
        step = JobStep.ARRIVED if outcome == DELIVERED else JobStep.FAILED
        entry = self._advance(entry, step, outcome=outcome, fault=fault, car_moved=car_moved)
        log.info("job %s %s%s", entry.job_id, outcome, f" ({fault})" if fault else "")
        return self._report(entry)

    def _report(self, entry: JournalEntry) -> DispatchOutcome:
        assert entry.outcome is not None
        try:
            self.reporter.report_job(entry.job_id, entry.outcome,
                                     idempotency_key(entry.job_id, entry.outcome))
        except RefusedError as exc:
            # A definite no (e.g. a job the backend does not know): asking again
            # changes nothing, so stop asking; staff see it in the log and alert.
            log.error("job %s: backend refused the report: %s", entry.job_id, exc.to_dict())
            entry = self._advance(entry, JobStep.REPORTED)
            return self._outcome(entry, reported=False)
        except KioskError as exc:
            log.warning("job %s: backend not told yet: %s", entry.job_id, exc.to_dict())
            return self._outcome(entry, reported=False)
        self._on_journal(entry.job_id, "reported")
        entry = self._advance(entry, JobStep.REPORTED)
        return self._outcome(entry, reported=True)

    @staticmethod
    def _outcome(entry: JournalEntry, reported: bool) -> DispatchOutcome:
        return DispatchOutcome(job_id=entry.job_id, kind=entry.kind, from_bay=entry.from_bay,
                               to_bay=entry.to_bay, outcome=entry.outcome or FAILED_MOVED,
                               fault=entry.fault, car_moved=entry.car_moved, reported=reported)

    def _advance(self, entry: JournalEntry, step: JobStep, **fields: Any) -> JournalEntry:
        entry = self.journal.advance(entry.job_id, step, **fields)
        self._on_journal(entry.job_id, step.value)
        return entry

    # -- events ------------------------------------------------------------------------------------
    @contextmanager
    def _subscription(self, job_id: str) -> Iterator[queue.Queue[Any]]:
        q: queue.Queue[Any] = queue.Queue()
        with self._lock:
            if job_id in self._queues:
                raise LiftError(f"job {job_id} is already running", reason=Reason.LIFT_REJECTED,
                                code="BUSY", job_id=job_id)
            self._queues[job_id] = q
        try:
            yield q
        finally:
            with self._lock:
                self._queues.pop(job_id, None)

    def _on_event(self, ev: Any) -> None:
        # Driver thread: only hand events over, never call the lift from here.
        with self._lock:
            if isinstance(ev, JobProgress | JobDone) and ev.job.job_id in self._queues:
                targets = [self._queues[ev.job.job_id]]
            else:
                # News of a job nobody here drives goes to every running job too:
                # the controller runs one job at a time, so it may be ours misnamed.
                targets = list(self._queues.values())
        for q in targets:
            q.put(ev)

    def _progress(self, on_progress: Callable[[Progress], None] | None, job: JobState,
                  door: DoorState | None) -> None:
        if on_progress is None:
            return
        fault = job.fault if job.fault is not FaultCode.NONE else None
        try:
            on_progress(Progress(job_id=job.job_id, phase=job.phase, level=job.level,
                                 target_level=job.target_level, door=door, eta_s=job.eta_s,
                                 fault=fault, car_moved=job.car_moved,
                                 levels=self._tower_levels or None))
        except Exception:
            # A broken progress display must not abandon a car half way.
            log.exception("progress callback failed")
