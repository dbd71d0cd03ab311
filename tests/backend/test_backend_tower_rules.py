"""Issue #14's rules at their boundaries, over HTTP against the real service:
eligibility said at the scan, a different model next time, paid drives below
the credit threshold (open, pay, expire, cancel, refund) and the models'
key facts in the inventory.
"""

from __future__ import annotations

import pytest
import requests

from backend.models import IdentityLock, Payment
from backend.rules import DAY_S, HOUR_S, iso
from sim.member_app import member_token

pytestmark = pytest.mark.allow_threads


def eligibility(tower, member_id):
    r = tower.post("/v1/sessions", {"pass_text": tower.pass_text(member_id)})
    assert r.status_code == 200, r.text
    return r.json()["session_id"], r.json()["eligibility"]


def reserve(tower, session_id, model="Aurora", colour="white"):
    return tower.post("/v1/reservations", {"session_id": session_id, "model": model,
                                           "colour": colour})


def verify(tower, session_id, reservation_id, payment_id=None):
    body = {"session_id": session_id, "reservation_id": reservation_id,
            "selfie_id": tower.judged_selfie(session_id)}
    if payment_id is not None:
        body["payment_id"] = payment_id
    return tower.post("/v1/verify", body)


def refusal(r: requests.Response) -> str | None:
    return r.json()["error"]["reason"] if r.status_code == 409 else None


def open_payment(tower, session_id):
    return tower.post("/v1/payments", {"session_id": session_id})


def member_call(tower, member_id, payment_id, action="pay"):
    return requests.post(f"{tower.url}/v1/member/payments/{payment_id}/{action}",
                         headers={"Authorization": f"Bearer {member_token(member_id)}"},
                         timeout=10)


def payment_row(tower, payment_id) -> Payment:
    with tower.server.db.read() as s:
        row = s.get(Payment, payment_id)
        s.expunge(row)
        return row


def paid_session(tower, member_id):
    """A session of ``member_id`` with its paid drive paid in the app."""
    session_id, _ = eligibility(tower, member_id)
    pay = open_payment(tower, session_id).json()
    assert member_call(tower, member_id, pay["payment_id"]).json()["state"] == "paid"
    return session_id, pay["payment_id"]


# -- eligibility at the scan ---------------------------------------------------------
def _case(tower, kind):
    now = tower.now()
    if kind == "ok":
        return tower.member()
    if kind == "credit":
        return tower.member(credit=699)
    if kind == "open":
        return tower.member(drives=[(now - DAY_S, None)])
    if kind == "overdue":
        return tower.member(drives=[(now - 72 * HOUR_S - 1, None)])
    if kind == "credit+open":
        return tower.member(credit=600, drives=[(now - DAY_S, None)])
    if kind == "quota":
        return tower.member(drives=[(now - d * DAY_S, now - d * DAY_S + 3600)
                                    for d in (50, 40, 30, 20, 10)])
    member = tower.member()
    with tower.server.db.write() as s:
        s.add(IdentityLock(member_id=member, until=now + 600, since=now))
    return member


@pytest.mark.parametrize("kind, reason, offered", [
    ("ok", None, False),
    ("credit", "NOT_SUPER_MEMBER", True),
    ("open", "DRIVE_OPEN", False),
    ("overdue", "DRIVE_OVERDUE", False),
    ("credit+open", "DRIVE_OPEN", False),  # paying would not help: no offer
    ("quota", "QUOTA_EXCEEDED", False),
    ("locked", "IDENTITY_LOCKED", False),
])
def test_the_scan_says_whether_the_member_can_drive(tower, kind, reason, offered):
    _, e = eligibility(tower, _case(tower, kind))
    assert (e["can_drive"], e["reason"]) == (reason is None, reason)
    assert (e["paid_drive"] == {"amount": "99.00", "currency": "CNY", "days": 3}) is offered
    if kind == "quota":
        assert e["context"]["next_possible_at"] == iso(tower.now() - 50 * DAY_S + 60 * DAY_S)
    if kind == "locked":
        assert e["context"]["retry_at"] == iso(tower.now() + 600)


