"""Issue #14 through the kiosk core with fake services: refused at the scan
with the next step, a paid drive (QR, polls, paid, verify with the payment),
its expiry and cancel, Return and Buy in the same session, a model driven
too recently."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from common.errors import Reason
from kiosk.app import Kiosk, SelfieStage
from kiosk.journey import Flow, State
from kiosk.next_steps import NextStep
from kiosk.payment_step import POLL_S
from kiosk.rules_api import Eligibility, PaidDrive
from kiosk.tasks import CallbackQueue, TaskRunner
from tests.kiosk.fakes import FakeServices, settle
from tests.kiosk.test_app import begin_selfie, good_pass, live

OFFER = PaidDrive(amount="99.00", currency="CNY", days=3)


def refused(reason, paid=None, **context):
    return Eligibility(can_drive=False, reason=reason, context=MappingProxyType(context),
                       paid_drive=paid)


@pytest.fixture
def rig():
    q = CallbackQueue()
    services = FakeServices()
    kiosk = Kiosk(services, TaskRunner(q), clock=services.clock)
    yield kiosk, services, q
    kiosk.shutdown()


def scan(kiosk, services, q, eligibility, expect=State.REFUSED):
    services.backend.eligibility = eligibility
    kiosk.start()
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is expect)


def to_payment(kiosk, q):
    kiosk.pay_for_drive()
    settle(q, lambda: kiosk.last_payment is not None)


def poll_once(kiosk, services, state):
    services.backend.payment_states = [state]
    services.clock.advance(POLL_S)
    kiosk.tick()


@pytest.mark.parametrize("eligibility, steps", [
    (refused(Reason.NOT_SUPER_MEMBER, OFFER, credit_min=700), (NextStep.PAY, NextStep.BUY)),
    (refused(Reason.NOT_SUPER_MEMBER, credit_min=700), (NextStep.BUY,)),
    (refused(Reason.DRIVE_OPEN), (NextStep.RETURN,)),
    (refused(Reason.DRIVE_OVERDUE), (NextStep.RETURN,)),
    (refused(Reason.QUOTA_EXCEEDED, next_possible_at="2030-05-01T09:00:00Z"), (NextStep.BUY,)),
    (refused(Reason.IDENTITY_LOCKED, retry_at="2030-05-01T09:00:00Z"), ()),
])
def test_refused_at_the_scan_with_the_next_step(rig, eligibility, steps):
    kiosk, services, q = rig
    scan(kiosk, services, q, eligibility)
    s = kiosk.journey.session
    assert (s.refusal, s.session_id) == (eligibility.reason, "S1")
    assert kiosk.next_steps() == steps
    for key, value in eligibility.context.items():
        assert s.refusal_context[key] == value
    if NextStep.PAY in steps:
        assert s.refusal_context["paid_drive_fee"] == "99.00"
    # Nothing was reserved or posed for.
    assert not services.backend.named("reserve") and not services.backend.named("open_selfie")


def test_a_paid_drive_to_the_handover(rig):
    kiosk, services, q = rig
    seen = []
    kiosk.subscribe("payment", seen.append)
    scan(kiosk, services, q, refused(Reason.NOT_SUPER_MEMBER, OFFER))
    kiosk.pay_for_drive()
    assert kiosk.journey.state is State.PAYMENT
    settle(q, lambda: kiosk.last_payment is not None)
    assert services.backend.named("open_payment") == [("S1",)]
    services.backend.payment_states = ["pending", "paid"]
    for polls in (2, 3):  # one poll a second: paid is seen at the second
        services.clock.advance(POLL_S)
        kiosk.tick()
        settle(q, lambda n=polls: len(seen) >= n)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    assert [p.state.value for p in seen] == ["pending", "pending", "paid"]
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)
    kiosk.begin_selfie()
    settle(q, lambda: kiosk.selfie_stage is SelfieStage.LIVE)
    services.loops[-1].push(live())
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.HANDOVER)
    assert services.backend.named("verify") == [("S1", "R1", "F1", "P1")]
    assert not services.backend.named("cancel_payment")  # paid: never cancelled


def test_polls_wait_a_second(rig):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.NOT_SUPER_MEMBER, OFFER))
    kiosk.pay_for_drive()
    settle(q, lambda: kiosk.last_payment is not None)
    kiosk.tick()
    services.clock.advance(POLL_S / 2)
    kiosk.tick()
    q.drain(timeout_s=0.05)
    assert services.backend.named("payment") == []


@pytest.mark.parametrize("state, reason", [
    ("expired", Reason.PAYMENT_EXPIRED), ("cancelled", Reason.PAYMENT_CANCELLED)])
def test_an_expired_or_declined_payment_ends_in_its_refusal(rig, state, reason):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.NOT_SUPER_MEMBER, OFFER))
    to_payment(kiosk, q)
    poll_once(kiosk, services, state)
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.journey.session.refusal is reason
    assert kiosk.next_steps() == ()


def test_cancel_on_the_payment_screen_cancels_the_payment(rig):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.NOT_SUPER_MEMBER, OFFER))
    kiosk.pay_for_drive()
    settle(q, lambda: kiosk.last_payment is not None)
    kiosk.cancel()
    assert kiosk.journey.state is State.ATTRACT
    settle(q, lambda: services.backend.named("cancel_payment") == [("P1",)])


def test_cancel_after_paying_gives_the_money_back(rig):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.NOT_SUPER_MEMBER, OFFER))
    to_payment(kiosk, q)
    poll_once(kiosk, services, "paid")
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    kiosk.cancel()  # changed their mind on Choose: the backend refunds a paid one
    settle(q, lambda: services.backend.named("cancel_payment") == [("P1",)])


def test_return_in_the_same_session(rig):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.DRIVE_OPEN, due_at="2030-05-01T09:00:00Z"))
    loops = len(services.loops)
    kiosk.return_instead()
    settle(q, lambda: kiosk.journey.state is State.RETURNED)
    assert ("start_return", ("S1", 101)) in services.backend.calls
    assert len(services.loops) == loops  # no second scan
    assert len(services.backend.named("redeem_pass")) == 1


def test_buy_from_a_refusal(rig):
    kiosk, services, q = rig
    scan(kiosk, services, q, refused(Reason.QUOTA_EXCEEDED))
    kiosk.buy_instead()
    assert (kiosk.journey.state, kiosk.journey.session.flow) == (State.CHOOSE, Flow.BUY)
    kiosk.choose("Breeze")
    settle(q, lambda: kiosk.journey.state is State.ORDERED)
    assert services.backend.named("buy") == [("S1", "Breeze")]


def test_next_steps_are_not_offered_for_a_refusal_at_verify(rig):
    kiosk, services, q = rig
    services.backend.refuse["verify"] = Reason.NOT_SUPER_MEMBER
    scan(kiosk, services, q, None, expect=State.CHOOSE)
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)
    begin_selfie(kiosk, q)
    services.loops[-1].push(live())
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.next_steps() == ()
    kiosk.pay_for_drive()
    assert kiosk.journey.state is State.REFUSED


def test_a_model_driven_recently_stays_on_choose_and_can_be_bought(rig):
    kiosk, services, q = rig
    notices = []
    kiosk.subscribe("notice", notices.append)
    services.backend.refuse["reserve"] = Reason.MODEL_ALREADY_DRIVEN
    scan(kiosk, services, q, Eligibility(), expect=State.CHOOSE)
    kiosk.choose("Breeze", "white")
    settle(q, lambda: notices)
    assert kiosk.journey.state is State.CHOOSE
    assert notices[0].reason is Reason.MODEL_ALREADY_DRIVEN
    kiosk.buy_instead("Breeze")
    settle(q, lambda: kiosk.journey.state is State.ORDERED)
    assert services.backend.named("buy") == [("S1", "Breeze")]
