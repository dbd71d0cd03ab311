"""Demo mode as a person uses it: the director plays the member (pass, face,
moves) while the person's touches arrive as intents. Real backend, simulator
and demo camera; no Qt."""

from __future__ import annotations

import time

import pytest

from kiosk.app import Kiosk
from kiosk.journey import Flow, State
from kiosk.tasks import CallbackQueue, TaskRunner
from kiosk.wiring import build_services
from sim.demo import DemoDirector, DemoStack


def wait_for(q: CallbackQueue, cond, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "the demo journey did not get there"
        q.drain(timeout_s=0.05)


@pytest.mark.slow
def test_demo_test_drive_then_return_of_the_same_car():
    q = CallbackQueue()
    with DemoStack(travel_s=0.3) as stack, build_services(None, demo_stack=stack) as services:
        kiosk = Kiosk(services, TaskRunner(q))
        director = DemoDirector(kiosk, stack)
        try:
            kiosk.start_up()
            wait_for(q, lambda: kiosk.journey.state is State.ATTRACT and not kiosk.recovering)
            kiosk.start(Flow.TEST_DRIVE)
            wait_for(q, lambda: kiosk.journey.state is State.CHOOSE and kiosk.options)
            option = next(o for o in kiosk.options if o.available_count > 0)
            kiosk.choose(option.model, option.colour)
            wait_for(q, lambda: kiosk.journey.state is State.SELFIE)
            kiosk.begin_selfie()
            wait_for(q, lambda: kiosk.journey.state in (State.HANDOVER, State.REFUSED,
                                                        State.ERROR))
            assert kiosk.journey.state is State.HANDOVER, kiosk.journey.session.refusal
            kiosk.done()
            # The member comes back with the car they took: Return stores it.
            kiosk.start(Flow.RETURN)
            wait_for(q, lambda: kiosk.journey.state in (State.RETURNED, State.REFUSED,
                                                        State.ERROR))
            assert kiosk.journey.state is State.RETURNED, kiosk.journey.session.refusal
        finally:
            director.close()
            kiosk.shutdown()
