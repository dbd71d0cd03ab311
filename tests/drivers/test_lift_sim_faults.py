"""The tower model's E-stop button, the host's STOP and the echo faults, stepped by hand."""

from __future__ import annotations

import pytest

from drivers import lift_proto as p
from drivers.lift_client import echo_mismatch
from drivers.lift_proto import Cmd, FaultCode, JobPhase, JobProgress, JobState, LiftState, Result
from sim.lift.faults import other_job_id
from sim.lift.simulator import build_parser
from sim.lift.tower import Tower

T = 1.0  # one second per level, per transfer and per door


def tower() -> Tower:
    return Tower(travel_s_per_level=T, door_s=T, transfer_s=T, occupied={1, 7, 13, 19})


def move(t: Tower, job_id: str, src: int, dst: int, now: float) -> tuple[Result, p.MoveAccepted]:
    result, data = t.handle(Cmd.MOVE, p.encode_move(job_id, src, dst), now)
    return result, (p.decode_move_reply(data, job_id) if result is Result.OK else None)


def job(t: Tower, job_id: str, now: float) -> JobState:
    result, data = t.handle(Cmd.JOB_STATUS, p.encode_job_ref(job_id), now)
    assert result is Result.OK
    return p.decode_job_state(data, job_id)


def ack(t: Tower, now: float) -> Result:
    return t.handle(Cmd.ACK_FAULT, b"", now)[0]


# -- the E-stop button -----------------------------------------------------------------

@pytest.mark.parametrize(("press", "release", "first_ack", "cleared"), [
    # (how it was stopped, released before the ACK_FAULT?, first answer, fault gone after)
    ("button", False, Result.ESTOP_HELD, False),
    ("button", True, Result.OK, True),
    ("mid_move", False, Result.ESTOP_HELD, False),
    ("mid_move", True, Result.OK, True),
    ("host", False, Result.OK, True),  # no button holds a STOP from the host
])
def test_ack_fault_clears_an_estop_only_once_released(press: str, release: bool,
                                                      first_ack: Result, cleared: bool) -> None:
    t = tower()
    if press == "mid_move":
        t.trigger("estop_mid_move", 0.0)
    move(t, "J", 13, 101, 0.0)
    if press == "button":
        t.trigger("estop", 1.5)
    elif press == "host":
        assert t.handle(Cmd.STOP, b"", 1.5)[0] is Result.OK
    t.advance(5.5)  # past half way to the lobby: the armed E-stop has fired
    assert FaultCode.ESTOP in t.faults and job(t, "J", 5.5).phase is JobPhase.FAILED
    if release:
        t.trigger("estop_release", 6.0)
    assert ack(t, 6.0) is first_ack
    assert (FaultCode.ESTOP not in t.faults) is cleared
    assert (t.status().state is LiftState.FAULT) is not cleared


def test_a_held_estop_refuses_every_reset_and_every_move_until_released() -> None:
    t = tower()
    t.trigger("estop", 0.0)
    for now in (1.0, 2.0, 3.0):  # however often the host asks
        assert ack(t, now) is Result.ESTOP_HELD
        assert move(t, f"J{now}", 7, 101, now)[0] is Result.FAULT_ACTIVE
        assert t.handle(Cmd.HOME, b"", now)[0] is Result.FAULT_ACTIVE
    t.trigger("estop_release", 4.0)
    assert FaultCode.ESTOP in t.faults  # released is not reset: the fault waits for ACK_FAULT
    assert ack(t, 4.0) is Result.OK and not t.faults
    assert move(t, "J", 7, 101, 4.0)[0] is Result.OK


def test_host_stop_fails_the_running_job_where_it_is() -> None:
    t = tower()
    move(t, "J", 13, 101, 0.0)
    assert t.handle(Cmd.STOP, b"", 3.5)[0] is Result.OK  # loading on level 3
    state = job(t, "J", 3.5)
    assert (state.phase, state.fault, state.car_moved) == (JobPhase.FAILED, FaultCode.ESTOP, True)
    assert t.handle(Cmd.STOP, b"", 4.0)[0] is Result.OK  # stopping a stopped lift is fine
    assert t.handle(Cmd.STOP, b"\x00", 4.0)[0] is Result.BAD_REQUEST


# -- echo faults -------------------------------------------------------------------------

@pytest.mark.parametrize(("trigger", "reply_bays", "ran_as", "ran_bays"), [
    (None, (7, 101), "J-1", (7, 101)),
    ("wrong_source", (1, 101), "J-1", (1, 101)),  # says so at once
    ("swap_source", (7, 101), "J-1", (1, 101)),  # says so only after the reply
    ("wrong_job", (7, 101), "J-X", (7, 101)),  # runs under another name
])
def test_echo_faults_run_another_job_than_asked(trigger: str | None, reply_bays: tuple[int, int],
                                                ran_as: str, ran_bays: tuple[int, int]) -> None:
    t = tower()
    if trigger:
        t.trigger(trigger, 0.0)
    result, accepted = move(t, "J-1", 7, 101, 0.0)
    assert result is Result.OK
    assert (accepted.job.from_bay, accepted.job.to_bay) == reply_bays
    t.advance(0.5)
    progress = [e.job for e in t.take_events() if isinstance(e, JobProgress)]
    assert progress and {(j.job_id, j.from_bay, j.to_bay) for j in progress} == {
        (ran_as, *ran_bays)}
    assert (job(t, "J-1", 0.5).phase is JobPhase.UNKNOWN) is (ran_as != "J-1")
    t.advance(100.0)
    assert ran_bays[0] not in t.occupied and 101 in t.occupied  # that car was delivered
    assert not t.armed  # one-shot


def test_a_source_fault_with_no_other_car_waits_for_one() -> None:
    t = Tower(travel_s_per_level=T, door_s=T, transfer_s=T, occupied={7})
    t.trigger("wrong_source", 0.0)
    _, accepted = move(t, "J", 7, 101, 0.0)
    assert accepted.job.from_bay == 7 and t.armed == {"wrong_source"}


@pytest.mark.parametrize(("job_id", "other"), [("J-1", "J-X"), ("JX", "JY"), ("X", "Y"),
                                               ("a" * 32, "a" * 31 + "X")])
def test_other_job_id(job_id: str, other: str) -> None:
    assert other_job_id(job_id) == other and p.valid_job_id(other)


@pytest.mark.parametrize(("echoed", "wrong"), [
    (JobState("J", JobPhase.TO_SOURCE, from_bay=7, to_bay=101), None),
    (JobState("J", JobPhase.DONE, from_bay=7, to_bay=101), None),
    (JobState("K", JobPhase.TO_SOURCE, from_bay=7, to_bay=101), "job id 'K', asked 'J'"),
    (JobState("J", JobPhase.DONE, from_bay=8, to_bay=101), "bays 8->101, asked 7->101"),
    (JobState("J", JobPhase.DONE, from_bay=7, to_bay=102), "bays 7->102, asked 7->101"),
    (JobState("J", JobPhase.QUEUED), "bays 0->0, asked 7->101"),
])
def test_echo_mismatch_table(echoed: JobState, wrong: str | None) -> None:
    assert echo_mismatch(echoed, "J", 7, 101) == wrong


def test_echo_fault_flags() -> None:
    args = build_parser().parse_args(["--pty", "--wrong-source", "--swap-source", "--wrong-job"])
    assert args.wrong_source and args.swap_source and args.wrong_job
