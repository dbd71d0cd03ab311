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
    repeat_model_days: int = 60  # 0: a member may drive the same model again at once
    paid_drive_fee_minor: int = 9900  # 0: no paid drive below credit_min
    currency: str = "CNY"

    @property
    def repeat_window_s(self) -> float:
        return self.repeat_model_days * DAY_S

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
    model: str | None = None


def iso(t: float) -> str:
    """Unix seconds as ISO 8601 UTC with a Z, the wire form of every time."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def money(minor: int) -> str:
    """Minor units as the wire's decimal string: 9900 -> "99.00"."""
    return f"{minor // 100}.{minor % 100:02d}"


def to_minor(amount: float) -> int:
    return max(0, round(float(amount) * 100))


def paid_offer(policy: Policy) -> dict[str, str | int] | None:
    """What a member below the threshold may pay instead (None: not offered)."""
    if policy.paid_drive_fee_minor <= 0:
        return None
    return {"amount": money(policy.paid_drive_fee_minor), "currency": policy.currency,
            "days": max(1, policy.drive_max_h // 24)}


def check_member(policy: Policy, credit_score: int, drives: Sequence[DriveFact],
                 pending_deliveries: int, now: float, paid: bool = False) -> None:
    """Super Member (or ``paid``: a paid drive below the threshold), overdue,
    open, then the rolling quota; raises a Refusal."""
    if credit_score < policy.credit_min and not paid:
        offer = paid_offer(policy)
        context = {"paid_drive_fee": offer["amount"], "currency": offer["currency"]} if offer \
            else {}
        raise Refusal("NOT_SUPER_MEMBER", "Test drives are for Super Members.",
                      credit_min=policy.credit_min, **context)
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


def recent_models(policy: Policy, drives: Sequence[DriveFact], now: float
                  ) -> dict[str, tuple[float, float]]:
    """model -> (latest start inside the repeat window, when it may be driven
    again). Like the quota, a drive started exactly ``repeat_model_days`` ago
    has left the window: (now - W, now]."""
    if policy.repeat_model_days <= 0:
        return {}
    since = now - policy.repeat_window_s
    out: dict[str, tuple[float, float]] = {}
    for d in drives:
        if d.model and d.started_at > since and d.started_at > out.get(d.model, (-1.0,))[0]:
            out[d.model] = (d.started_at, d.started_at + policy.repeat_window_s)
    return out


def check_model(policy: Policy, drives: Sequence[DriveFact], model: str, now: float) -> None:
    """The next drive is of a different model: MODEL_ALREADY_DRIVEN otherwise."""
    recent = recent_models(policy, drives, now).get(model)
    if recent is not None:
        raise Refusal("MODEL_ALREADY_DRIVEN",
                      f"You test-drove this model in the last {policy.repeat_model_days} days.",
                      model=model, driven_at=iso(recent[0]), again_from=iso(recent[1]),
                      repeat_model_days=policy.repeat_model_days)


def eligibility(policy: Policy, credit_score: int, drives: Sequence[DriveFact],
                pending_deliveries: int, locked_until: float | None, now: float
                ) -> dict[str, object]:
    """Can this member drive today, said at the scan (verify checks again).

    Order: identity lockout, overdue, open, quota, then credit, so a member
    below the threshold is offered a paid drive only when nothing else stands
    in the way (paying would not help otherwise)."""
    recent = [{"model": m, "driven_at": iso(t), "again_from": iso(again)}
              for m, (t, again) in sorted(recent_models(policy, drives, now).items())]
    answer: dict[str, object] = {"can_drive": True, "reason": None, "context": {},
                                 "paid_drive": None, "recent_models": recent}
    try:
        if locked_until is not None and locked_until > now:
            raise Refusal("IDENTITY_LOCKED", "Locked out of identity checks.",
                          retry_at=iso(locked_until))
        check_member(policy, credit_score, drives, pending_deliveries, now, paid=True)
        check_member(policy, credit_score, (), 0, now)
    except Refusal as refusal:
        answer.update(can_drive=False, reason=refusal.reason, context=dict(refusal.context))
        if refusal.reason == "NOT_SUPER_MEMBER":
            answer["paid_drive"] = paid_offer(policy)
    return answer
