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
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from common.errors import KioskError, LiftError, Reason, RefusedError, TransitionError
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

log = logging.getLogger(__name__)

DELIVERED = "delivered"
FAILED_IN_BAY = "failed_in_bay"  # the car never left its bay: the reservation can be released
FAILED_MOVED = "failed_moved"  # the car left its bay: staff must look
OUTCOMES = (DELIVERED, FAILED_IN_BAY, FAILED_MOVED)
ABANDONED = "ABANDONED"  # journal note: run_job gave up before the MOVE was confirmed
NOT_SENT = "NOT_SENT"  # settled: the abandoned MOVE never reached the controller
KINDS = ("delivery", "return")


class JobStep(str, Enum):
    PLANNED = "PLANNED"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    MOVING = "MOVING"
    ARRIVED = "ARRIVED"
    FAILED = "FAILED"
    REPORTED = "REPORTED"

    @property
    def rank(self) -> int:  # ARRIVED and FAILED are alternatives, of equal rank
        return {"ARRIVED": 4, "FAILED": 4, "REPORTED": 5}.get(self.value, _ORDER.index(self))


_ORDER = list(JobStep)


def idempotency_key(job_id: str, outcome: str) -> str:
    """Same job, same outcome, same key: a report resent after a crash is learned once.

    Job ids with characters an HTTP header key should not carry are hashed.
    """
    ref = job_id if re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", job_id) else (
        hashlib.sha256(job_id.encode()).hexdigest()[:32])
    return f"lift-job:{ref}:{outcome}"


@dataclass(frozen=True)
class JournalEntry:
    job_id: str
    kind: str
    from_bay: int
    to_bay: int
    state: JobStep
    outcome: str | None
    fault: str | None
    car_moved: bool
    created_at: float
    updated_at: float
    history: tuple[tuple[str, float], ...]


