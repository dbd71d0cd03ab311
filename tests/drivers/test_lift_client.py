"""LiftClient against the tower simulator: commands, refusals, faults, unplugging."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from common.errors import LiftError, Reason
from drivers.lift_client import LiftClient, audit_bays
from drivers.lift_proto import (
    DoorChanged,
    DoorState,
    FaultCleared,
    FaultCode,
    FaultRaised,
    JobDone,
    JobPhase,
    LevelReached,
    LiftState,
    LinkChanged,
)
from sim.lift.simulator import FaultConfig, TowerSimulator

WAIT_S = 10.0


def wait_until(pred: Callable[[], Any], what: str, timeout_s: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    tick = threading.Event()
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        tick.wait(0.005)
    raise AssertionError(f"timed out waiting for {what}")


class Events:
    def __init__(self, client: LiftClient) -> None:
        self.q: queue.Queue[Any] = queue.Queue()
        self.seen: list[Any] = []
        client.on_event(self.q.put)

    def expect(self, match: Callable[[Any], bool], what: str) -> Any:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                ev = self.q.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no event: {what}; saw {self.seen[-10:]}") from None
            self.seen.append(ev)
            if match(ev):
                return ev


def job_done(job_id: str) -> Callable[[Any], bool]:
    return lambda ev: isinstance(ev, JobDone) and ev.job.job_id == job_id


def test_status_and_bay_map(lift_pair: tuple[TowerSimulator, LiftClient]) -> None:
    sim, client = lift_pair
    s = client.status()
    assert (s.state, s.level, s.faults, s.job_id) == (LiftState.IDLE, 0, (), None)
    assert s.doors == {101: DoorState.CLOSED, 102: DoorState.CLOSED}
    m = client.bay_map()
    assert m.delivery_bays == [101, 102] and (m.levels, m.bays_per_level) == (5, 6)
    occupied = {b for b, occ in m.bays if occ}
    assert occupied == {b for b in range(1, 31) if b % 6}  # the default: last bay per level free


def test_move_done_then_duplicate_moves_nothing(lift_pair) -> None:
    sim, client = lift_pair
    events = Events(client)
    accepted = client.move("J-1", 19, 101)
    assert not accepted.duplicate and accepted.job.phase is JobPhase.QUEUED
    done = events.expect(job_done("J-1"), "J-1 done").job
    assert done.phase is JobPhase.DONE and done.car_moved and done.fault is FaultCode.NONE
    assert any(isinstance(e, LevelReached) and e.level == 4 for e in events.seen)
    assert any(isinstance(e, DoorChanged) and e.state is DoorState.OPEN for e in events.seen)
    again = client.move("J-1", 19, 101)
    assert again.duplicate and again.job.phase is JobPhase.DONE
    assert client.job_status("J-1").phase is JobPhase.DONE
    assert client.job_status("never-sent").phase is JobPhase.UNKNOWN
    with sim.locked() as tower:
        assert tower.loads["J-1"] == 1 and 101 in tower.occupied and 19 not in tower.occupied
    bays = dict(client.bay_map().bays)
    assert bays[101] and not bays[19]


@pytest.mark.parametrize(("job", "src", "dst", "code"), [
    ("J-2", 6, 101, "SOURCE_EMPTY"),
    ("J-3", 1, 2, "TARGET_OCCUPIED"),
    ("J-4", 1, 999, "UNKNOWN_BAY"),
    ("J-5", 1, 1, "BAD_REQUEST"),
])
def test_refusals(lift_pair, job: str, src: int, dst: int, code: str) -> None:
    sim, client = lift_pair
    with pytest.raises(LiftError) as info:
        client.move(job, src, dst)
    assert info.value.reason is Reason.LIFT_REJECTED and info.value.context["code"] == code
    assert client.job_status(job).phase is JobPhase.UNKNOWN  # a refused job is not remembered


def test_same_job_id_with_other_bays_is_a_conflict(lift_pair) -> None:
    sim, client = lift_pair
    events = Events(client)
    client.move("J-6", 1, 101)
    events.expect(job_done("J-6"), "J-6 done")
    with pytest.raises(LiftError) as info:
        client.move("J-6", 2, 102)
    assert info.value.context["code"] == "JOB_CONFLICT"


@pytest.mark.parametrize("job_id", ["", "x" * 33, "with space"])
def test_bad_job_ids_never_leave_the_kiosk(lift_pair, job_id: str) -> None:
    sim, client = lift_pair
    with pytest.raises(LiftError) as info:
        client.move(job_id, 1, 101)
    assert info.value.reason is Reason.LIFT_REJECTED


def test_estop_mid_move_then_ack_fault_returns_the_car(lift_sim_factory,
                                                       lift_client_factory) -> None:
    sim, url = lift_sim_factory(faults=FaultConfig(estop_mid_move=True))
    client = lift_client_factory(url)
    events = Events(client)
    client.move("J-7", 25, 101)
    failed = events.expect(job_done("J-7"), "J-7 failed").job
    assert (failed.phase, failed.fault, failed.car_moved) == (JobPhase.FAILED,
                                                             FaultCode.ESTOP, True)
    assert any(isinstance(e, FaultRaised) and e.code is FaultCode.ESTOP for e in events.seen)
    s = client.status()
    assert s.state is LiftState.FAULT and FaultCode.ESTOP in s.faults and s.car_on_lift
    assert 0 < s.level < 5  # stopped between the source level and the lobby
    with pytest.raises(LiftError) as info:
        client.move("J-8", 1, 102)
    assert info.value.reason is Reason.LIFT_FAULT
    # The button is still in: the reset is refused and nothing clears.
    with pytest.raises(LiftError) as info:
        client.ack_fault()
    assert (info.value.reason, info.value.context["code"]) == (Reason.LIFT_ESTOP_HELD,
                                                               "ESTOP_HELD")
    assert FaultCode.ESTOP in client.status().faults
    sim.control("estop-release")
    client.ack_fault()
    events.expect(lambda e: isinstance(e, FaultCleared) and e.code is FaultCode.ESTOP, "cleared")
    # The controller's recovery puts the car back in its bay.
    wait_until(lambda: client.status().state is LiftState.IDLE, "recovery")
    with sim.locked() as tower:
        assert 25 in tower.occupied and not tower.car_on_lift
    client.move("J-8", 1, 102)
    assert events.expect(job_done("J-8"), "J-8").job.phase is JobPhase.DONE


def test_stop_fails_the_job_where_it_is_and_ack_fault_clears_it(lift_sim_factory,
                                                                lift_client_factory) -> None:
    sim, url = lift_sim_factory(travel_s_per_level=5.0)  # the stop lands before level 1
    client = lift_client_factory(url)
    events = Events(client)
    client.move("J-S", 13, 101)
    client.stop()
    failed = events.expect(job_done("J-S"), "J-S stopped").job
    assert (failed.phase, failed.fault, failed.car_moved) == (JobPhase.FAILED, FaultCode.ESTOP,
                                                             False)
    client.ack_fault()  # no button holds the host's STOP
    assert client.status().state is LiftState.IDLE


def test_a_move_reply_naming_another_car_stops_the_lift(lift_sim_factory,
                                                        lift_client_factory) -> None:
    sim, url = lift_sim_factory(travel_s_per_level=5.0)
    client = lift_client_factory(url)
    sim.trigger("wrong_source")
    with pytest.raises(LiftError) as info:
        client.move("J-W", 13, 101)
    assert (info.value.reason, info.value.context["stopped"]) == (Reason.LIFT_ECHO_MISMATCH, True)
    assert "asked 13->101" in str(info.value)
    assert FaultCode.ESTOP in client.status().faults


@pytest.mark.parametrize(("trigger", "fault"), [("overload", FaultCode.OVERLOAD),
                                                ("bay_mismatch", FaultCode.BAY_SENSOR_MISMATCH)])
def test_load_faults_leave_the_car_in_its_bay(lift_pair, trigger: str, fault: FaultCode) -> None:
    sim, client = lift_pair
    events = Events(client)
    sim.trigger(trigger)
    client.move("J-9", 7, 101)
    failed = events.expect(job_done("J-9"), "J-9 failed").job
    assert (failed.phase, failed.fault, failed.car_moved) == (JobPhase.FAILED, fault, False)
    with sim.locked() as tower:
        assert 7 in tower.occupied and tower.loads["J-9"] == 0


def test_door_obstructed_on_close_then_acknowledged(lift_pair) -> None:
    sim, client = lift_pair
    events = Events(client)
    client.open_door(101)
    events.expect(lambda e: isinstance(e, DoorChanged) and e.state is DoorState.OPEN, "open")
    sim.trigger("door_obstructed")
    client.close_door(101)
    events.expect(lambda e: isinstance(e, FaultRaised) and e.code is FaultCode.DOOR_OBSTRUCTED,
                  "obstruction")
    assert client.status().doors[101] is DoorState.OBSTRUCTED
    client.ack_fault()
    wait_until(lambda: client.status().doors[101] is DoorState.OPEN, "door open again")
    with pytest.raises(LiftError) as info:
        client.open_door(5)  # storage bays have no door
    assert info.value.context["code"] == "UNKNOWN_BAY"


def test_stall_mid_move_holds_the_job_until_released(lift_pair) -> None:
    sim, client = lift_pair
    events = Events(client)
    sim.trigger("stall_mid_move")
    client.move("J-10", 13, 101)
    wait_until(lambda: sim.tower.activity is not None and sim.tower.activity.paused_at,
               "the stall")
    assert client.job_status("J-10").phase is JobPhase.TO_TARGET
    with pytest.raises(LiftError) as info:
        client.move("J-11", 1, 102)  # one job at a time
    assert info.value.context["code"] == "BUSY"
    sim.trigger("unstall")
    assert events.expect(job_done("J-10"), "J-10").job.phase is JobPhase.DONE


def test_home_runs_the_lift_to_the_lobby(lift_pair) -> None:
    sim, client = lift_pair
    events = Events(client)
    client.move("J-12", 29, 101)
    events.expect(job_done("J-12"), "J-12")
    client.move("J-13", 101, 30)  # leave the lift up on level 5
    events.expect(job_done("J-13"), "J-13")
    assert client.status().level == 5
    client.home()
    wait_until(lambda: client.status().level == 0 and client.status().state is LiftState.IDLE,
               "home")


def test_latency_is_tolerated(lift_sim_factory, lift_client_factory) -> None:
    sim, url = lift_sim_factory(faults=FaultConfig(latency_ms=20))
    client = lift_client_factory(url, ack_timeout_s=0.5)
    assert client.status().state is LiftState.IDLE


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_port_unplugged_and_back(lift_sim_factory, lift_client_factory, tmp_path,
                                 transport: str) -> None:
    link = str(tmp_path / "ttyLIFT") if transport == "pty" else None
    sim, url = lift_sim_factory(transport, link=link)
    client = lift_client_factory(url)
    events = Events(client)
    assert client.status().state is LiftState.IDLE
    sim.unplug()
    events.expect(lambda e: isinstance(e, LinkChanged) and not e.up, "link down")
    with pytest.raises(LiftError) as info:
        client.status()
    assert info.value.reason is Reason.LIFT_LINK_DOWN
    sim.replug()
    events.expect(lambda e: isinstance(e, LinkChanged) and e.up, "link up again")
    assert client.status().state is LiftState.IDLE
    assert sim.sessions >= 1


def test_a_port_path_that_comes_to_name_another_device_is_followed(
        lift_sim_factory, lift_client_factory, tmp_path) -> None:
    # The port path is a symlink (by-id, the simulator's --link). When it
    # comes to name another device (a re-plugged adapter; a pty number
    # freed by a killed program and given to the next one opened), the
    # client must drop the device it holds and open the one the path names:
    # a kiosk in a soak kept driving a test run's simulated lift this way.
    import os

    link = str(tmp_path / "ttyLIFT")
    first, url = lift_sim_factory("pty", link=link)
    client = lift_client_factory(url)
    events = Events(client)
    assert not dict(client.bay_map().bays).get(101)
    second, other = lift_sim_factory("pty", link=str(tmp_path / "ttyOTHER"))
    second.vehicle(101, True)  # only the second tower has a car in bay 101
    tmp = link + ".new"
    os.symlink(os.path.realpath(other), tmp)
    os.replace(tmp, link)  # the path now names the second device; the first still runs
    events.expect(lambda e: isinstance(e, LinkChanged) and not e.up, "link dropped")
    events.expect(lambda e: isinstance(e, LinkChanged) and e.up, "up on the new device")
    assert dict(client.bay_map().bays).get(101)
    assert first.sessions == 1 and second.sessions >= 1


def test_loop_url_and_missing_port_report_link_down(lift_client_factory, tmp_path) -> None:
    # loop:// hears its own HELLO, which is no answer: never up, never a crash.
    for url in ("loop://", str(tmp_path / "no-such-tty")):
        with pytest.raises(LiftError) as info:
            lift_client_factory(url, wait_s=0.3)
        assert info.value.reason is Reason.LIFT_LINK_DOWN


def test_audit_compares_sensors_with_the_backend(lift_pair) -> None:
    sim, client = lift_pair
    m = client.bay_map()
    seen = {b for b, occ in m.bays if occ}
    assert audit_bays(m, seen).ok
    report = audit_bays(m, (seen - {1}) | {6, 500})
    assert (report.tower_only, report.backend_only, report.unknown_bays) == ([1], [6], [500])
    assert not report.ok
