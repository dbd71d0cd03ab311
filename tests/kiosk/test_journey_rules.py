"""The journey's moves for issue #14: a refusal said at the scan and its next
steps (a paid drive, Return, Buy), and Buy instead of a model driven recently."""

from __future__ import annotations

import pytest

from common.errors import Reason, TransitionError
from kiosk.journey import CANCELLABLE, Event, Flow, Journey, State


def refused_at_scan(reason=Reason.NOT_SUPER_MEMBER) -> Journey:
    j = Journey()
    j.fire(Event.START, 0.0)
    j.fire(Event.REFUSED, 0.0, session_id="S1", member_ref="M-1", refusal=reason)
    return j


@pytest.mark.parametrize("event, state, flow", [
    (Event.PAY, State.PAYMENT, Flow.TEST_DRIVE),
    (Event.SWITCH_RETURN, State.SCAN, Flow.RETURN),
    (Event.SWITCH_BUY, State.CHOOSE, Flow.BUY),
])
def test_a_refusal_at_the_scan_offers_next_steps(event, state, flow):
    j = refused_at_scan()
    assert j.fire(event, 0.0, flow=flow, refusal=None) is state
    # The same session goes on: the member does not scan again.
    assert (j.session.session_id, j.session.member_ref, j.session.flow) == ("S1", "M-1", flow)
    assert j.session.refusal is None


def test_a_paid_drive_walks_to_the_handover():
    j = refused_at_scan()
    path = [(Event.PAY, State.PAYMENT), (Event.PAID, State.CHOOSE),
            (Event.CAR_RESERVED, State.SELFIE), (Event.SELFIE_DONE, State.VERIFY),
            (Event.AUTHORISED, State.DISPATCH), (Event.CAR_DELIVERED, State.HANDOVER)]
    for event, state in path:
        assert j.fire(event, 0.0) is state


@pytest.mark.parametrize("event, state", [
    (Event.CANCEL, State.ATTRACT), (Event.TIMEOUT, State.ATTRACT),
    (Event.REFUSED, State.REFUSED), (Event.FAILED, State.ERROR)])
def test_the_payment_screen_exits(event, state):
    j = refused_at_scan()
    j.fire(Event.PAY, 0.0)
    assert State.PAYMENT in CANCELLABLE
    assert j.fire(event, 0.0) is state


def test_next_steps_only_after_a_refusal_with_a_live_session_and_nothing_chosen():
    # Refused at verify (a car was reserved): the errand is over.
    j = Journey()
    for event in (Event.START, Event.PASS_ACCEPTED, Event.CAR_RESERVED, Event.SELFIE_DONE):
        j.fire(event, 0.0, session_id="S1", reservation=object())
    j.fire(Event.REFUSED, 0.0, refusal=Reason.QUOTA_EXCEEDED)
    assert not any(j.can(e) for e in (Event.PAY, Event.SWITCH_RETURN, Event.SWITCH_BUY))
    # No session (the pass itself was refused): nothing to go on with.
    j = Journey()
    j.fire(Event.START, 0.0)
    j.fire(Event.REFUSED, 0.0, refusal=Reason.MEMBER_UNKNOWN)
    with pytest.raises(TransitionError):
        j.fire(Event.PAY, 0.0)
    # PAID only from the payment screen.
    assert not refused_at_scan().can(Event.PAID)


def test_buy_instead_on_choose_during_a_test_drive():
    j = Journey()
    j.fire(Event.START, 0.0)
    j.fire(Event.PASS_ACCEPTED, 0.0)
    assert j.fire(Event.ORDERED, 0.0) is State.ORDERED
