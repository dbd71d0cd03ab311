"""Each eligibility rule at its boundaries, over HTTP against the real service.

Past drives are placed directly in the database relative to the (settable)
service clock: nothing waits for days to pass.
"""

from __future__ import annotations

import pytest

from backend.rules import DAY_S, HOUR_S, iso
from common.errors import Reason, RefusedError
from tests.backend.backend_rig import ASTRONAUT, LIVE, OTHER

pytestmark = pytest.mark.allow_threads


def attempt(tower, member_id, embedding=ASTRONAUT, liveness=LIVE, colour="white"):
    """Scan, reserve, verify: the Authorization or the RefusedError."""
    ps = tower.session(member_id)
    res = tower.client.reserve(ps.session_id, "Aurora", colour)
    try:
        return tower.client.verify(ps.session_id, res.reservation_id, embedding, liveness)
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
    assert reason(attempt(tower, tower.member(template=OTHER))) is Reason.FACE_MISMATCH
    assert reason(attempt(tower, tower.member(template=None))) is Reason.FACE_MISMATCH
    near = [x + (0.49 / 128 ** 0.5) for x in ASTRONAUT]  # distance 0.49
    assert reason(attempt(tower, tower.member(), embedding=near)) is None
    far = [x + (0.51 / 128 ** 0.5) for x in ASTRONAUT]
    assert reason(attempt(tower, tower.member(), embedding=far)) is Reason.FACE_MISMATCH


def test_liveness_failed_needs_no_embedding(tower):
    dead = {"live": False, "challenges": ["blink"], "reason": "planar_motion"}
    assert reason(attempt(tower, tower.member(), embedding=None,
                          liveness=dead)) is Reason.LIVENESS_FAILED


def test_checks_run_in_the_documented_order(tower):
    start = tower.now() - 100 * HOUR_S
    worst = tower.member(credit=500, template=OTHER, drives=[(start, None)])
    dead = {"live": False, "challenges": [], "reason": None}
    assert reason(attempt(tower, worst, liveness=dead)) is Reason.LIVENESS_FAILED
    assert reason(attempt(tower, worst)) is Reason.FACE_MISMATCH
    assert reason(attempt(tower, worst, embedding=OTHER)) is Reason.NOT_SUPER_MEMBER


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
    assert reason(attempt(tower, member, colour="black")) is Reason.DRIVE_OPEN


def test_reservation_expires_after_five_minutes(tower):
    member = tower.member()
    ps = tower.session(member)
    res = tower.client.reserve(ps.session_id, "Aurora", "black")
    assert {o.colour: o.available_count for o in tower.client.inventory()}["black"] == 0
    tower.clock.advance(300)
    with pytest.raises(RefusedError) as info:
        tower.client.verify(ps.session_id, res.reservation_id, ASTRONAUT, LIVE)
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
    tower.client.set_bay_maintenance(res.bay, True, "sensor")
    with pytest.raises(RefusedError) as info:
        tower.client.verify(ps.session_id, res.reservation_id, ASTRONAUT, LIVE)
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
            "embedding": ASTRONAUT, "liveness": LIVE}
    answer = tower.post("/v1/verify", body)
    assert answer.status_code == 404
    assert answer.json()["error"]["reason"] == "RESERVATION_UNKNOWN"
    body["reservation_id"] = "R-doesnotexist"
    assert tower.post("/v1/verify", body).json()["error"]["reason"] == "RESERVATION_UNKNOWN"
    assert tower.client.verify(a.session_id, res.reservation_id, ASTRONAUT, LIVE).car_id \
        == res.car_id
