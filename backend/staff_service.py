"""Staff accounts, the sessions the backend issues them, and the staff audit.

A kiosk key alone cannot change the books: a bay move or a maintenance flag
also needs a staff session, which only a person's own PIN opens
(``StaffBook.login``). The session is bound to the kiosk that opened it,
ends after ``SESSION_IDLE_S`` unused or ``SESSION_MAX_S`` in all, or at
logout, and every staff action, done or refused, is a ``StaffAudit`` row
with that person's name.

PIN checks follow ``common.pins``: 6-12 digits, scrypt, and the escalating
lockout (5 wrong PINs: 1 min, then 5 min, 30 min, 2 h), kept in the staff
row so a restart does not reset it. An unknown (or removed) name gets the
same answer in the same time as a wrong PIN: the same scrypt runs against a
throwaway hash, the same audit row is written, and a lockout of the same
schedule is kept for it in the database (an ``auth_throttle`` row keyed
``u:<name>``), so it holds across a restart and on every replica, as an
account's does.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from sqlalchemy.orm import Session

from backend import rules
from backend.account_rows import (
    AccountTable,
    list_accounts,
    normal_name,
    remove_account,
    unlock_account,
)
from backend.auth_throttle import name_failed, name_lockout
from backend.db import Database
from backend.errors import ApiError
from backend.models import Staff, StaffAudit, StaffSession
from backend.util import KioskCtx
from common.pins import Lockout, hash_pin, verify_or_dummy

SESSION_IDLE_S = 15 * 60.0
SESSION_MAX_S = 8 * 3600.0
STAFF_HEADER = "X-Staff-Session"
_SHADOW_KEY = "u:"  # auth_throttle rows of names that are no account


class StaffAdminError(Exception):
    """An operator command could not be done (unknown name, already there)."""


def token_hash(token: str) -> str:
    # Tokens are 256-bit random strings, not passwords: one SHA-256 keeps them
    # out of the database in usable form.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def denied() -> ApiError:
    return ApiError(403, "STAFF_DENIED", "Wrong name or PIN.")


def locked(retry_after_s: float) -> ApiError:
    return ApiError(403, "STAFF_LOCKED", "Too many wrong PINs; try again later.",
                    retry_after_s=max(1, round(retry_after_s)))


def session_required() -> ApiError:
    return ApiError(403, "STAFF_SESSION_REQUIRED",
                    "This change needs a staff session of this kiosk (POST /v1/staff/sessions).")


def audit(s: Session, name: str, kiosk_id: str, action: str, result: str, now: float,
          detail: dict[str, Any] | None = None) -> None:
    s.add(StaffAudit(at=now, staff_name=name[:64], kiosk_id=kiosk_id[:32], action=action[:32],
                     result=result[:32], detail=detail or None))


def _lockout(row: Staff) -> Lockout:
    return Lockout(row.failures or 0, row.lock_level or 0, row.locked_until or 0.0)


class StaffBook:
    """Logins, sessions and audit rows; ``now`` is the service clock."""

    def __init__(self, db: Database, now: Callable[[], float]) -> None:
        self.db = db
        self.now = now

    # -- login -------------------------------------------------------------------------
    async def login(self, ctx: KioskCtx, name: str, pin: str) -> dict[str, Any]:
        """Check the PIN (scrypt off the event loop) and open a session."""
        return await anyio.to_thread.run_sync(lambda: self.login_blocking(ctx, name, pin))

    def _known(self, name: str) -> tuple[str | None, Lockout | None]:
        with self.db.read() as s:
            row = s.get(Staff, name)
            if row is None or not row.active:
                return None, None
            return row.pin_hash, _lockout(row)

    def login_blocking(self, ctx: KioskCtx, name: str, pin: str) -> dict[str, Any]:
        name = normal_name(name)
        now = self.now()
        pin_hash, state = self._known(name)
        if state is None:
            state = name_lockout(self.db, _SHADOW_KEY + name)
        if state.locked_for(now) > 0:
            with self.db.write() as s:
                audit(s, name, ctx.kiosk_id, "login", "locked", now)
            raise locked(state.locked_for(now))
        ok = verify_or_dummy(pin, pin_hash)
        # Decided in the write transaction, so guesses checked at the same
        # time are counted one after another and none gets past a lock.
        with self.db.write() as s:
            refusal, answer = self._decide(s, ctx, name, pin_hash is not None and ok, now)
        if refusal is not None:
            raise refusal
        return answer

    def _decide(self, s: Session, ctx: KioskCtx, name: str, ok: bool, now: float
                ) -> tuple[ApiError | None, dict[str, Any]]:
        row = s.get(Staff, name)
        if row is None or not row.active:
            # Unknown, or removed while the PIN was being checked.
            after = name_failed(self.db, s, _SHADOW_KEY + name, now)
            return self._refusal(s, ctx, name, after, now), {}
        current = _lockout(row)
        if current.locked_for(now) > 0:
            # Other guesses locked it while this one was being checked.
            audit(s, name, ctx.kiosk_id, "login", "locked", now)
            return locked(current.locked_for(now)), {}
        if not ok:
            after = current.failed(now)
            row.failures, row.lock_level = after.failures, after.level
            row.locked_until = after.locked_until or None
            return self._refusal(s, ctx, name, after, now), {}
        row.failures, row.lock_level, row.locked_until = 0, 0, None
        token = secrets.token_urlsafe(32)
        expires = now + SESSION_IDLE_S
        s.add(StaffSession(token_hash=token_hash(token), staff_name=name,
                           kiosk_id=ctx.kiosk_id, created_at=now, expires_at=expires))
        audit(s, name, ctx.kiosk_id, "login", "ok", now)
        return None, {"token": token, "staff": name, "expires_at": rules.iso(expires),
                      "idle_s": int(SESSION_IDLE_S), "max_s": int(SESSION_MAX_S)}

    @staticmethod
    def _refusal(s: Session, ctx: KioskCtx, name: str, after: Lockout, now: float
                 ) -> ApiError:
        if after.locked_for(now) > 0:
            audit(s, name, ctx.kiosk_id, "login", "denied; locked", now, {"level": after.level})
            return locked(after.locked_for(now))
        audit(s, name, ctx.kiosk_id, "login", "denied", now)
        return denied()

    # -- sessions ------------------------------------------------------------------------
    def use_session(self, ctx: KioskCtx, token: str | None, action: str,
                    detail: dict[str, Any]) -> str | None:
        """The staff name behind ``token`` if it is a live session of this kiosk
        (its idle time starts over), else None; the refusal is audited."""
        now = self.now()
        with self.db.write() as s:
            row = s.get(StaffSession, token_hash(token)) if token else None
            why = self._invalid(s, ctx, row, now)
            if why is not None:
                audit(s, row.staff_name if row is not None else "-", ctx.kiosk_id, action,
                      "refused", now, {**detail, "why": why})
                return None
            row.expires_at = min(now + SESSION_IDLE_S, row.created_at + SESSION_MAX_S)
            return row.staff_name

    @staticmethod
    def _invalid(s: Session, ctx: KioskCtx, row: StaffSession | None, now: float) -> str | None:
        if row is None:
            return "no_session"
        if row.kiosk_id != ctx.kiosk_id:
            return "other_kiosk"
        if row.ended_at is not None:
            return "ended"
        if row.expires_at <= now:
            return "expired"
        staff = s.get(Staff, row.staff_name)
        if staff is None or not staff.active:
            return "staff_removed"
        return None

    def end_session(self, ctx: KioskCtx, token: str | None) -> bool:
        """Logout: True if a live session of this kiosk ended."""
        now = self.now()
        with self.db.write() as s:
            row = s.get(StaffSession, token_hash(token)) if token else None
            if row is None or row.kiosk_id != ctx.kiosk_id or row.ended_at is not None:
                return False
            row.ended_at = now
            audit(s, row.staff_name, ctx.kiosk_id, "logout", "ok", now)
            return True

    def audited(self, name: str, action: str, detail: dict[str, Any],
                op: Callable[[Session, KioskCtx], dict[str, Any]]
                ) -> Callable[[Session, KioskCtx], dict[str, Any]]:
        """``op`` with its outcome written to the audit in its own transaction."""
        def run(s: Session, ctx: KioskCtx) -> dict[str, Any]:
            try:
                answer = op(s, ctx)
            except ApiError as exc:
                # The refusal is stored and committed by txn.idempotent: so is this.
                audit(s, name, ctx.kiosk_id, action, exc.reason, self.now(), detail)
                raise
            audit(s, name, ctx.kiosk_id, action, "ok", self.now(), detail)
            return answer

        return run


# -- operator commands (backend.staff_admin) ------------------------------------------

def add_staff(db: Database, name: str, pin: str, now: float) -> str:
    """A new account (or a removed one back, with a new PIN). Raises StaffError
    for a PIN that is not 6-12 digits, StaffAdminError if the name is taken."""
    name = normal_name(name)
    pin_hash = hash_pin(pin)
    with db.write() as s:
        row = s.get(Staff, name)
        if row is not None and row.active:
            raise StaffAdminError(f"staff {name!r} exists (remove it first to reset the PIN)")
        if row is None:
            s.add(Staff(name=name, pin_hash=pin_hash, active=True, created_at=now, failures=0,
                        lock_level=0, locked_until=None))
        else:
            row.pin_hash, row.active, row.created_at = pin_hash, True, now
            row.failures, row.lock_level, row.locked_until = 0, 0, None
    return name


STAFF_ROWS = AccountTable("staff", Staff, StaffSession, "staff_name", StaffAdminError)


def list_staff(db: Database, now: float) -> list[dict[str, Any]]:
    return list_accounts(STAFF_ROWS, db, now)


def remove_staff(db: Database, name: str, now: float) -> int:
    """Deactivate (the audit keeps naming them) and end their sessions; how many ended."""
    return remove_account(STAFF_ROWS, db, name, now)


def unlock_staff(db: Database, name: str, now: float) -> None:
    unlock_account(STAFF_ROWS, db, name, now)
