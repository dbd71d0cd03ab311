"""Failed sign-ins counted in the database, so every replica sees them.

The in-memory throttle this replaces counted in one process's memory: with
replicas behind a load balancer a guesser got each replica's allowance, and a
block on one replica meant nothing on the others. Here a failure is one short
write transaction on the ``auth_throttle`` row of its key, and the blocks in
force are kept in a per-process copy that is read again at most every
``REFRESH_S``: a block written by one replica is enforced by the others within
that time (the replica that wrote it enforces it at once). The check on every
request is a dictionary look-up; only failures and the refresh touch the
database.

The window is fixed rather than sliding (the row keeps when it opened and
how many failures it saw): a failure after ``window_s`` starts a new window.
The escalation is the same as before: ``block_s`` doubling up to
``max_block_s`` per strike.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import AuthKnown, AuthThrottle
from backend.throttle import Limit
from common.pins import Lockout

log = logging.getLogger(__name__)

REFRESH_S = 1.0  # how stale another replica's blocks may be here
PURGE_EVERY_S = 300.0
KEEP_S = 86_400.0  # a row untouched for a day (and not blocking) is forgotten
MAX_KNOWN = 16  # addresses remembered per identity (a kiosk has a handful)


def insert_of(db: Database) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing``."""
    return pg_insert if db.dialect == "postgresql" else sqlite_insert


# -- the lockout of a name that is no account (staff "u:<name>", operators "ou:<name>") --
# An account's lockout is kept in its row; a name with no row gets the same
# schedule here, in the database, so every replica and a restarted one lock
# it as they would a real name (a lock that only real names keep would tell
# them apart).

def name_lockout(db: Database, key: str) -> Lockout:
    """The lockout kept for ``key`` (a fresh one if none)."""
    with db.read() as s:
        row = s.get(AuthThrottle, key)
        return Lockout() if row is None else Lockout(row.failures, row.strikes,
                                                     row.blocked_until)


def name_failed(db: Database, s: Session, key: str, now: float) -> Lockout:
    """One more wrong guess of ``key``, counted in the write transaction ``s``
    (its row locked, so guesses at once on several replicas all count)."""
    s.execute(insert_of(db)(AuthThrottle).values(
        key=key, window_start=now, failures=0, strikes=0, blocked_until=0.0)
        .on_conflict_do_nothing(index_elements=["key"]))
    row = s.execute(select(AuthThrottle).where(AuthThrottle.key == key)
                    .with_for_update()).scalar_one()
    after = Lockout(row.failures, row.strikes, row.blocked_until).failed(now)
    row.failures, row.strikes = after.failures, after.level
    row.blocked_until, row.window_start = after.locked_until or 0.0, now
    return after


