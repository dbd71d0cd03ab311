"""The journey state machine, without Qt: legal paths, refused moves, idle clock."""

from __future__ import annotations

import itertools

import pytest

from common.errors import Reason, TransitionError
from kiosk.journey import CANCELLABLE, STEPS, Event, Flow, Journey, Session, State, Timeouts

HAPPY = [
    (Event.START, State.SCAN),
    (Event.PASS_ACCEPTED, State.CHOOSE),
    (Event.CAR_RESERVED, State.SELFIE),
    (Event.SELFIE_DONE, State.VERIFY),
    (Event.AUTHORISED, State.DISPATCH),
    (Event.CAR_DELIVERED, State.HANDOVER),
    (Event.DONE, State.ATTRACT),
]
RETURN = [
    (Event.START_RETURN, State.SCAN),
    (Event.RETURN_AUTHORISED, State.DISPATCH),
    (Event.CAR_STORED, State.RETURNED),
    (Event.BUY, State.ORDERED),
    (Event.DONE, State.ATTRACT),
]
BUY = [
    (Event.START_BUY, State.SCAN),
    (Event.PASS_ACCEPTED, State.CHOOSE),
    (Event.ORDERED, State.ORDERED),
    (Event.DONE, State.ATTRACT),
]


def walk(j: Journey, path, now=0.0):
    seen = []
    for event, expected in path:
        assert j.fire(event, now) is expected
        seen.append(j.state)
    return seen


@pytest.mark.parametrize("path", [HAPPY, RETURN, BUY], ids=["test_drive", "return", "buy"])
def test_each_flow_walks_to_the_end(path):
    j = Journey()
    walk(j, path)
    assert j.state is State.ATTRACT
    assert j.session == Session()


def test_every_state_has_a_legal_exit_and_illegal_moves_are_refused():
    # Build each reachable (state, flow) and check every event against the table.
    starts = {Flow.TEST_DRIVE: HAPPY, Flow.RETURN: RETURN, Flow.BUY: BUY}
    refused = 0
    for flow, path in starts.items():
        for depth in range(len(path)):
            j = Journey()
            walk(j, path[:depth])
            legal = [e for e in Event if j.can(e)]
            assert legal, f"{j.state} in {flow} is a dead end"
            for event in Event:
                if event in legal:
                    continue
                refused += 1
                with pytest.raises(TransitionError) as info:
                    j.fire(event, 0.0)
                assert info.value.reason is Reason.ILLEGAL_TRANSITION
                assert info.value.context == {"state": j.state.value, "event": event.value}
    assert refused > 100


@pytest.mark.parametrize(("flow_event", "wrong"), [
    (Event.START, Event.RETURN_AUTHORISED),  # a test drive cannot become a return
    (Event.START_RETURN, Event.PASS_ACCEPTED),  # a return has nothing to choose
    (Event.START_BUY, Event.RETURN_AUTHORISED),
])
def test_flow_specific_moves(flow_event, wrong):
    j = Journey()
    j.fire(flow_event, 0.0)
    assert not j.can(wrong)


@pytest.mark.parametrize("state_path", [HAPPY[:1], HAPPY[:2], HAPPY[:3]],
                         ids=["scan", "choose", "selfie"])
def test_cancel_from_cancellable_states_wipes_the_session(state_path):
    j = Journey()
    walk(j, state_path)
    j.session.member_ref = "abc"
    assert j.state in CANCELLABLE
    j.fire(Event.CANCEL, 1.0)
    assert j.state is State.ATTRACT and j.session.member_ref is None


@pytest.mark.parametrize("depth", [4, 5])  # verify, dispatch
def test_verify_and_dispatch_cannot_be_cancelled_or_time_out(depth):
    j = Journey()
    walk(j, HAPPY[:depth])
    assert not j.can(Event.CANCEL)
    j.tick(10_000.0)
    assert j.state is HAPPY[depth - 1][1]


