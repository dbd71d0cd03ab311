"""Operator accounts, their console sessions and the ops audit.

Passwords are hashed with scrypt (``common.pins.scrypt_hash``, as staff
PINs) and never taken from the command line. Wrong passwords lock a name on
the staff PIN schedule (``common.pins.Lockout``: 5 wrong, then 1 min, 5 min,
30 min, 2 h), kept in the operator row so a restart does not reset it; an
unknown name costs the same scrypt and gets the same answer, its lockout kept
in the database (an ``auth_throttle`` row keyed ``ou:<name>``) so that every
replica, and one restarted, locks it as it would a real name. A login opens a
session: a random token for the cookie (stored as SHA-256) and a separate
random CSRF token every form must carry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

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
from backend.models import Operator, OperatorSession, OpsAudit
from common.pins import Lockout, scrypt_hash, scrypt_verify

MIN_PASSWORD, MAX_PASSWORD = 12, 128
SESSION_IDLE_S = 30 * 60.0
SESSION_MAX_S = 12 * 3600.0
_SHADOW_KEY = "ou:"  # auth_throttle rows of names that are no account
_DUMMY: list[str] = []


class OpsAdminError(Exception):
    """An operator command could not be done (unknown name, already there)."""


class PasswordRefused(OpsAdminError):
    """The password is too short, too long or not printable."""


@dataclass(frozen=True)
class Who:
    """The operator behind a live console session."""

    name: str
    csrf: str


def token_hash(token: str) -> str:
    # 256-bit random tokens, not passwords: one SHA-256 keeps them unusable at rest.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or None."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters"
    if not password.isprintable():
        return "a password has printable characters only"
    return None


def audit(s: Session, operator: str, action: str, result: str, now: float,
          tower_id: str | None = None, target: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    s.add(OpsAudit(at=now, operator=operator[:64], action=action[:32], result=result[:32],
                   tower_id=tower_id[:32] if tower_id else None,
                   target=target[:64] if target else None, detail=detail or None))


def _lockout(row: Operator) -> Lockout:
    return Lockout(row.failures or 0, row.lock_level or 0, row.locked_until or 0.0)


def denied() -> ApiError:
    return ApiError(403, "OPS_DENIED", "Wrong name or password.")


def locked(wait_s: float) -> ApiError:
    return ApiError(403, "OPS_LOCKED", "Too many wrong passwords; try again later.",
                    retry_after_s=max(1, round(wait_s)))


class OperatorBook:
    """Logins and sessions of the console; ``now`` is the service clock."""

    def __init__(self, db: Database, now: Callable[[], float]) -> None:
        self.db = db
        self.now = now

    def login(self, name: str, password: str, address: str) -> tuple[str, str]:
        """(session token, operator name) or ApiError OPS_DENIED / OPS_LOCKED.
        Blocking (scrypt, ~50 ms): call it off the event loop."""
        name = normal_name(name)[:64]
        now = self.now()
        with self.db.read() as s:
            row = s.get(Operator, name)
            known = row is not None and row.active
            stored = row.password_hash if known else None
            state = _lockout(row) if known else None
        if state is None:
            state = name_lockout(self.db, _SHADOW_KEY + name)
        if state.locked_for(now) > 0:
            with self.db.write() as s:
                audit(s, name, "login", "locked", now, detail={"from": address})
            raise locked(state.locked_for(now))
        if stored is None:
            if not _DUMMY:
                _DUMMY.append(scrypt_hash("x" * MIN_PASSWORD))
            scrypt_verify(password, _DUMMY[0])  # the same work as a wrong password
            ok = False
        else:
            ok = scrypt_verify(password, stored)
        # Decided in the write transaction: guesses checked at once are
        # counted one after another, and none slips past a lock. The refusal
        # is raised after the commit, so its count and audit row stay.
        with self.db.write() as s:
            refusal, token = self._decide(s, name, ok, now, {"from": address})
        if refusal is not None:
            raise refusal
        return token, name

    def _decide(self, s: Session, name: str, ok: bool, now: float,
                where: dict[str, Any]) -> tuple[ApiError | None, str]:
        row = s.get(Operator, name)
        if row is None or not row.active:
            after = name_failed(self.db, s, _SHADOW_KEY + name, now)
        else:
            current = _lockout(row)
            if current.locked_for(now) > 0:  # others' guesses locked it meanwhile
                audit(s, name, "login", "locked", now, detail=where)
                return locked(current.locked_for(now)), ""
            if ok:
                row.failures, row.lock_level, row.locked_until = 0, 0, None
                token = secrets.token_urlsafe(32)
                s.add(OperatorSession(token_hash=token_hash(token), operator=name,
                                      csrf=secrets.token_urlsafe(32), created_at=now,
                                      expires_at=now + SESSION_IDLE_S))
                audit(s, name, "login", "ok", now, detail=where)
                return None, token
            after = current.failed(now)
            row.failures, row.lock_level = after.failures, after.level
            row.locked_until = after.locked_until or None
        if after.locked_for(now) > 0:
            audit(s, name, "login", "denied; locked", now, detail=where)
            return locked(after.locked_for(now)), ""
        audit(s, name, "login", "denied", now, detail=where)
        return denied(), ""

    def session(self, token: str | None, touch: bool) -> Who | None:
        """The operator of a live session (``touch``: its idle time starts over)."""
        if not token or len(token) > 128:
            return None
        now = self.now()
        with (self.db.write() if touch else self.db.read()) as s:
            row = s.get(OperatorSession, token_hash(token))
            if row is None or row.ended_at is not None or row.expires_at <= now:
                return None
            op = s.get(Operator, row.operator)
            if op is None or not op.active:
                return None
            if touch:
                row.expires_at = min(now + SESSION_IDLE_S, row.created_at + SESSION_MAX_S)
            return Who(row.operator, row.csrf)

    def logout(self, token: str | None) -> None:
        if not token:
            return
        now = self.now()
        with self.db.write() as s:
            row = s.get(OperatorSession, token_hash(token))
            if row is not None and row.ended_at is None:
                row.ended_at = now
                audit(s, row.operator, "logout", "ok", now)


# -- ``kiosk-backend operator ...`` (backend.ops.cli) ---------------------------------

def add_operator(db: Database, name: str, password: str, now: float) -> str:
    """A new account (or a removed one back, with a new password)."""
    name = normal_name(name)
    problem = password_problem(password)
    if problem:
        raise PasswordRefused(problem)
    hashed = scrypt_hash(password)
    with db.write() as s:
        row = s.get(Operator, name)
        if row is not None and row.active:
            raise OpsAdminError(f"operator {name!r} exists (remove it first to reset the "
                                "password)")
        if row is None:
            row = Operator(name=name)
            s.add(row)
        row.password_hash, row.active, row.created_at = hashed, True, now
        row.failures, row.lock_level, row.locked_until = 0, 0, None
        audit(s, name, "account_added", "ok", now)
    return name


OPERATOR_ROWS = AccountTable(
    "operator", Operator, OperatorSession, "operator", OpsAdminError,
    audit=lambda s, name, action, now: audit(s, name, action, "ok", now))


def list_operators(db: Database, now: float) -> list[dict[str, Any]]:
    return list_accounts(OPERATOR_ROWS, db, now)


def remove_operator(db: Database, name: str, now: float) -> int:
    """Deactivated at once (the audit keeps the name); how many sessions ended."""
    return remove_account(OPERATOR_ROWS, db, name, now)


def unlock_operator(db: Database, name: str, now: float) -> None:
    unlock_account(OPERATOR_ROWS, db, name, now)
