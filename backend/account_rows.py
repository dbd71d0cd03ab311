"""The account-row commands that staff and operators share: list, remove
(deactivate; the account's live sessions end) and unlock.

``backend.staff_service`` and ``backend.ops.accounts`` each describe their
tables with an ``AccountTable``; the rows have the same columns (name,
active, created_at and the ``common.pins.Lockout`` counters), their session
rows name the account in one column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import rules
from backend.db import Database


@dataclass(frozen=True)
class AccountTable:
    kind: str  # "staff", "operator": the listing's key and the refusals' word
    model: Any  # the account rows (Staff, Operator)
    session: Any  # their session rows (StaffSession, OperatorSession)
    owner: str  # the session rows' column naming the account
    error: type[Exception]  # raised for a name that has no (active) account
    # Writes the audit row of an account change (s, name, action, now), if kept.
    audit: Callable[[Session, str, str, float], None] | None = None

    def _audit(self, s: Session, name: str, action: str, now: float) -> None:
        if self.audit is not None:
            self.audit(s, name, action, now)


def normal_name(name: str) -> str:
    """Names are case-insensitive: typed on a keyboard, stored lowercase."""
    return name.strip().lower()


def list_accounts(table: AccountTable, db: Database, now: float) -> list[dict[str, Any]]:
    """One dict per account, by name (never a hash); a lock only while it holds."""
    m = table.model
    with db.read() as s:
        return [{table.kind: r.name, "active": r.active, "created_at": rules.iso(r.created_at),
                 "failures": r.failures, "lock_level": r.lock_level,
                 "locked_until": rules.iso(r.locked_until)
                 if r.locked_until and r.locked_until > now else None}
                for r in s.scalars(select(m).order_by(m.name))]


def remove_account(table: AccountTable, db: Database, name: str, now: float) -> int:
    """Deactivated at once (the audit keeps naming them); how many sessions ended."""
    name = normal_name(name)
    owner = getattr(table.session, table.owner)
    with db.write() as s:
        row = s.get(table.model, name)
        if row is None or not row.active:
            raise table.error(f"no {table.kind} {name!r}")
        row.active = False
        ended = s.execute(update(table.session).where(
            owner == name, table.session.ended_at.is_(None),
            table.session.expires_at > now).values(ended_at=now)).rowcount
        table._audit(s, name, "account_removed", now)
    return int(ended or 0)


def unlock_account(table: AccountTable, db: Database, name: str, now: float) -> None:
    """Clear an account's lockout (removed accounts too: ready if re-added)."""
    name = normal_name(name)
    with db.write() as s:
        row = s.get(table.model, name)
        if row is None:
            raise table.error(f"no {table.kind} {name!r}")
        row.failures, row.lock_level, row.locked_until = 0, 0, None
        table._audit(s, name, "account_unlocked", now)