def test_refusal_keeps_reason_until_done():
    j = Journey()
    walk(j, HAPPY[:4])
    j.fire(Event.REFUSED, 0.0, refusal=Reason.NOT_SUPER_MEMBER)
    assert j.state is State.REFUSED and j.session.refusal is Reason.NOT_SUPER_MEMBER
    j.fire(Event.DONE, 0.0)
    assert j.session.refusal is None


def test_unknown_session_field_is_refused():
    j = Journey()
    with pytest.raises(TransitionError):
        j.fire(Event.START, 0.0, no_such_field=1)


def test_idle_prompt_then_reset():
    j = Journey(Timeouts({State.SCAN: 60.0}, warn_s=15.0))
    prompts = []
    j.subscribe_prompt(lambda visible, left: prompts.append((visible, round(left))))
    j.fire(Event.START, 100.0)
    j.tick(144.0)
    assert prompts == [] and not j.prompt_visible
    j.tick(146.0)
    assert j.prompt_visible and prompts[-1] == (True, 14)
    j.touch(150.0)  # "I'm still here"
    assert not j.prompt_visible and prompts[-1] == (False, 0)
    j.tick(209.0)
    assert j.state is State.SCAN
    j.tick(210.0)
    assert j.state is State.ATTRACT and not j.prompt_visible


def test_out_of_service_waits_for_the_member_to_finish():
    j = Journey()
    walk(j, HAPPY[:3])
    j.set_service(False, 0.0)
    assert j.state is State.SELFIE  # the member is not thrown out mid-errand
    j.fire(Event.CANCEL, 0.0)
    assert j.state is State.OUT_OF_SERVICE
    assert not j.can(Event.START)
    j.set_service(True, 0.0)
    assert j.state is State.ATTRACT


def test_staff_only_from_attract_or_out_of_service():
    for depth in range(1, len(HAPPY) - 1):
        j = Journey()
        walk(j, HAPPY[:depth])
        assert not j.can(Event.STAFF_ENTER)
    j = Journey()
    j.fire(Event.STAFF_ENTER, 0.0)
    j.fire(Event.STAFF_EXIT, 0.0)
    assert j.state is State.ATTRACT


def test_listeners_see_the_ended_session_when_going_back_to_attract():
    j = Journey()
    seen = []
    j.subscribe(lambda old, new, ev, s: seen.append((old, new, s.reservation)))
    j.fire(Event.START, 0.0)
    j.fire(Event.PASS_ACCEPTED, 0.0)
    j.fire(Event.CAR_RESERVED, 0.0, reservation="R1")
    j.fire(Event.CANCEL, 0.0)
    assert seen[-1] == (State.SELFIE, State.ATTRACT, "R1")
    assert j.session.reservation is None


def test_steps_and_index():
    j = Journey()
    assert j.steps == () and j.step_index is None
    walk(j, HAPPY[:3])
    assert j.steps == STEPS[Flow.TEST_DRIVE] and j.step_index == 2


def test_all_states_reachable():
    reached = {State.ATTRACT}
    for path in (HAPPY, RETURN, BUY):
        j = Journey()
        for event, _ in path:
            j.fire(event, 0.0)
            reached.add(j.state)
    for extra in (Event.REFUSED, Event.FAILED):
        j = Journey()
        j.fire(Event.START, 0.0)
        j.fire(extra, 0.0)
        reached.add(j.state)
    j = Journey()  # refused at the scan, then a paid drive (issue #14)
    j.fire(Event.START, 0.0)
    j.fire(Event.REFUSED, 0.0, session_id="S1", refusal=Reason.NOT_SUPER_MEMBER)
    j.fire(Event.PAY, 0.0)
    reached.add(j.state)
    j = Journey()
    j.set_service(False, 0.0)
    reached.add(j.state)
    j.fire(Event.STAFF_ENTER, 0.0)
    reached.add(j.state)
    assert reached == set(State)
    assert len(list(itertools.chain(HAPPY, RETURN, BUY))) == 16
