"""The tower model stepped by hand (no threads, no clock) and the simulator's CLI parsing."""

from __future__ import annotations

import argparse

import pytest

from drivers import lift_proto as p
from drivers.lift_proto import Cmd, DoorState, FaultCode, JobDone, JobPhase, LevelReached, Result
from sim.lift.simulator import TowerSimulator, _bay_list, build_parser
from sim.lift.tower import JOB_MEMORY, FaultConfig, Tower

T = 1.0  # one second per level, per transfer and per door: easy sums


def tower(**kw: object) -> Tower:
    opts = {"travel_s_per_level": T, "door_s": T, "transfer_s": T,
            "occupied": {1, 7, 13, 19}, **kw}
    return Tower(**opts)  # type: ignore[arg-type]


def move(t: Tower, job: str, src: int, dst: int, now: float) -> tuple[Result, bytes]:
    return t.handle(Cmd.MOVE, p.encode_move(job, src, dst), now)


def job(t: Tower, job_id: str, now: float) -> p.JobState:
    result, data = t.handle(Cmd.JOB_STATUS, p.encode_job_ref(job_id), now)
    assert result is Result.OK
    return p.decode_job_state(data, job_id)


def test_a_delivery_runs_its_phases_on_time() -> None:
    t = tower()
    assert move(t, "J", 13, 101, 0.0)[0] is Result.OK  # bay 13 is on level 3
    # travel 0->3 (3 s), load (1 s), travel 3->0 (3 s), unload (1 s), open door (1 s)
    expected = [(0.5, JobPhase.TO_SOURCE, False), (3.5, JobPhase.LOADING, True),
                (4.5, JobPhase.TO_TARGET, True), (7.5, JobPhase.UNLOADING, True),
                (8.5, JobPhase.OPENING_DOOR, True), (9.5, JobPhase.DONE, True)]
    for now, phase, moved in expected:
        t.advance(now)
        state = job(t, "J", now)
        assert (state.phase, state.car_moved) == (phase, moved), now
    assert job(t, "J", 0.5).eta_s == 0.0  # done: nothing left
    assert t.doors[101] is DoorState.OPEN and 101 in t.occupied and 13 not in t.occupied
    levels = [e.level for e in t.take_events() if isinstance(e, LevelReached)]
    assert levels == [1, 2, 3, 2, 1, 0]


def test_eta_counts_down() -> None:
    t = tower()
    move(t, "J", 13, 101, 0.0)
    etas = []
    for now in (0.0, 2.0, 4.0, 6.0, 8.0):
        t.advance(now)
        etas.append(job(t, "J", now).eta_s)
    assert etas == [9.0, 7.0, 5.0, 3.0, 1.0]


@pytest.mark.parametrize(("at", "moved"), [(1.5, False), (3.5, True), (5.0, True)])
def test_estop_says_whether_the_car_left_its_bay(at: float, moved: bool) -> None:
    t = tower()
    move(t, "J", 13, 101, 0.0)
    t.trigger("estop", at)
    state = job(t, "J", at)
    assert (state.phase, state.fault, state.car_moved) == (JobPhase.FAILED, FaultCode.ESTOP,
                                                          moved)
    assert t.status().state.name == "FAULT"
    assert move(t, "K", 1, 102, at)[0] is Result.FAULT_ACTIVE
    t.advance(at + 100)  # a stopped lift stays stopped
    assert job(t, "J", at + 100).phase is JobPhase.FAILED


def test_return_with_an_obstructed_door_fails_in_the_bay() -> None:
    t = tower(occupied={101})
    t.doors[101] = DoorState.OPEN  # the member parked and walked out
    t.trigger("door_obstructed", 0.0)
    move(t, "R", 101, 2, 0.0)
    state = job(t, "R", 0.0)
    assert (state.phase, state.fault, state.car_moved) == (JobPhase.FAILED,
                                                          FaultCode.DOOR_OBSTRUCTED, False)
    assert t.doors[101] is DoorState.OBSTRUCTED and 101 in t.occupied
    assert t.handle(Cmd.ACK_FAULT, b"", 1.0)[0] is Result.OK
    assert t.doors[101] is DoorState.OPEN and not t.faults


