"""The rules' answers parsed strictly: eligibility, payments, model facts."""

from __future__ import annotations

import pytest

from common.errors import Reason
from kiosk.api_read import BadAnswer
from kiosk.rules_api import (
    ModelFacts,
    PaymentState,
    eligibility_of,
    model_facts_of,
    payment_of,
)

T = "2030-05-01T09:00:00Z"
OK = {"can_drive": True, "reason": None, "context": {}, "paid_drive": None,
      "recent_models": [{"model": "Breeze", "driven_at": T, "again_from": T}]}
CREDIT = {**OK, "can_drive": False, "reason": "NOT_SUPER_MEMBER", "context": {"credit_min": 700},
          "paid_drive": {"amount": "99.00", "currency": "CNY", "days": 3}}
PAY = {"payment_id": "P-1", "session_id": "S-1", "amount": "99.00", "currency": "CNY",
       "state": "pending", "expires_at": T, "pay_url": "http://h/member/pay/P-1"}


def test_good_eligibility():
    e = eligibility_of(OK)
    assert e.can_drive and e.reason is None and e.recent("Breeze").model == "Breeze"
    c = eligibility_of(CREDIT)
    assert (c.reason, c.paid_drive.amount, c.paid_drive.days) == (Reason.NOT_SUPER_MEMBER,
                                                                  "99.00", 3)
    assert c.context["credit_min"] == 700


@pytest.mark.parametrize("change", [
    {"can_drive": "yes"},
    {"can_drive": False},  # refused without a reason
    {"reason": "QUOTA_EXCEEDED"},  # a reason while it can drive
    {"can_drive": False, "reason": "SOMETHING_NEW"},
    {"can_drive": False, "reason": "LIVENESS_FAILED"},  # not a reason the scan can give
    {"context": []},
    {"can_drive": False, "reason": "DRIVE_OPEN",
     "paid_drive": {"amount": "99.00", "currency": "CNY", "days": 3}},  # offer for another reason
    {"recent_models": [{"model": "Breeze"}]},
    {"recent_models": "Breeze"},
])
def test_bad_eligibility(change):
    with pytest.raises(BadAnswer):
        eligibility_of({**OK, **change})


@pytest.mark.parametrize("offer", [
    {"amount": 99, "currency": "CNY", "days": 3},
    {"amount": "99", "currency": "CNY", "days": 3},
    {"amount": "99.00", "currency": "cny", "days": 3},
    {"amount": "99.00", "currency": "CNY", "days": 0},
    {"amount": "99.00", "currency": "CNY"},
])
def test_bad_paid_drive(offer):
    with pytest.raises(BadAnswer):
        eligibility_of({**CREDIT, "paid_drive": offer})


def test_good_payment():
    p = payment_of(PAY)
    assert (p.state, p.amount, p.paid) == (PaymentState.PENDING, "99.00", False)
    assert payment_of({**PAY, "state": "paid"}).paid


@pytest.mark.parametrize("change", [
    {"state": "lost"}, {"amount": 99.0}, {"amount": "99.0"}, {"currency": "YUAN"},
    {"pay_url": "javascript:alert(1)"}, {"pay_url": "http://h/a b"}, {"payment_id": "P 1"},
    {"expires_at": "tomorrow"},
])
def test_bad_payment(change):
    with pytest.raises(BadAnswer):
        payment_of({**PAY, **change})


@pytest.mark.parametrize("option, facts", [
    ({}, ModelFacts()),
    ({"range_km": None, "seats": None, "accel_s": None}, ModelFacts()),
    ({"range_km": 520, "seats": 5, "accel_s": 6.9}, ModelFacts(520, 5, 6.9)),
    ({"accel_s": 4}, ModelFacts(accel_s=4.0)),
])
def test_model_facts(option, facts):
    assert model_facts_of(option) == facts


@pytest.mark.parametrize("option", [
    {"range_km": "520"}, {"range_km": 0}, {"seats": 40}, {"seats": True}, {"accel_s": True},
    {"accel_s": -1.0}, {"accel_s": "6.9"},
])
def test_bad_model_facts(option):
    with pytest.raises(BadAnswer):
        model_facts_of(option)
