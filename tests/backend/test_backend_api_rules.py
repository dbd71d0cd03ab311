"""Each eligibility rule at its boundaries, over HTTP against the real service.

Past drives are placed directly in the database relative to the (settable)
service clock: nothing waits for days to pass. The selfie verify names is
written already judged (``TowerRig.judged_selfie``): the judge itself is
tested on real frames in test_backend_selfies.py.
"""

from __future__ import annotations

import pytest

from backend.models import IdentityLock
from backend.rules import DAY_S, HOUR_S, iso
from common.errors import Reason, RefusedError

pytestmark = pytest.mark.allow_threads


def attempt(tower, member_id, live=True, face_match=True, colour="white"):
    """Scan, reserve, verify with a selfie judged ``live``/``face_match``:
    the Authorization or the RefusedError."""
    ps = tower.session(member_id)
    res = tower.client.reserve(ps.session_id, "Aurora", colour)
    try:
        return tower.verify(ps.session_id, res.reservation_id, live, face_match)
    except RefusedError as exc:
        return exc


def reason(result) -> Reason | None:
    return result.reason if isinstance(result, RefusedError) else None


@pytest.mark.parametrize("score, expected", [(699, Reason.NOT_SUPER_MEMBER), (700, None)])
def test_credit_score_boundary(tower, score, expected):
    assert reason(attempt(tower, tower.member(credit=score))) == expected


@pytest.mark.parametrize("past, expected", [(4, None), (5, Reason.QUOTA_EXCEEDED)])
def test_fifth_drive_allowed_sixth_refused(tower, past, expected):
    now = tower.now()
    drives = [(now - (5 + 10 * i) * DAY_S, now - (4 + 10 * i) * DAY_S) for i in range(past)]
    assert reason(attempt(tower, tower.member(drives=drives))) == expected


@pytest.mark.parametrize("oldest_days_ago, expected", [
    (59, Reason.QUOTA_EXCEEDED), (60, None), (61, None)])
def test_rolling_sixty_days(tower, oldest_days_ago, expected):
    now = tower.now()
    starts = [now - oldest_days_ago * DAY_S] + [now - d * DAY_S for d in (40, 30, 20, 10)]
    result = attempt(tower, tower.member(drives=[(s, s + DAY_S) for s in starts]))
    assert reason(result) == expected
    if expected is Reason.QUOTA_EXCEEDED:
        assert result.context["next_possible_at"] == iso(starts[0] + 60 * DAY_S)


@pytest.mark.parametrize("hours_ago, expected", [
    (72, Reason.DRIVE_OPEN), (72 + 1 / 3600, Reason.DRIVE_OVERDUE)])
def test_hour_seventy_two(tower, hours_ago, expected):
    start = tower.now() - hours_ago * HOUR_S
    assert reason(attempt(tower, tower.member(drives=[(start, None)]))) == expected


def test_face_mismatch_and_match(tower):
    assert reason(attempt(tower, tower.member(), face_match=False)) is Reason.FACE_MISMATCH
    # Live, but the judge never compared a face (no usable frame): no match.
    assert reason(attempt(tower, tower.member(), face_match=None)) is Reason.FACE_MISMATCH
    assert reason(attempt(tower, tower.member(), face_match=True)) is None


def test_liveness_failed(tower):
    assert reason(attempt(tower, tower.member(), live=False)) is Reason.LIVENESS_FAILED


def test_checks_run_in_the_documented_order(tower):
    start = tower.now() - 100 * HOUR_S
    worst = tower.member(credit=500, drives=[(start, None)])
    assert reason(attempt(tower, worst, live=False)) is Reason.LIVENESS_FAILED
    assert reason(attempt(tower, worst, face_match=False)) is Reason.FACE_MISMATCH
    assert reason(attempt(tower, worst)) is Reason.NOT_SUPER_MEMBER
    # A locked-out member is refused before the selfie is even looked at.
    with tower.server.db.write() as s:
        s.add(IdentityLock(member_id=worst, until=tower.now() + 60, since=tower.now()))
    locked = attempt(tower, worst, live=False)
    assert reason(locked) is Reason.IDENTITY_LOCKED
    assert locked.context["retry_at"] == iso(tower.now() + 60)


def test_refusal_releases_the_reservation(tower):
    before = {o.colour: o.available_count for o in tower.client.inventory()}
    assert reason(attempt(tower, tower.member(credit=1))) is Reason.NOT_SUPER_MEMBER
    after = {o.colour: o.available_count for o in tower.client.inventory()}
    assert after == before


def test_one_open_drive_per_member_from_authorisation_on(tower):
    member = tower.member()
    auth = attempt(tower, member)
    assert reason(auth) is None
    # Authorised but not yet delivered already blocks a second car.
    assert reason(attempt(tower, member, colour="black")) is Reason.DRIVE_OPEN
    tower.client.report_job(auth.job_id, "delivered")
    tower.settings(repeat_model_days=0)  # else reserve refuses the Aurora first
    assert reason(attempt(tower, member, colour="black")) is Reason.DRIVE_OPEN


def test_reservation_expires_after_five_minutes(tower):
    member = tower.member()
    ps = tower.session(member)
    res = tower.client.reserve(ps.session_id, "Aurora", "black")
    assert {o.colour: o.available_count for o in tower.client.inventory()}["black"] == 0
    tower.clock.advance(300)
    with pytest.raises(RefusedError) as info:
        tower.verify(ps.session_id, res.reservation_id)
    assert info.value.reason is Reason.RESERVATION_EXPIRED
    assert {o.colour: o.available_count for o in tower.client.inventory()}["black"] == 1


def test_expired_hold_is_released_lazily_on_read(tower):
    ps = tower.session(tower.member())
    tower.client.reserve(ps.session_id, "Aurora", "black")
    tower.clock.advance(301)
    assert {o.colour: o.available_count for o in tower.client.inventory()}["black"] == 1
    ps2 = tower.session(tower.member())
    assert tower.client.reserve(ps2.session_id, "Aurora", "black").colour == "black"


def test_car_taken_out_of_service_while_held(tower):
    ps = tower.session(tower.member())
    res = tower.client.reserve(ps.session_id, "Aurora", "black")
    tower.client.set_bay_maintenance(res.bay, True, "sensor", staff_session=tower.staff_token())
    with pytest.raises(RefusedError) as info:
        tower.verify(ps.session_id, res.reservation_id)
    assert info.value.reason is Reason.CAR_UNAVAILABLE


def test_session_expires_after_ten_minutes(tower):
    from common.errors import BackendError

    ps = tower.session(tower.member())
    tower.clock.advance(600)
    with pytest.raises(BackendError) as info:
        tower.client.reserve(ps.session_id, "Aurora", "white")
    assert info.value.reason is Reason.SESSION_EXPIRED


def test_a_session_cannot_verify_another_sessions_reservation(tower):
    """Same kiosk, two members: B's session cannot use A's held car, and A's
    hold survives the attempt."""
    a, b = tower.session(tower.member()), tower.session(tower.member())
    res = tower.client.reserve(a.session_id, "Aurora", "black")
    body = {"session_id": b.session_id, "reservation_id": res.reservation_id,
            "selfie_id": tower.judged_selfie(b.session_id)}
    answer = tower.post("/v1/verify", body)
    assert answer.status_code == 404
    assert answer.json()["error"]["reason"] == "RESERVATION_UNKNOWN"
    body["reservation_id"] = "R-doesnotexist"
    assert tower.post("/v1/verify", body).json()["error"]["reason"] == "RESERVATION_UNKNOWN"
    assert tower.verify(a.session_id, res.reservation_id).car_id == res.car_id