def test_no_paid_drive_offered_when_the_fee_is_zero(tower):
    tower.settings(paid_drive_fee=0)
    _, e = eligibility(tower, tower.member(credit=699))
    assert (e["reason"], e["paid_drive"]) == ("NOT_SUPER_MEMBER", None)
    session_id, _ = eligibility(tower, tower.member(credit=699))
    r = open_payment(tower, session_id)
    assert (r.status_code, r.json()["error"]["reason"]) == (409, "PAID_DRIVE_UNAVAILABLE")


# -- a different model next time -------------------------------------------------------
@pytest.mark.parametrize("days_ago, refused", [
    (59, True), (60 - 1 / DAY_S, True), (60, False), (61, False)])
def test_the_day_a_repeat_becomes_allowed(tower, days_ago, refused):
    started = tower.now() - days_ago * DAY_S
    member = tower.member(drives=[(started, started + HOUR_S)], drive_model="Aurora")
    session_id, e = eligibility(tower, member)
    listed = [m["model"] for m in e["recent_models"]]
    assert listed == (["Aurora"] if refused else [])
    r = reserve(tower, session_id)
    assert refusal(r) == ("MODEL_ALREADY_DRIVEN" if refused else None)
    if refused:
        err = r.json()["error"]
        assert (err["model"], err["driven_at"], err["again_from"]) == (
            "Aurora", iso(started), iso(started + 60 * DAY_S))
        assert e["recent_models"][0]["again_from"] == iso(started + 60 * DAY_S)
        # Another model is fine.
        tower.add_car("Breeze", "red")
        assert reserve(tower, session_id, "Breeze", "red").status_code == 200


def test_repeat_model_days_zero_allows_repeats(tower):
    tower.settings(repeat_model_days=0)
    started = tower.now() - 2 * DAY_S
    member = tower.member(drives=[(started, started + HOUR_S)], drive_model="Aurora")
    session_id, e = eligibility(tower, member)
    assert e["recent_models"] == []
    res = reserve(tower, session_id).json()
    assert verify(tower, session_id, res["reservation_id"]).status_code == 200


def test_verify_checks_the_model_again(tower):
    member = tower.member()
    session_id, _ = eligibility(tower, member)
    res = reserve(tower, session_id).json()
    # Between reserve and verify an Aurora drive is recorded (another tower).
    car = tower.add_car("Aurora", "red", bay=None)
    from backend.seed import add_drive

    with tower.server.db.write() as s:
        add_drive(s, f"D-late-{member}", member, car, tower.tower_id, tower.now() - HOUR_S,
                  returned_at=tower.now() - 60)
    assert refusal(verify(tower, session_id, res["reservation_id"])) == "MODEL_ALREADY_DRIVEN"


# -- paid drives -------------------------------------------------------------------------
def test_a_paid_drive_from_payment_to_authorisation(tower):
    member = tower.member(credit=699)
    session_id, e = eligibility(tower, member)
    assert e["paid_drive"]["amount"] == "99.00"
    first = open_payment(tower, session_id)
    assert first.status_code == 200, first.text
    pay = first.json()
    assert (pay["amount"], pay["currency"], pay["state"]) == ("99.00", "CNY", "pending")
    assert pay["pay_url"].endswith(f"/member/pay/{pay['payment_id']}")
    # Opening again (another key) gives the session's live payment, not a second one.
    assert open_payment(tower, session_id).json()["payment_id"] == pay["payment_id"]
    # Without paying: refused, with the offer in the refusal.
    res = reserve(tower, session_id).json()
    r = verify(tower, session_id, res["reservation_id"])
    assert refusal(r) == "NOT_SUPER_MEMBER"
    assert (r.json()["error"]["paid_drive_fee"], r.json()["error"]["currency"]) == ("99.00", "CNY")
    # Paid in the app, twice: the same answer.
    assert member_call(tower, member, pay["payment_id"]).json()["state"] == "paid"
    assert member_call(tower, member, pay["payment_id"]).json()["state"] == "paid"
    assert tower.get(f"/v1/payments/{pay['payment_id']}").json()["state"] == "paid"
    res = reserve(tower, session_id).json()
    ok = verify(tower, session_id, res["reservation_id"], pay["payment_id"])
    assert ok.status_code == 200, ok.text
    row = payment_row(tower, pay["payment_id"])
    assert (row.state, row.job_id, row.amount_minor) == ("used", ok.json()["job_id"], 9900)
    # Used once: the session's next verify would need a new payment.
    assert tower.get(f"/v1/payments/{pay['payment_id']}").json()["state"] == "used"


