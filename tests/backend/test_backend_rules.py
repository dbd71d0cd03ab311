"""The eligibility rules as pure functions: every boundary in a table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from backend import judge, rules
from backend.errors import Refusal
from backend.rules import DAY_S, HOUR_S, DriveFact, Policy

NOW = 1_900_000_000.0
P = Policy()
FACE_MAX_DISTANCE = 0.5  # a tower's default (towers.face_max_distance)


def closed(days_ago: float) -> DriveFact:
    start = NOW - days_ago * DAY_S
    return DriveFact(start, start + 72 * HOUR_S, start + DAY_S)


def refusal(fn, *args) -> str | None:
    try:
        fn(*args)
    except Refusal as exc:
        return exc.reason
    return None


@pytest.mark.parametrize("score, expected", [
    (0, "NOT_SUPER_MEMBER"), (699, "NOT_SUPER_MEMBER"), (700, None), (701, None), (850, None)])
def test_super_member_threshold(score, expected):
    assert refusal(rules.check_member, P, score, [], 0, NOW) == expected


@pytest.mark.parametrize("past, expected", [
    (0, None), (4, None),  # the 5th drive is allowed
    (5, "QUOTA_EXCEEDED"),  # the 6th is not
    (9, "QUOTA_EXCEEDED")])
def test_quota_counts_drives_in_window(past, expected):
    drives = [closed(1 + i) for i in range(past)]
    assert refusal(rules.check_member, P, 760, drives, 0, NOW) == expected


@pytest.mark.parametrize("oldest_days_ago, expected", [
    (59, "QUOTA_EXCEEDED"), (60 - 1 / 86400, "QUOTA_EXCEEDED"),
    (60, None),  # exactly one window ago: out of (now - 60 d, now]
    (61, None)])
def test_rolling_window_boundary(oldest_days_ago, expected):
    drives = [closed(oldest_days_ago)] + [closed(d) for d in (40, 30, 20, 10)]
    assert refusal(rules.check_member, P, 760, drives, 0, NOW) == expected


def test_quota_refusal_says_when_next_possible():
    drives = [closed(d) for d in (50, 40, 30, 20, 10)]
    with pytest.raises(Refusal) as info:
        rules.check_member(P, 760, drives, 0, NOW)
    assert info.value.context["next_possible_at"] == rules.iso(NOW + 10 * DAY_S)
    # With more than the quota in the window, the next slot opens when enough
    # drives have left it, not when the oldest does.
    drives = [closed(d) for d in (55, 50, 40, 30, 20, 10)]
    with pytest.raises(Refusal) as info:
        rules.check_member(P, 760, drives, 0, NOW)
    assert info.value.context["next_possible_at"] == rules.iso(NOW + 10 * DAY_S)


@pytest.mark.parametrize("hours_ago, expected", [
    (1, "DRIVE_OPEN"), (71, "DRIVE_OPEN"), (72, "DRIVE_OPEN"),  # due exactly now
    (72 + 1 / 3600, "DRIVE_OVERDUE"), (100, "DRIVE_OVERDUE")])
def test_open_and_overdue_at_hour_72(hours_ago, expected):
    start = NOW - hours_ago * HOUR_S
    drives = [DriveFact(start, start + 72 * HOUR_S)]
    assert refusal(rules.check_member, P, 760, drives, 0, NOW) == expected


def test_pending_delivery_counts_as_open():
    assert refusal(rules.check_member, P, 760, [], 1, NOW) == "DRIVE_OPEN"


def test_order_credit_then_overdue_then_open_then_quota():
    start = NOW - 100 * HOUR_S
    overdue = DriveFact(start, start + 72 * HOUR_S)
    many = [closed(d) for d in (50, 40, 30, 20, 10)]
    assert refusal(rules.check_member, P, 600, [overdue, *many], 0, NOW) == "NOT_SUPER_MEMBER"
    assert refusal(rules.check_member, P, 760, [overdue, *many], 0, NOW) == "DRIVE_OVERDUE"
    open_now = DriveFact(NOW - HOUR_S, NOW + 71 * HOUR_S)
    assert refusal(rules.check_member, P, 760, [open_now, *many], 0, NOW) == "DRIVE_OPEN"


def test_policy_is_configurable():
    strict = Policy(credit_min=750, quota_drives=2, quota_window_days=7)
    assert refusal(rules.check_member, strict, 749, [], 0, NOW) == "NOT_SUPER_MEMBER"
    assert refusal(rules.check_member, strict, 760, [closed(1), closed(6)], 0,
                   NOW) == "QUOTA_EXCEEDED"
    assert refusal(rules.check_member, strict, 760, [closed(1), closed(7)], 0, NOW) is None


# The face threshold moved to the judge (its workers compare the embedding of
# the best frame with the member's template): the same boundaries, on
# ``judge.w_finish`` with a decided liveness session and a fixed embedding.


class _DecidedSession:
    def __init__(self) -> None:
        self.result = SimpleNamespace(live=True, reason=None)
        self.cleared = False

    def best_frame(self) -> SimpleNamespace:
        return SimpleNamespace(image=None, box=None)

    def clear(self) -> None:
        self.cleared = True


class _Embedder:
    def __init__(self, embedding: list[float] | None) -> None:
        self.embedding = embedding

    def embed(self, image: object, box: object) -> list[float]:
        if self.embedding is None:
            raise ValueError("no face")
        return self.embedding


def judged_face(monkeypatch, probe: list[float] | None,
                template: list[float] | None) -> bool | None:
    session = _DecidedSession()
    selfie_id = f"S-rules-{id(session)}"
    judge._SESSIONS[selfie_id] = (session, 0.0)
    monkeypatch.setattr(judge, "_EMBEDDER", _Embedder(probe))
    live, reason, match = judge.w_finish(selfie_id, template, FACE_MAX_DISTANCE)
    assert (live, reason) == (True, None) and session.cleared
    assert selfie_id not in judge._SESSIONS
    return match


@pytest.mark.parametrize("shift, expected", [
    (0.0, True), (0.49, True), (0.5, True), (0.5001, False), (0.9, False)])
def test_face_distance_threshold(monkeypatch, shift, expected):
    template = [0.0] * 128
    probe = [shift] + [0.0] * 127
    assert judged_face(monkeypatch, probe, template) is expected


@pytest.mark.parametrize("probe, template", [
    (None, [0.0] * 128), ([0.0] * 128, None), ([0.0] * 127, [0.0] * 128)])
def test_face_missing_or_misshapen_is_a_mismatch(monkeypatch, probe, template):
    assert judged_face(monkeypatch, probe, template) is False
