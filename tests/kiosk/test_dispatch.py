"""Dispatch journal and Dispatcher: with fakes for the logic, with the simulator for the rest."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from common.errors import BackendError, LiftError, Reason, RefusedError, TransitionError
from drivers.lift_client import LiftClient
from drivers.lift_proto import (
    DoorState,
    FaultCode,
    JobPhase,
    JobState,
    LinkChanged,
    MoveAccepted,
)
from kiosk.dispatch import (
    DELIVERED,
    FAILED_IN_BAY,
    FAILED_MOVED,
    Dispatcher,
    DispatchJournal,
    JobStep,
    Progress,
    idempotency_key,
)
from sim.lift.simulator import FaultConfig, TowerSimulator

WAIT_S = 20.0
FAST = {"travel_s_per_level": 0.01, "door_s": 0.01, "transfer_s": 0.01}


class FakeBackend:
    """Records every report; learns each idempotency key once, as the real backend does."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.learned: dict[str, tuple[str, str]] = {}
        self.down = 0  # fail this many calls

    def report_job(self, job_id: str, outcome: str, idempotency_key: str) -> None:
        self.calls.append((job_id, outcome, idempotency_key))
        if self.down:
            self.down -= 1
            raise BackendError("backend down", reason=Reason.BACKEND_UNREACHABLE)
        self.learned.setdefault(idempotency_key, (job_id, outcome))

    def outcomes(self, job_id: str) -> list[str]:
        return [o for j, o in self.learned.values() if j == job_id]