def test_an_expired_payment(tower):
    member = tower.member(credit=699)
    session_id, _ = eligibility(tower, member)
    pay = open_payment(tower, session_id).json()
    tower.clock.advance(180)
    assert tower.get(f"/v1/payments/{pay['payment_id']}").json()["state"] == "expired"
    r = member_call(tower, member, pay["payment_id"])
    assert (r.status_code, r.json()["error"]["reason"]) == (409, "PAYMENT_EXPIRED")
    res = reserve(tower, session_id).json()
    assert refusal(verify(tower, session_id, res["reservation_id"],
                          pay["payment_id"])) == "PAYMENT_EXPIRED"


def test_paid_one_second_before_expiry_counts(tower):
    member = tower.member(credit=699)
    session_id, _ = eligibility(tower, member)
    pay = open_payment(tower, session_id).json()
    tower.clock.advance(179)
    assert member_call(tower, member, pay["payment_id"]).json()["state"] == "paid"
    tower.clock.advance(60)  # paid stays paid
    res = reserve(tower, session_id).json()
    assert verify(tower, session_id, res["reservation_id"], pay["payment_id"]).status_code == 200


def test_a_payment_for_another_session_pays_for_nothing(tower):
    member = tower.member(credit=699)
    _, paid_id = paid_session(tower, member)
    other_session, _ = eligibility(tower, member)
    res = reserve(tower, other_session).json()
    assert refusal(verify(tower, other_session, res["reservation_id"],
                          paid_id)) == "NOT_SUPER_MEMBER"
    assert payment_row(tower, paid_id).state == "paid"  # not this session's to refund


def test_a_paid_member_who_also_hits_the_quota(tower):
    now = tower.now()
    quota = [(now - d * DAY_S, now - d * DAY_S + 3600) for d in (50, 40, 30, 20, 10)]
    # Known at the scan: no payment is opened (paying would not help).
    session_id, e = eligibility(tower, tower.member(credit=699, drives=quota))
    assert (e["reason"], e["paid_drive"]) == ("QUOTA_EXCEEDED", None)
    assert refusal(open_payment(tower, session_id)) == "QUOTA_EXCEEDED"
    # Paid, then the quota is reached in between: verify refuses and refunds.
    member = tower.member(credit=699, drives=quota[:4])
    session_id, paid_id = paid_session(tower, member)
    car = tower.add_car("Comet", "white", bay=None)
    from backend.seed import add_drive

    with tower.server.db.write() as s:
        add_drive(s, f"D-q-{member}", member, car, tower.tower_id, now - DAY_S,
                  returned_at=now - 3600)
    res = reserve(tower, session_id).json()
    assert refusal(verify(tower, session_id, res["reservation_id"], paid_id)) == "QUOTA_EXCEEDED"
    row = payment_row(tower, paid_id)
    assert (row.state, row.refund_reason) == ("refunded", "refused")


@pytest.mark.parametrize("outcome", ["failed_in_bay", "failed_moved"])
def test_a_lift_failure_after_payment_refunds_it(tower, outcome):
    member = tower.member(credit=699)
    session_id, paid_id = paid_session(tower, member)
    res = reserve(tower, session_id).json()
    job = verify(tower, session_id, res["reservation_id"], paid_id).json()["job_id"]
    assert tower.client.report_job(job, outcome).state == outcome
    row = payment_row(tower, paid_id)
    assert (row.state, row.refund_reason, row.refunded_at) == ("refunded", "lift_failed",
                                                               tower.now())
    tower.client.report_job(job, outcome)  # reported again: still one refund
    assert payment_row(tower, paid_id).refunded_at == tower.now()


def test_a_delivered_paid_drive_keeps_its_payment(tower):
    member = tower.member(credit=699)
    session_id, paid_id = paid_session(tower, member)
    res = reserve(tower, session_id).json()
    job = verify(tower, session_id, res["reservation_id"], paid_id).json()["job_id"]
    tower.client.report_job(job, "delivered")
    assert payment_row(tower, paid_id).state == "used"