class ThrottleStore:
    """The database side and this process's copy of the blocks in force."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock  # wall clock: replicas on several machines compare it
        self._blocks: dict[str, float] = {}
        self._known: dict[str, set[str]] = {}
        self._read_at = -math.inf  # time.monotonic(): the refresh cadence is real time
        self._purged_at = time.monotonic()
        self._refreshing = False
        self._lock = threading.Lock()
        self._insert = insert_of(db)

    # -- enforcement (every request) ------------------------------------------
    def retry_after_s(self, key: str) -> int:
        until = self._blocks.get(key)
        if until is None:
            return 0
        left = until - self.clock()
        return math.ceil(left) if left > 0 else 0

    async def refresh_if_due(self) -> None:
        """Read the blocks in force if the copy is older than ``REFRESH_S``;
        one request does it while the others use the copy they have."""
        if time.monotonic() - self._read_at < REFRESH_S or self._refreshing:
            return
        self._refreshing = True
        try:
            await anyio.to_thread.run_sync(self._refresh)
        except Exception:  # noqa: BLE001 - the old copy stays; the next request retries
            log.exception("reading the sign-in blocks failed")
        finally:
            self._refreshing = False

    def _refresh(self) -> None:
        now, mono = self.clock(), time.monotonic()
        with self.db.read() as s:
            rows = s.execute(select(AuthThrottle.key, AuthThrottle.blocked_until)
                             .where(AuthThrottle.blocked_until > now)).all()
        with self._lock:
            self._blocks = {k: u for k, u in rows}
            self._read_at = mono
        if mono - self._purged_at > PURGE_EVERY_S:
            self._purged_at = mono
            with self.db.write() as s:
                s.execute(delete(AuthThrottle).where(AuthThrottle.blocked_until < now - KEEP_S,
                                                     AuthThrottle.window_start < now - KEEP_S))

    # -- failures ------------------------------------------------------------------
    def fail(self, key: str, limit: Limit) -> float:
        """Count one failure of ``key``; returns the time it is blocked until
        (0.0: not blocked). A blocking write to the database (run it in a
        thread)."""
        now = self.clock()
        with self.db.write() as s:
            s.execute(self._insert(AuthThrottle).values(
                key=key, window_start=now, failures=0, strikes=0, blocked_until=0.0)
                .on_conflict_do_nothing(index_elements=["key"]))
            row = s.execute(select(AuthThrottle).where(AuthThrottle.key == key)
                            .with_for_update()).scalar_one()
            if now - row.window_start > limit.window_s:
                row.window_start, row.failures = now, 0
            row.failures += 1
            if row.failures >= limit.failures:
                block = min(limit.max_block_s, limit.block_s * 2 ** row.strikes)
                row.blocked_until = max(row.blocked_until, now + block)
                row.strikes += 1
                row.failures, row.window_start = 0, now
            until = row.blocked_until
        if until > now:
            with self._lock:
                self._blocks[key] = until
        return until if until > now else 0.0

    # -- where an identity signed in from ------------------------------------
    def knows(self, identity: str, address: str) -> bool:
        """Has ``identity`` signed in from ``address`` before (on any replica)?
        Asked only while the identity is blocked (a database read)."""
        if address in self._known.get(identity, ()):
            return True
        with self.db.read() as s:
            found = s.execute(select(AuthKnown.address).where(
                AuthKnown.identity == identity, AuthKnown.address == address)).first()
        if found is not None:
            self._remember_locally(identity, address)
        return found is not None

    def is_new_good(self, identity: str, address: str) -> bool:
        """True the first time this process sees the pair sign in (and there
        is room): the caller then records it with ``remember``."""
        known = self._known.get(identity, set())
        return address not in known and len(known) < MAX_KNOWN

    def remember(self, identity: str, address: str) -> None:
        """Record a successful sign-in's address (a write, once per process
        and pair: run it in a thread)."""
        self._remember_locally(identity, address)
        with self.db.read() as s:
            n = s.execute(select(AuthKnown.address).where(AuthKnown.identity == identity)
                          .limit(MAX_KNOWN)).all()
        if len(n) >= MAX_KNOWN:
            return  # bounded against floods, on every replica
        with self.db.write() as s:
            s.execute(self._insert(AuthKnown).values(identity=identity, address=address)
                      .on_conflict_do_nothing(index_elements=["identity", "address"]))

    def _remember_locally(self, identity: str, address: str) -> None:
        with self._lock:
            known = self._known.setdefault(identity, set())
            if len(known) < MAX_KNOWN:
                known.add(address)
            if len(self._known) > 10_000:
                self._known.clear()  # cheap and rare: refilled from the database


class SharedThrottle:
    """One limit over the store, for keys of one scope."""

    def __init__(self, store: ThrottleStore, limit: Limit, scope: str) -> None:
        self.store, self.limit, self.scope = store, limit, scope

    def retry_after_s(self, key: str) -> int:
        return self.store.retry_after_s(f"{self.scope}:{key}")

    async def fail(self, key: str) -> None:
        await anyio.to_thread.run_sync(self.store.fail, f"{self.scope}:{key}", self.limit)