class FakeLift:
    """A scripted controller for the dispatcher's own logic.

    Scripted job states without bays (``state()``) echo the bays of the job's
    first MOVE, as an honest controller does."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, int, int]] = []
        self.move_errors: list[LiftError] = []
        self.states: list[JobState] = []  # job_status answers, the last one repeats
        self.subscribers: list[Callable[[Any], None]] = []
        self.bays: dict[str, tuple[int, int]] = {}
        self.stops = 0

    def on_event(self, cb: Callable[[Any], None]) -> Callable[[], None]:
        self.subscribers.append(cb)
        return lambda: self.subscribers.remove(cb)

    def move(self, job_id: str, from_bay: int, to_bay: int) -> MoveAccepted:
        self.moves.append((job_id, from_bay, to_bay))
        self.bays.setdefault(job_id, (from_bay, to_bay))  # it may have arrived before a failure
        if self.move_errors:
            raise self.move_errors.pop(0)
        return MoveAccepted(JobState(job_id, JobPhase.QUEUED, from_bay=from_bay, to_bay=to_bay),
                            duplicate=False)

    def job_status(self, job_id: str) -> JobState:
        if not self.states:
            return JobState(job_id, JobPhase.UNKNOWN)
        answer = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return self.echo(answer)

    def echo(self, job: JobState) -> JobState:
        if job.phase is JobPhase.UNKNOWN or job.from_bay or job.job_id not in self.bays:
            return job
        from_bay, to_bay = self.bays[job.job_id]
        return replace(job, from_bay=from_bay, to_bay=to_bay)

    def emit(self, event: Any) -> None:
        for cb in list(self.subscribers):
            cb(event)

    def stop(self) -> None:
        self.stops += 1


def state(phase: JobPhase, moved: bool = False, fault: FaultCode = FaultCode.NONE,
          level: int = 0, job_id: str = "J") -> JobState:
    return JobState(job_id, phase, car_moved=moved, fault=fault, level=level)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[DispatchJournal]:
    j = DispatchJournal(tmp_path / "dispatch.db")
    yield j
    j.close()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


# -- the journal -------------------------------------------------------------------------

def test_journal_is_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "d" / "dispatch.db"
    j = DispatchJournal(path)
    j.plan("J", "delivery", 7, 101)
    j.advance("J", JobStep.SENT)
    j.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    j = DispatchJournal(path)
    entry = j.get("J")
    assert entry is not None and entry.state is JobStep.SENT
    assert [s for s, _ in entry.history] == ["PLANNED", "SENT"]
    j.close()


def test_journal_moves_forward_only(journal: DispatchJournal) -> None:
    journal.plan("J", "return", 101, 3)
    assert journal.plan("J", "return", 101, 3).state is JobStep.PLANNED  # idempotent
    journal.advance("J", JobStep.MOVING)
    with pytest.raises(TransitionError):
        journal.advance("J", JobStep.SENT)
    done = journal.advance("J", JobStep.FAILED, outcome=FAILED_MOVED, fault="ESTOP",
                           car_moved=True)
    assert (done.outcome, done.fault, done.car_moved) == (FAILED_MOVED, "ESTOP", True)
    with pytest.raises(TransitionError):
        journal.advance("J", JobStep.ARRIVED)
    journal.advance("J", JobStep.REPORTED)
    assert journal.unfinished() == []
    with pytest.raises(TransitionError):
        journal.advance("nope", JobStep.SENT)
    with pytest.raises(LiftError):
        journal.plan("K", "teleport", 1, 2)


def test_journal_prune_keeps_unfinished(journal: DispatchJournal) -> None:
    for i in range(5):
        journal.plan(f"J{i}", "delivery", i + 1, 101)
        if i < 4:
            journal.advance(f"J{i}", JobStep.REPORTED)
    assert journal.prune(keep=2) == 2
    assert {e.job_id for e in journal.recent()} == {"J2", "J3", "J4"}
    assert [e.job_id for e in journal.unfinished()] == ["J4"]


# -- dispatcher logic with a fake lift ---------------------------------------------------------

def make(journal: DispatchJournal, lift: Any, backend: FakeBackend, **kw: Any) -> Dispatcher:
    opts = {"poll_s": 0.01, "retry_s": 0.01, **kw}
    return Dispatcher(journal, lift, backend, **opts)


@pytest.mark.parametrize(("error", "fault"), [
    (LiftError("no", reason=Reason.LIFT_REJECTED, code="SOURCE_EMPTY"), "SOURCE_EMPTY"),
    (LiftError("no", reason=Reason.LIFT_FAULT, code="FAULT_ACTIVE"), "FAULT_ACTIVE"),
])
def test_a_refused_move_fails_in_bay(journal, backend, error: LiftError, fault: str) -> None:
    lift = FakeLift()
    lift.move_errors = [error]
    out = make(journal, lift, backend).run_job("J", 7, 101)
    assert (out.outcome, out.fault, out.car_moved, out.ok, out.result) == (
        FAILED_IN_BAY, fault, False, False, "failed")
    assert backend.calls == [("J", FAILED_IN_BAY, idempotency_key("J", FAILED_IN_BAY))]
    assert journal.get("J").state is JobStep.REPORTED  # type: ignore[union-attr]


def test_transient_errors_are_retried(journal, backend) -> None:
    lift = FakeLift()
    lift.move_errors = [LiftError("down", reason=Reason.LIFT_LINK_DOWN),
                        LiftError("slow", reason=Reason.LIFT_TIMEOUT),
                        LiftError("busy", reason=Reason.LIFT_REJECTED, code="BUSY")]
    lift.states = [state(JobPhase.TO_SOURCE), state(JobPhase.DONE, moved=True)]
    out = make(journal, lift, backend).run_job("J", 7, 101)
    assert out.outcome == DELIVERED and len(lift.moves) == 4


def test_backend_down_then_reconcile_reports_once(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.DONE, moved=True)]
    backend.down = 1
    d = make(journal, lift, backend)
    out = d.run_job("J", 7, 101)
    assert out.ok and not out.reported
    assert journal.get("J").state is JobStep.ARRIVED  # type: ignore[union-attr]
    assert [e.job_id for e in d.pending()] == ["J"]
    again = d.reconcile()
    assert [(o.job_id, o.outcome, o.reported) for o in again] == [("J", DELIVERED, True)]
    assert len(backend.calls) == 2 and len({c[2] for c in backend.calls}) == 1  # same key
    assert backend.outcomes("J") == [DELIVERED]
    assert d.reconcile() == [] and len(lift.moves) == 1


def test_a_refused_report_is_not_retried_forever(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.DONE, moved=True)]

    class Refusing(FakeBackend):
        def report_job(self, job_id: str, outcome: str, idempotency_key: str) -> None:
            self.calls.append((job_id, outcome, idempotency_key))
            raise RefusedError("unknown job", reason=Reason.BACKEND_ERROR)

    refusing = Refusing()
    d = make(journal, lift, refusing)
    out = d.run_job("J", 7, 101)
    assert out.ok and not out.reported
    assert d.pending() == [] and d.reconcile() == [] and len(refusing.calls) == 1


@pytest.mark.parametrize(("job_id", "key"), [
    ("3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3", "lift-job:3f2a9c0e5b7d41e8a6c2d9f0b1e4a7c3:delivered"),
    ("J-1", "lift-job:J-1:delivered"),
    ("a/b?c", "lift-job:" + hashlib.sha256(b"a/b?c").hexdigest()[:32] + ":delivered"),
])
def test_idempotency_keys_are_stable_and_header_safe(job_id: str, key: str) -> None:
    assert idempotency_key(job_id, DELIVERED) == key
    assert re.fullmatch(r"[A-Za-z0-9_.:-]{8,128}", key)
    assert idempotency_key(job_id, FAILED_MOVED) != key


def test_a_finished_job_is_not_moved_again(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.DONE, moved=True)]
    d = make(journal, lift, backend)
    first = d.run_job("J", 7, 101)
    second = d.run_job("J", 7, 101)
    assert first == second and len(lift.moves) == 1 and len(backend.calls) == 1
    with pytest.raises(LiftError) as info:
        d.run_job("J", 8, 101)
    assert info.value.context["code"] == "JOB_CONFLICT"


def test_no_progress_is_a_stall(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.TO_TARGET, moved=True, level=2)]
    out = make(journal, lift, backend, stall_timeout_s=0.2).run_job("J", 7, 101)
    assert (out.outcome, out.fault) == (FAILED_MOVED, "STALLED")


@pytest.mark.parametrize(("heard", "outcome", "fault"), [
    ([state(JobPhase.UNKNOWN)], FAILED_IN_BAY, "NOT_SENT"),  # never arrived: never sent again
    ([state(JobPhase.TO_SOURCE), state(JobPhase.DONE, moved=True)], DELIVERED, None),
])
def test_unreachable_lift_leaves_the_job_for_reconcile(journal, backend, heard: list,
                                                       outcome: str, fault: str | None) -> None:
    lift = FakeLift()
    lift.move_errors = [LiftError("down", reason=Reason.LIFT_LINK_DOWN)] * 1000
    d = make(journal, lift, backend, reach_timeout_s=0.2)
    with pytest.raises(LiftError) as info:
        d.run_job("J", 7, 101)
    assert info.value.reason is Reason.LIFT_LINK_DOWN
    entry = journal.get("J")
    assert entry is not None and entry.state is JobStep.SENT and entry.fault == "ABANDONED"
    assert backend.calls == []
    moves = len(lift.moves)
    lift.move_errors = []  # the lift is back
    lift.states = heard
    [out] = d.reconcile()
    assert (out.outcome, out.fault if fault else None) == (outcome, fault)
    assert backend.outcomes("J") == [outcome]
    assert len(lift.moves) == moves  # reconcile never re-sent the MOVE


def test_accepted_job_the_controller_forgot_needs_a_person(journal, backend) -> None:
    journal.plan("J", "delivery", 7, 101)
    journal.advance("J", JobStep.ACCEPTED)
    lift = FakeLift()  # answers UNKNOWN
    [out] = make(journal, lift, backend).reconcile()
    assert (out.outcome, out.fault) == (FAILED_MOVED, "JOB_LOST") and lift.moves == []


def test_a_broken_progress_callback_does_not_abandon_the_car(journal, backend) -> None:
    lift = FakeLift()
    lift.states = [state(JobPhase.TO_SOURCE), state(JobPhase.DONE, moved=True)]

    def boom(p: Progress) -> None:
        raise RuntimeError("display broke")

    assert make(journal, lift, backend).run_job("J", 7, 101, on_progress=boom).ok


def test_a_controller_that_does_not_say_its_height_still_moves_the_car(journal, backend) -> None:
    lift = FakeLift()  # no BAY_MAP
    lift.states = [state(JobPhase.TO_SOURCE), state(JobPhase.DONE, moved=True)]
    seen: list[Progress] = []
    assert make(journal, lift, backend).run_job("J", 7, 101, on_progress=seen.append).ok
    assert seen and all(p.levels is None for p in seen)


# -- with the simulator -----------------------------------------------------------------------

@pytest.fixture
def tower(tmp_path: Path, journal: DispatchJournal, backend: FakeBackend
          ) -> Iterator[Callable[..., tuple[TowerSimulator, LiftClient, Dispatcher]]]:
    made: list[tuple[TowerSimulator, LiftClient, Dispatcher]] = []
    fds_before = set(os.listdir("/proc/self/fd"))

    def start(transport: str = "pty", client: dict | None = None, dispatcher: dict | None = None,
              **sim_kw: Any) -> tuple[TowerSimulator, LiftClient, Dispatcher]:
        sim = TowerSimulator(**{**FAST, **sim_kw})
        url = (f"socket://127.0.0.1:{sim.serve_tcp()}" if transport == "tcp"
               else sim.serve_pty(str(tmp_path / "ttyLIFT")))
        c = LiftClient(url, **{"ack_timeout_s": 0.25, "reply_timeout_s": 5.0,
                               "reconnect_max_s": 0.2, **(client or {})})
        d = Dispatcher(journal, c, backend, **{"poll_s": 0.05, **(dispatcher or {})})
        made.append((sim, c, d))
        c.open(wait_s=5.0)
        return sim, c, d

    yield start
    for sim, c, d in made:
        d.close()
        c.close()
        sim.stop()
        assert not sim.running
    leaked = set(os.listdir("/proc/self/fd")) - fds_before
    if leaked:
        pytest.fail(f"test left file descriptors open: {sorted(leaked)}")


def test_delivery_reports_progress_and_journals_every_step(tower, journal, backend) -> None:
    sim, client, d = tower()
    seen: list[Progress] = []
    out = d.run_job("J-1", 19, 101, on_progress=seen.append)
    assert (out.outcome, out.reported, out.car_moved) == (DELIVERED, True, True)
    # With lift timing this fast some snapshots are superseded before they are
    # sent; what arrives is in order and ends with the car behind an open door.
    phases = [p.phase for p in seen]
    assert phases == sorted(phases) and len(set(phases)) >= 3
    assert phases[0] is JobPhase.QUEUED and phases[-1] is JobPhase.DONE
    assert seen[-1].door is DoorState.OPEN and seen[-1].car_moved
    # The tower's height, asked once before the move, for "level x of y".
    levels = client.bay_map().levels
    assert levels > 1 and {p.levels for p in seen} == {levels}
    entry = journal.get("J-1")
    assert entry is not None
    assert [s for s, _ in entry.history] == ["PLANNED", "SENT", "ACCEPTED", "MOVING", "ARRIVED",
                                             "REPORTED"]
    assert backend.outcomes("J-1") == [DELIVERED]
    back = d.run_job("J-2", 101, 19, kind="return")
    assert back.ok and back.kind == "return"
    with sim.locked() as t:
        assert 19 in t.occupied and t.loads["J-1"] == 1 and t.loads["J-2"] == 1


@pytest.mark.parametrize(("trigger", "src", "dst", "outcome", "fault"), [
    ("estop_mid_move", 13, 101, FAILED_MOVED, "ESTOP"),
    ("overload", 13, 101, FAILED_IN_BAY, "OVERLOAD"),
    ("bay_mismatch", 13, 101, FAILED_IN_BAY, "BAY_SENSOR_MISMATCH"),
])
def test_faults_say_whether_the_car_moved(tower, backend, trigger: str, src: int, dst: int,
                                          outcome: str, fault: str) -> None:
    sim, client, d = tower()
    sim.trigger(trigger)
    out = d.run_job("J-3", src, dst)
    assert (out.outcome, out.fault, out.ok) == (outcome, fault, False)
    assert backend.outcomes("J-3") == [outcome]


def test_return_blocked_by_an_obstructed_door(tower, backend) -> None:
    sim, client, d = tower(occupied={1, 101})
    with sim.locked() as t:
        t.doors[101] = DoorState.OPEN
    sim.trigger("door_obstructed")
    out = d.run_job("R-1", 101, 2, kind="return")
    assert (out.outcome, out.fault) == (FAILED_IN_BAY, "DOOR_OBSTRUCTED")


def test_stalled_lift_is_detected(tower) -> None:
    sim, client, d = tower(dispatcher={"stall_timeout_s": 1.0})
    sim.trigger("stall_mid_move")
    out = d.run_job("J-4", 13, 101)
    assert (out.outcome, out.fault) == (FAILED_MOVED, "STALLED")


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_port_unplugged_mid_move_and_back(tower, backend, transport: str) -> None:
    sim, client, d = tower(transport)
    links: list[bool] = []
    client.on_event(lambda e: links.append(e.up) if isinstance(e, LinkChanged) else None)
    sim.trigger("stall_mid_move")  # hold the car half way while the cable is out
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(d.run_job("J-5", 25, 101)))
    worker.start()
    try:
        wait_until(lambda: sim.tower.activity is not None and sim.tower.activity.paused_at,
                   "the car half way")
        sim.unplug()
        wait_until(lambda: False in links, "link down")
        sim.replug()
        wait_until(lambda: links and links[-1], "link up")
        sim.trigger("unstall")
    finally:
        worker.join(WAIT_S)
    assert not worker.is_alive()
    assert result[0].outcome == DELIVERED
    with sim.locked() as t:
        assert t.loads["J-5"] == 1 and [a[0] for a in t.arrivals] == ["J-5"]
    assert backend.outcomes("J-5") == [DELIVERED]


def test_100_jobs_through_5_percent_corruption_none_lost_or_doubled(tower, journal,
                                                                     backend) -> None:
    sim, client, d = tower(faults=FaultConfig(corrupt=0.05, seed=7), ack_timeout_s=0.02,
                           client={"ack_timeout_s": 0.02, "reply_timeout_s": 1.0},
                           dispatcher={"poll_s": 0.1, "stall_timeout_s": 60.0,
                                       "reach_timeout_s": 120.0, "move_timeout_s": 300.0})
    bays = [1, 2, 7, 8, 13]
    jobs = []
    for i in range(100):
        bay = bays[(i // 2) % len(bays)]
        job_id = f"c{i:03d}"  # short ids keep frames short on a line this bad
        src, dst, kind = (bay, 101, "delivery") if i % 2 == 0 else (101, bay, "return")
        out = d.run_job(job_id, src, dst, kind)
        assert out.outcome == DELIVERED and out.reported, out
        jobs.append(job_id)
    with sim.locked() as t:
        assert all(t.loads[j] == 1 for j in jobs)
        assert Counter(a[0] for a in t.arrivals) == Counter(jobs)
    assert all(backend.outcomes(j) == [DELIVERED] for j in jobs)
    assert journal.unfinished() == []
    assert client.link.stats.resent > 0 and client.link.bad_frames > 0  # the noise was real


def wait_until(pred: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    tick = threading.Event()
    while time.monotonic() < deadline:
        if value := pred():
            return value
        tick.wait(0.005)
    raise AssertionError(f"timed out waiting for {what}")