def test_cancelled_and_declined_payments(tower):
    member = tower.member(credit=699)
    session_id, _ = eligibility(tower, member)
    pay = open_payment(tower, session_id).json()
    cancel = tower.post(f"/v1/payments/{pay['payment_id']}/cancel")
    assert cancel.json()["state"] == "cancelled"
    r = member_call(tower, member, pay["payment_id"])
    assert (r.status_code, r.json()["error"]["reason"]) == (409, "PAYMENT_CANCELLED")
    res = reserve(tower, session_id).json()
    assert refusal(verify(tower, session_id, res["reservation_id"],
                          pay["payment_id"])) == "PAYMENT_CANCELLED"
    # Declined in the app: the kiosk learns it as cancelled.
    session_id, _ = eligibility(tower, member)
    pay = open_payment(tower, session_id).json()
    assert member_call(tower, member, pay["payment_id"], "cancel").json()["state"] == "cancelled"
    assert tower.get(f"/v1/payments/{pay['payment_id']}").json()["state"] == "cancelled"


def test_cancelling_a_paid_payment_refunds_it(tower):
    member = tower.member(credit=699)
    _, paid_id = paid_session(tower, member)
    assert tower.post(f"/v1/payments/{paid_id}/cancel").json()["state"] == "refunded"
    assert payment_row(tower, paid_id).refund_reason == "cancelled"


def test_payments_belong_to_their_member_and_kiosk(tower):
    member = tower.member(credit=699)
    session_id, _ = eligibility(tower, member)
    pay = open_payment(tower, session_id).json()
    other = tower.member(credit=699)
    assert member_call(tower, other, pay["payment_id"]).status_code == 404
    assert requests.post(f"{tower.url}/v1/member/payments/{pay['payment_id']}/pay",
                         headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    assert tower.get("/v1/payments/P-unknown").status_code == 404
    assert payment_row(tower, pay["payment_id"]).state == "pending"


def test_a_super_member_needs_no_payment(tower):
    session_id, _ = eligibility(tower, tower.member(credit=700))
    r = open_payment(tower, session_id)
    assert (r.status_code, r.json()["error"]["reason"]) == (409, "PAYMENT_NOT_NEEDED")


def test_the_demo_pay_page_holds_no_data(tower):
    r = requests.get(f"{tower.url}/member/pay/P-123", timeout=10)
    assert r.status_code == 200 and "/v1/member/payments/P-123" in r.text
    assert "99.00" not in r.text


# -- the showcase's facts ------------------------------------------------------------------
def test_inventory_carries_each_models_key_facts(tower):
    options = tower.get("/v1/inventory").json()["options"]
    aurora = next(o for o in options if o["model"] == "Aurora")
    assert (aurora["range_km"], aurora["seats"], aurora["accel_s"]) == (520, 5, 6.9)


# -- the kiosk's client against the real service ------------------------------------------
def test_the_kiosk_client_reads_the_rules(tower):
    from common.errors import Reason
    from kiosk.rules_api import PaymentState

    member = tower.member(credit=699)
    ps = tower.session(member)
    assert (ps.eligibility.can_drive, ps.eligibility.reason) == (False, Reason.NOT_SUPER_MEMBER)
    assert ps.eligibility.paid_drive.amount == "99.00"
    pay = tower.client.open_payment(ps.session_id)
    assert (pay.state, pay.currency) == (PaymentState.PENDING, "CNY")
    member_call(tower, member, pay.payment_id)
    assert tower.client.payment(pay.payment_id).paid
    res = tower.client.reserve(ps.session_id, "Aurora", "white")
    selfie = tower.judged_selfie(ps.session_id)
    auth = tower.client.verify(ps.session_id, res.reservation_id, selfie,
                               payment_id=pay.payment_id)
    assert auth.job_id
    assert tower.client.cancel_payment(pay.payment_id).state is PaymentState.USED
    facts = {o.model: o.facts for o in tower.client.inventory()}
    assert facts["Aurora"].range_km == 520
