"""The dispatch journal: one SQLite row per lift job, committed before each side effect.

``kiosk.dispatch.Dispatcher`` drives jobs through it (the states and why each
is written when it is are described there); this module is only the storage.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from common.errors import LiftError, Reason, TransitionError

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
