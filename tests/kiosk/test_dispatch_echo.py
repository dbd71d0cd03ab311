"""The dispatcher checks every answer about a job against what it asked (fake lift).

The same checks against the real simulator and serial stack are in
tests/security/test_lift_trust.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import LiftError, Reason
from drivers.lift_proto import JobDone, JobPhase, JobProgress, JobState
from kiosk.dispatch import (
    DELIVERED,
    ECHO_MISMATCH,
    FAILED_MOVED,
    JobStep,
)
from tests.kiosk import test_dispatch as base
from tests.kiosk.test_dispatch import FakeLift, make, state

journal, backend = base.journal, base.backend  # the same fixtures


class TalkingLift(FakeLift):
    """Sends ``events`` (the controller's news) as it answers the MOVE."""

    def __init__(self, events: list[Any]) -> None:
        super().__init__()
        self.events = events

    def move(self, job_id: str, from_bay: int, to_bay: int) -> Any:
        accepted = super().move(job_id, from_bay, to_bay)
        for event in self.events:
            self.emit(event)
        return accepted


def news(kind: type, job_id: str, phase: JobPhase, from_bay: int = 7,
         to_bay: int = 101) -> Any:
    return kind(JobState(job_id, phase, car_moved=phase >= JobPhase.LOADING,
                         from_bay=from_bay, to_bay=to_bay))


@pytest.mark.parametrize(("events", "outcome"), [
    # honest: ours, with the bays we asked
    ([news(JobProgress, "J", JobPhase.TO_SOURCE), news(JobDone, "J", JobPhase.DONE)], DELIVERED),
    # another car: the source bay in the news is not ours
    ([news(JobProgress, "J", JobPhase.TO_SOURCE, from_bay=8)], FAILED_MOVED),
    ([news(JobProgress, "J", JobPhase.TO_SOURCE),
      news(JobDone, "J", JobPhase.DONE, to_bay=102)], FAILED_MOVED),
    # a previous job's news, overtaken by our MOVE reply: stale, not a lie
    ([news(JobDone, "OLD", JobPhase.DONE, from_bay=1), news(JobProgress, "J", JobPhase.TO_SOURCE),
      news(JobDone, "J", JobPhase.DONE)], DELIVERED),
    # another job's news after ours has begun: the controller runs one at a time
    ([news(JobProgress, "J", JobPhase.TO_SOURCE), news(JobProgress, "K", JobPhase.TO_TARGET)],
     FAILED_MOVED),
])
def test_every_event_is_checked(journal, backend, events: list[Any], outcome: str) -> None:
    lift = TalkingLift(events)
    lift.states = [state(JobPhase.TO_SOURCE)]  # what a JOB_STATUS would say: ours, as asked
    out = make(journal, lift, backend, poll_s=30.0).run_job("J", 7, 101)
    assert out.outcome == outcome and backend.outcomes("J") == [outcome]
    assert lift.stops == (outcome == FAILED_MOVED)
    if outcome == FAILED_MOVED:
        assert (out.fault, out.car_moved) == (ECHO_MISMATCH, True)


@pytest.mark.parametrize("answer", [
    JobState("J", JobPhase.TO_SOURCE, from_bay=8, to_bay=101),
    JobState("J", JobPhase.DONE, car_moved=True, from_bay=7, to_bay=102),
    JobState("J", JobPhase.UNKNOWN),  # accepted, then "never seen": lost or renamed
])
def test_every_job_status_answer_is_checked(journal, backend, answer: JobState) -> None:
    lift = FakeLift()
    lift.states = [answer]
    out = make(journal, lift, backend).run_job("J", 7, 101)
    assert (out.outcome, out.fault, lift.stops) == (FAILED_MOVED, ECHO_MISMATCH, 1)


def test_a_resumed_job_is_checked_too(journal, backend) -> None:
    journal.plan("J", "delivery", 7, 101)
    journal.advance("J", JobStep.ACCEPTED)  # a restart: the bays are only in the journal
    lift = FakeLift()
    lift.states = [JobState("J", JobPhase.TO_TARGET, car_moved=True, from_bay=1, to_bay=101)]
    [out] = make(journal, lift, backend).reconcile()
    assert (out.outcome, out.fault, lift.stops) == (FAILED_MOVED, ECHO_MISMATCH, 1)


def test_a_move_reply_the_client_caught_fails_moved(journal, backend) -> None:
    lift = FakeLift()
    lift.move_errors = [LiftError("other bays", reason=Reason.LIFT_ECHO_MISMATCH,
                                  code="ECHO_MISMATCH")]
    out = make(journal, lift, backend).run_job("J", 7, 101)
    assert (out.outcome, out.fault) == (FAILED_MOVED, ECHO_MISMATCH)
    assert lift.stops == 0  # LiftClient.move sent STOP itself


def test_a_stop_that_does_not_arrive_still_fails_moved(journal, backend) -> None:
    class Unreachable(FakeLift):
        def stop(self) -> None:
            super().stop()
            raise LiftError("down", reason=Reason.LIFT_LINK_DOWN)

    lift = Unreachable()
    lift.states = [JobState("J", JobPhase.TO_SOURCE, from_bay=8, to_bay=101)]
    out = make(journal, lift, backend).run_job("J", 7, 101)
    assert (out.outcome, out.fault, lift.stops) == (FAILED_MOVED, ECHO_MISMATCH, 1)


def test_honest_answers_are_never_stopped(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.TO_SOURCE), state(JobPhase.DONE, moved=True)]
    assert make(journal, lift, backend).run_job("J", 7, 101).ok and lift.stops == 0
