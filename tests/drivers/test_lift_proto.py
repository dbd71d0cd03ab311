"""Message codecs: every payload round-trips, hostile payloads raise FrameError only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import FrameError
from drivers import lift_proto as p
from drivers.lift_proto import (
    BayMap,
    Cmd,
    DoorChanged,
    DoorState,
    FaultCleared,
    FaultCode,
    FaultRaised,
    JobDone,
    JobPhase,
    JobProgress,
    JobState,
    LevelReached,
    LiftState,
    LiftStatus,
    MoveAccepted,
    Result,
    VehicleChanged,
)

JOB = JobState("3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3", JobPhase.TO_TARGET, car_moved=True,
               fault=FaultCode.NONE, level=3, target_level=0, eta_s=12.3, from_bay=19,
               to_bay=101)


@pytest.mark.parametrize("job_id", ["a", "J-42", "x" * 32, "3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3",
                                    "!~"])
def test_valid_job_ids(job_id: str) -> None:
    assert p.valid_job_id(job_id)
    assert p.decode_job_ref(p.encode_job_ref(job_id)) == job_id


@pytest.mark.parametrize("job_id", ["", "x" * 33, "has space", "tab\t", "ünï", "nul\x00",
                                    "\x7f"])
def test_invalid_job_ids(job_id: str) -> None:
    assert not p.valid_job_id(job_id)
    with pytest.raises(FrameError):
        p.encode_job_ref(job_id)


def test_move_round_trip() -> None:
    assert p.decode_move(p.encode_move("J-42", 7, 101)) == ("J-42", 7, 101)


def test_hello_round_trips() -> None:
    assert p.decode_hello(p.encode_hello(0xDEADBEEF)) == 0xDEADBEEF
    assert p.decode_hello_reply(p.encode_hello_reply(7)) == (7, p.PROTOCOL_VERSION)


def test_reply_round_trip() -> None:
    req_seq, result, data = p.decode_reply(p.encode_reply(200, Result.BUSY, b"xyz"))
    assert (req_seq, result, data) == (200, Result.BUSY, b"xyz")


def test_job_state_and_move_reply_round_trip() -> None:
    assert p.decode_job_state(p.encode_job_state(JOB), JOB.job_id) == JOB
    accepted = MoveAccepted(job=JOB, duplicate=True)
    assert p.decode_move_reply(p.encode_move_reply(accepted), JOB.job_id) == accepted


@pytest.mark.parametrize("status", [
    LiftStatus(LiftState.IDLE, 0, 0),
    LiftStatus(LiftState.FAULT, 2, 4, faults=(FaultCode.ESTOP, FaultCode.COMM_LOST),
               car_on_lift=True, doors={101: DoorState.OBSTRUCTED, 102: DoorState.OPEN},
               job_id="J-1", job_phase=JobPhase.FAILED),
])
def test_status_round_trip(status: LiftStatus) -> None:
    assert p.decode_status(p.encode_status(status)) == status


def test_bay_map_round_trip() -> None:
    m = BayMap(bays=[(b, b % 3 == 0) for b in range(1, 31)] + [(101, True), (102, False)],
               delivery_bays=[101, 102], levels=5, bays_per_level=6)
    assert p.decode_bay_map(p.encode_bay_map(m)) == m


@pytest.mark.parametrize("event", [
    LevelReached(4), DoorChanged(101, DoorState.CLOSING), VehicleChanged(7, False),
    FaultRaised(FaultCode.OVERLOAD), FaultCleared(FaultCode.DOOR_OBSTRUCTED),
    JobProgress(JOB), JobDone(JOB),
])
def test_event_round_trip(event: object) -> None:
    cmd, payload = p.encode_event(event)  # type: ignore[arg-type]
    assert p.decode_event(cmd, payload) == event


@pytest.mark.parametrize(("fn", "payload"), [
    (p.decode_hello, b"\x00\x01\x02"),  # short
    (p.decode_hello, b"\x00\x01\x02\x03\x04"),  # trailing byte
    (p.decode_move, b"\x04J-42\x00\x07"),  # truncated bay
    (p.decode_move, b"\x00\x00\x07\x00\x65"),  # empty job id
    (p.decode_move, b"\x05J 42x\x00\x07\x00\x65"),  # space in job id
    (p.decode_move, b"\xffJ-42"),  # length beyond the payload
    (p.decode_bay, b""),
    (p.decode_empty, b"\x00"),
    (p.decode_reply, b"\x01"),
    (p.decode_reply, b"\x01\x63"),  # unknown result code
    (p.decode_status, b"\x09\x00\x00\x00\x00\x00\x00\x00"),  # unknown lift state
    (p.decode_status, b"\x00\x00\x00\x80\x00\x00\x00\x00"),  # unknown fault bit
    (p.decode_status, b"\x00\x00\x00\x00\x02\x00\x00\x00"),  # car_on_lift not a flag
    (p.decode_status, b"\x00\x00\x00\x00\x00\x01\x00\x65\x09\x00\x00"),  # bad door state
    (p.decode_bay_map, b"\x05\x06\x00"),  # bitmap truncated
    (p.decode_bay_map, b"\x01\x01\x00\x01\x00\x01\x00"),  # delivery bay 1 is a storage bay
    (p.decode_bay_map, b"\x01\x01\x00\x02\x00\x65\x00\x00\x65\x00"),  # duplicate delivery bay
])
def test_hostile_payloads(fn, payload: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FrameError):
        fn(payload)


@pytest.mark.parametrize(("cmd", "payload"), [
    (Cmd.EV_LEVEL, b""),
    (Cmd.EV_DOOR, b"\x00\x65\x07"),
    (Cmd.EV_VEHICLE, b"\x00\x07\x02"),
    (Cmd.EV_FAULT_RAISED, b"\x06"),
    (Cmd.EV_JOB_DONE, b"\x01a" + bytes(12)),  # block one byte short
    (0x4F, b""),  # not an event
])
def test_hostile_events(cmd: int, payload: bytes) -> None:
    with pytest.raises(FrameError):
        p.decode_event(cmd, payload)


DECODERS = [
    p.decode_hello, p.decode_move, p.decode_job_ref, p.decode_bay, p.decode_empty,
    p.decode_reply, p.decode_hello_reply, p.decode_status, p.decode_bay_map,
    lambda b: p.decode_job_state(b, "J"), lambda b: p.decode_move_reply(b, "J"),
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(DECODERS))), st.binary(max_size=140))
def test_decoders_fuzz_raise_only_frame_error(which: int, payload: bytes) -> None:
    try:
        DECODERS[which](payload)
    except FrameError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=140))
def test_event_decoder_fuzz_raises_only_frame_error(cmd: int, payload: bytes) -> None:
    try:
        p.decode_event(cmd, payload)
    except FrameError:
        pass