class DispatchJournal:
    """One row per job; every write is committed (WAL, synchronous=FULL) before it returns."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed state survives power loss too, not just a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs ("
            " job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, from_bay INTEGER NOT NULL,"
            " to_bay INTEGER NOT NULL, state TEXT NOT NULL, outcome TEXT, fault TEXT,"
            " car_moved INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL,"
            " updated_at REAL NOT NULL, history TEXT NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def plan(self, job_id: str, kind: str, from_bay: int, to_bay: int) -> JournalEntry:
        """Record a new job as PLANNED, or return the existing row for this id."""
        if kind not in KINDS:
            raise LiftError(f"unknown job kind {kind!r}", reason=Reason.LIFT_REJECTED, kind=kind)
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO jobs VALUES (?,?,?,?,?,NULL,NULL,0,?,?,?)",
                (job_id, kind, from_bay, to_bay, JobStep.PLANNED.value, now, now,
                 json.dumps([[JobStep.PLANNED.value, now]])))
        entry = self.get(job_id)
        assert entry is not None
        return entry

    def advance(self, job_id: str, state: JobStep, *, outcome: str | None = None,
                fault: str | None = None, car_moved: bool | None = None) -> JournalEntry:
        """Move a job forward; going backwards is a bug (TransitionError)."""
        with self._lock:
            row = self._row(job_id)
            if row is None:
                raise TransitionError(f"no journal entry for job {job_id}", job_id=job_id)
            if state.rank <= row.state.rank and state is not row.state:
                raise TransitionError(f"job {job_id}: {row.state.value} -> {state.value}",
                                      job_id=job_id, old=row.state.value, new=state.value)
            now = time.time()
            history = [list(h) for h in row.history] + [[state.value, now]]
            self._db.execute(
                "UPDATE jobs SET state=?, outcome=COALESCE(?, outcome),"
                " fault=COALESCE(?, fault), car_moved=COALESCE(?, car_moved), updated_at=?,"
                " history=? WHERE job_id=?",
                (state.value, outcome, fault, None if car_moved is None else int(car_moved),
                 now, json.dumps(history), job_id))
            entry = self._row(job_id)
        assert entry is not None
        return entry

    def get(self, job_id: str) -> JournalEntry | None:
        with self._lock:
            return self._row(job_id)

    def unfinished(self) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE state != ? ORDER BY created_at",
                                    (JobStep.REPORTED.value,)).fetchall()
        return [self._entry(r) for r in rows]

    def recent(self, limit: int = 50) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY updated_at DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [self._entry(r) for r in rows]

    def prune(self, keep: int = 1000) -> int:
        """Forget the oldest reported jobs beyond ``keep``; returns how many."""
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM jobs WHERE state = ?1 AND job_id NOT IN (SELECT job_id FROM jobs"
                " WHERE state = ?1 ORDER BY updated_at DESC LIMIT ?2)",
                (JobStep.REPORTED.value, keep))
            return cur.rowcount

    def _row(self, job_id: str) -> JournalEntry | None:
        row = self._db.execute("SELECT * FROM jobs WHERE job_id=?", (job_id,)).fetchone()
        return None if row is None else self._entry(row)

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> JournalEntry:
        return JournalEntry(job_id=row[0], kind=row[1], from_bay=row[2], to_bay=row[3],
                            state=JobStep(row[4]), outcome=row[5], fault=row[6],
                            car_moved=bool(row[7]), created_at=row[8], updated_at=row[9],
                            history=tuple((s, t) for s, t in json.loads(row[10])))


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
    # A FaultCode name, a refusal code, or STALLED, TIMEOUT, JOB_LOST, NOT_SENT.
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
            if job is None:
                if entry.state is JobStep.PLANNED:
                    entry = self._advance(entry, JobStep.SENT)
                try:
                    accepted: MoveAccepted = self._call(
                        lambda: self.lift.move(entry.job_id, entry.from_bay, entry.to_bay),
                        reach_by)
                except LiftError as exc:
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
        if job.phase is JobPhase.DONE:
            return self._settle(entry, DELIVERED, None, True)
        fault = job.fault.name if job.phase is JobPhase.FAILED else why
        return self._settle(entry, FAILED_MOVED if job.car_moved else FAILED_IN_BAY, fault,
                            job.car_moved)

    def _wait(self, entry: JournalEntry, job: JobState, events: queue.Queue[Any],
              deadline: float, on_progress: Callable[[Progress], None] | None,
              poll_now: bool) -> tuple[JobState, JournalEntry, str | None]:
        """Follow the job until it is final, or say why not (STALLED, TIMEOUT)."""
        door: DoorState | None = None
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
                return (job if last.phase is JobPhase.UNKNOWN else last), entry, "TIMEOUT"
            if now >= next_poll:
                next_poll = now + self.poll_s
                try:
                    polled = self.lift.job_status(entry.job_id)
                except LiftError as exc:
                    if not _transient(exc):
                        raise
                    last_change = now  # unseen is not stalled
                    continue
                if polled.phase is not JobPhase.UNKNOWN and polled.phase >= job.phase:
                    job = polled
                continue
            try:
                ev = events.get(timeout=max(0.0, min(next_poll, deadline) - now))
            except queue.Empty:
                continue
            if isinstance(ev, JobProgress | JobDone):
                if ev.job.phase >= job.phase:  # replies overtake queued events: never go back
                    job = ev.job
            elif isinstance(ev, DoorChanged) and ev.bay in (entry.from_bay, entry.to_bay):
                door = ev.state
            elif isinstance(ev, FaultRaised):
                next_poll = now  # the job's own JOB_DONE may have been lost
            elif isinstance(ev, LinkChanged) and ev.up:
                next_poll, last_change = now, now

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
            if isinstance(ev, JobProgress | JobDone):
                targets = [self._queues[ev.job.job_id]] if ev.job.job_id in self._queues else []
            else:
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
