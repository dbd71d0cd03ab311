"""The eligibility rules as pure functions of facts and a time.

The service loads the facts inside the write transaction that then acts on
the answer, so a rule cannot be checked against a state that changes before
the car is authorised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.errors import Refusal

DAY_S = 86400.0
HOUR_S = 3600.0


@dataclass(frozen=True)
class Policy:
    credit_min: int = 700
    quota_drives: int = 5
    quota_window_days: int = 60
    drive_max_h: int = 72

    @property
    def quota_window_s(self) -> float:
        return self.quota_window_days * DAY_S

    @property
    def drive_max_s(self) -> float:
        return self.drive_max_h * HOUR_S


@dataclass(frozen=True)
class DriveFact:
    started_at: float
    due_at: float
    returned_at: float | None = None


def iso(t: float) -> str:
    """Unix seconds as ISO 8601 UTC with a Z, the wire form of every time."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_member(policy: Policy, credit_score: int, drives: Sequence[DriveFact],
                 pending_deliveries: int, now: float) -> None:
    """Super Member, overdue, open, then the rolling quota; raises a Refusal."""
    if credit_score < policy.credit_min:
        raise Refusal("NOT_SUPER_MEMBER", "Test drives are for Super Members.",
                      credit_min=policy.credit_min)
    open_drives = [d for d in drives if d.returned_at is None]
    overdue = [d for d in open_drives if now > d.due_at]
    if overdue:
        raise Refusal("DRIVE_OVERDUE", "A test drive is overdue: please return the car first.",
                      due_at=iso(min(d.due_at for d in overdue)))
    if open_drives or pending_deliveries:
        context = {"due_at": iso(open_drives[0].due_at)} if open_drives else {}
        raise Refusal("DRIVE_OPEN", "Only one test drive at a time.", **context)
    # A drive started exactly one window ago has left the window: (now - W, now].
    window_start = now - policy.quota_window_s
    recent = sorted(d.started_at for d in drives if d.started_at > window_start)
    if len(recent) >= policy.quota_drives:
        # The window drops the oldest drives one by one; one slot is free once
        # only quota - 1 of these remain inside it.
        oldest_to_leave = recent[len(recent) - policy.quota_drives]
        raise Refusal("QUOTA_EXCEEDED",
                      f"At most {policy.quota_drives} test drives in "
                      f"{policy.quota_window_days} days.",
                      next_possible_at=iso(oldest_to_leave + policy.quota_window_s),
                      quota_drives=policy.quota_drives,
                      quota_window_days=policy.quota_window_days)