def test_duplicate_move_reports_and_never_moves_again() -> None:
    t = tower()
    move(t, "J", 7, 101, 0.0)
    t.advance(100.0)
    result, data = move(t, "J", 7, 101, 100.0)
    accepted = p.decode_move_reply(data, "J")
    assert result is Result.OK and accepted.duplicate and accepted.job.phase is JobPhase.DONE
    t.advance(200.0)
    assert t.loads["J"] == 1 and [a[0] for a in t.arrivals] == ["J"]
    assert sum(isinstance(e, JobDone) for e in t.take_events()) == 1


def test_job_memory_is_bounded_but_keeps_recent_ids() -> None:
    t = tower(occupied={1})
    now = 0.0
    for i in range(JOB_MEMORY + 5):
        src, dst = (1, 101) if i % 2 == 0 else (101, 1)
        assert move(t, f"J{i}", src, dst, now)[0] is Result.OK
        now += 100.0
        t.advance(now)
    assert len(t.jobs) == JOB_MEMORY
    assert job(t, "J0", now).phase is JobPhase.UNKNOWN  # the oldest forgotten
    assert job(t, f"J{JOB_MEMORY + 4}", now).phase is JobPhase.DONE


def test_busy_and_bad_requests() -> None:
    t = tower()
    move(t, "A", 1, 101, 0.0)
    assert move(t, "B", 7, 102, 0.5)[0] is Result.BUSY
    assert t.handle(Cmd.HOME, b"", 0.5)[0] is Result.BUSY
    assert t.handle(Cmd.MOVE, b"\x01", 0.5)[0] is Result.BAD_REQUEST
    assert t.handle(0x3F, b"", 0.5)[0] is Result.UNKNOWN_COMMAND
    with pytest.raises(ValueError, match="unknown trigger"):
        t.trigger("meteor", 0.5)


@pytest.mark.parametrize("kw", [{"levels": 0}, {"delivery_bays": (5,)},
                                {"occupied": {999}}])
def test_bad_tower_shapes_are_refused(kw: dict) -> None:
    with pytest.raises(ValueError):
        tower(**kw)


@pytest.mark.parametrize(("text", "bays"), [
    ("1,2,5-9", {1, 2, 5, 6, 7, 8, 9}), ("", set()), (" 3 , 4-4 ", {3, 4}), ("101,102", {101, 102}),
])
def test_bay_list(text: str, bays: set[int]) -> None:
    assert _bay_list(text) == bays


@pytest.mark.parametrize("text", ["a", "5-3", "0", "1-", "-4", "1-99999"])
def test_bay_list_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        _bay_list(text)


def test_cli_flags() -> None:
    args = build_parser().parse_args(
        ["--pty", "--levels", "3", "--bays", "4", "--delivery", "201", "--occupied", "1-3",
         "--corrupt", "0.05", "--drop", "0.01", "--latency-ms", "20", "--stall-mid-move",
         "--estop-mid-move", "--door-obstructed", "--travel-s", "0.2"])
    assert (args.levels, args.bays, args.delivery, args.occupied) == (3, 4, [201], {1, 2, 3})
    assert (args.corrupt, args.drop, args.latency_ms) == (0.05, 0.01, 20.0)
    assert args.stall_mid_move and args.estop_mid_move and args.door_obstructed
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--pty", "--tcp", "0"])  # one place to serve
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--pty", "--corrupt", "1.5"])


def test_line_faults_mangle_bytes(lift_fd_guard: None) -> None:
    sim = TowerSimulator(faults=FaultConfig(corrupt=0.5, seed=3))
    try:
        data = bytes(range(200))
        mangled = sim._mangle(data)
        assert len(mangled) == len(data) and 50 < sum(a != b for a, b in zip(data, mangled,
                                                                             strict=True)) < 150
        sim.set_line(corrupt=0.0, drop=0.5)
        assert 50 < len(sim._mangle(data)) < 150
        sim.set_line(drop=0.0)
        assert sim._mangle(data) == data
    finally:
        sim.stop()
