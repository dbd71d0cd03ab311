"""The simulated tower: lift, bays, doors, sensors, jobs and injected faults.

Pure model driven by ``advance(now)`` with times passed in, so the server
(lift_sim) decides when time moves and tests can step it by hand. The
model answers requests with ``handle`` and queues events for the host.
Faults (raising, ACK_FAULT, the E-stop button, injected ones) live in the
``lift_sim_faults.TowerFaults`` mixin.

Bays: storage bays are numbered 1..levels*bays_per_level, level by level
(bay 1..6 on level 1 with 6 per level); delivery bays (e.g. 101, 102) are on
level 0, the lobby, each behind its own door. The lift parks at level 0.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field, replace
from typing import Any

from common.errors import FrameError
from drivers import lift_proto as p
from drivers.lift_proto import (
    BayMap,
    Cmd,
    DoorChanged,
    DoorState,
    FaultCode,
    JobDone,
    JobPhase,
    JobProgress,
    JobState,
    LevelReached,
    LiftEvent,
    LiftState,
    LiftStatus,
    MoveAccepted,
    Result,
    VehicleChanged,
)
from sim.lift.faults import ARMABLE, IMMEDIATE, TRIGGERS, FaultConfig, TowerFaults

__all__ = ["Tower", "FaultConfig", "ARMABLE", "IMMEDIATE", "TRIGGERS", "JOB_MEMORY"]

JOB_MEMORY = 1000  # job ids remembered for idempotent MOVEs (oldest finished forgotten first)


@dataclass
class _Step:
    kind: str  # "travel" | "load" | "unload" | "door"
    phase: JobPhase | None = None
    level: int = 0
    bay: int = 0
    door: DoorState = DoorState.CLOSED


@dataclass
class _Activity:
    step: _Step
    start: float
    end: float
    from_level: float = 0.0
    mid_at: float | None = None  # when an armed mid-move trigger fires
    paused_at: float | None = None  # stalled since


@dataclass
class _Job:
    job_id: str
    from_bay: int
    to_bay: int
    phase: JobPhase = JobPhase.QUEUED
    car_moved: bool = False
    fault: FaultCode = FaultCode.NONE


@dataclass
class Tower(TowerFaults):
    levels: int = 5
    bays_per_level: int = 6
    delivery_bays: tuple[int, ...] = (101, 102)
    travel_s_per_level: float = 0.6
    door_s: float = 0.8
    transfer_s: float = 1.0
    occupied: set[int] = field(default_factory=set)
    armed: set[str] = field(default_factory=set)
    # Told of every physical pick-up ("load") and set-down ("unload") with the
    # job's id and bays, as it happens: the soak's ledger of real moves.
    on_move: Any = None

    def __post_init__(self) -> None:
        storage = self.levels * self.bays_per_level
        if not 1 <= self.levels <= 50 or not 1 <= self.bays_per_level <= 50:
            raise ValueError("levels and bays per level must be 1..50")
        if any(b <= storage or b > 0xFFFF for b in self.delivery_bays):
            raise ValueError(f"delivery bays must be numbered above {storage}")
        bad = set(self.occupied) - set(self.all_bays())
        if bad:
            raise ValueError(f"occupied bays do not exist: {sorted(bad)}")
        self.occupied = set(self.occupied)
        self.doors = {bay: DoorState.CLOSED for bay in self.delivery_bays}
        self.position = 0.0  # lift position in levels
        self.last_level = 0
        self.car_on_lift = False
        self.faults: set[FaultCode] = set()
        self.estop_held = False  # the E-stop button is pressed in (only a person releases it)
        self.jobs: OrderedDict[str, _Job] = OrderedDict()
        self.current: _Job | None = None
        self.steps: deque[_Step] = deque()
        self.activity: _Activity | None = None
        self.events: list[LiftEvent] = []
        self.loads: Counter[str] = Counter()  # job id -> times its car was picked up
        self.arrivals: list[tuple[str, int, int]] = []  # (job id, from, to) at unload end
        self._last_failed: _Job | None = None

    # -- geometry -------------------------------------------------------------------
    def all_bays(self) -> list[int]:
        return list(range(1, self.levels * self.bays_per_level + 1)) + list(self.delivery_bays)

    def level_of(self, bay: int) -> int:
        return 0 if bay in self.delivery_bays else (bay - 1) // self.bays_per_level + 1

    def _duration(self, step: _Step, from_level: float) -> float:
        if step.kind == "travel":
            return abs(step.level - from_level) * self.travel_s_per_level
        return self.door_s if step.kind == "door" else self.transfer_s

    # -- status -------------------------------------------------------------------------
    @property
    def blocking_faults(self) -> set[FaultCode]:
        # Communication loss is reported, but the PLC finishes a move safely without us.
        return self.faults - {FaultCode.COMM_LOST}

    @property
    def busy(self) -> bool:
        return self.activity is not None or bool(self.steps)

    def state(self) -> LiftState:
        if self.blocking_faults:
            return LiftState.FAULT
        return LiftState.BUSY if self.busy else LiftState.IDLE

    def status(self) -> LiftStatus:
        return LiftStatus(state=self.state(), level=self.last_level,
                          target_level=self._target_level(),
                          faults=tuple(sorted(self.faults)), car_on_lift=self.car_on_lift,
                          doors=dict(self.doors),
                          job_id=self.current.job_id if self.current else None,
                          job_phase=self.current.phase if self.current else JobPhase.UNKNOWN)

    def _target_level(self) -> int:
        a = self.activity
        if a is not None and a.step.kind == "travel":
            return a.step.level
        return self.last_level

    def eta_s(self, now: float) -> float:
        total, pos = 0.0, self.position
        a = self.activity
        if a is not None:
            total += max(0.0, a.end - (a.paused_at or now)) if math.isfinite(a.end) else 0.0
            if a.step.kind == "travel":
                pos = a.step.level
        for step in self.steps:
            total += self._duration(step, pos)
            if step.kind == "travel":
                pos = step.level
        return total

    def job_state(self, job: _Job, now: float) -> JobState:
        live = job is self.current
        return JobState(job_id=job.job_id, phase=job.phase, car_moved=job.car_moved,
                        fault=job.fault, level=self.last_level,
                        target_level=self._target_level() if live else self.last_level,
                        eta_s=self.eta_s(now) if live else 0.0,
                        from_bay=job.from_bay, to_bay=job.to_bay)

    def bay_map(self) -> BayMap:
        return BayMap(bays=[(b, b in self.occupied) for b in self.all_bays()],
                      delivery_bays=list(self.delivery_bays), levels=self.levels,
                      bays_per_level=self.bays_per_level)

    def take_events(self) -> list[LiftEvent]:
        events, self.events = self.events, []
        return events

    # -- requests -------------------------------------------------------------------------
    def handle(self, cmd: int, payload: bytes, now: float) -> tuple[Result, bytes]:
        """Answer one request (HELLO is the server's business)."""
        try:
            if cmd == Cmd.STATUS:
                p.decode_empty(payload)
                return Result.OK, p.encode_status(self.status())
            if cmd == Cmd.BAY_MAP:
                p.decode_empty(payload)
                return Result.OK, p.encode_bay_map(self.bay_map())
            if cmd == Cmd.JOB_STATUS:
                job_id = p.decode_job_ref(payload)
                job = self.jobs.get(job_id)
                state = (self.job_state(job, now) if job is not None
                         else JobState(job_id=job_id, phase=JobPhase.UNKNOWN))
                return Result.OK, p.encode_job_state(state)
            if cmd == Cmd.MOVE:
                return self._move(*p.decode_move(payload), now)
            if cmd == Cmd.HOME:
                p.decode_empty(payload)
                return self._manual([_Step("travel", level=0)], now), b""
            if cmd in (Cmd.OPEN_DOOR, Cmd.CLOSE_DOOR):
                bay = p.decode_bay(payload)
                if bay not in self.doors:
                    return Result.UNKNOWN_BAY, b""
                want = DoorState.OPEN if cmd == Cmd.OPEN_DOOR else DoorState.CLOSED
                if self.doors[bay] is want and not self.busy:
                    return Result.OK, b""
                return self._manual([_Step("door", bay=bay, door=want)], now), b""
            if cmd == Cmd.ACK_FAULT:
                p.decode_empty(payload)
                return self.ack_fault(now), b""
            if cmd == Cmd.STOP:
                p.decode_empty(payload)
                return self.host_stop(now), b""
        except FrameError:
            return Result.BAD_REQUEST, b""
        return Result.UNKNOWN_COMMAND, b""

    def _move(self, job_id: str, from_bay: int, to_bay: int, now: float) -> tuple[Result, bytes]:
        job = self.jobs.get(job_id)
        if job is not None:
            if (job.from_bay, job.to_bay) != (from_bay, to_bay):
                return Result.JOB_CONFLICT, b""
            # The whole point of job ids: a repeated MOVE reports, never moves.
            return Result.OK, p.encode_move_reply(
                MoveAccepted(job=self.job_state(job, now), duplicate=True))
        bays = set(self.all_bays())
        if from_bay not in bays or to_bay not in bays:
            return Result.UNKNOWN_BAY, b""
        if from_bay == to_bay:
            return Result.BAD_REQUEST, b""
        if self.blocking_faults:
            return Result.FAULT_ACTIVE, b""
        if self.busy or self.car_on_lift:
            return Result.BUSY, b""
        if from_bay not in self.occupied:
            return Result.SOURCE_EMPTY, b""
        if to_bay in self.occupied:
            return Result.TARGET_OCCUPIED, b""
        job, say_asked = self.misdirect(_Job(job_id, from_bay, to_bay))
        self._remember(job)
        self.current = job
        for bay in (job.from_bay, job.to_bay):
            if bay in self.doors and self.doors[bay] is not DoorState.CLOSED:
                self.steps.append(_Step("door", JobPhase.CLOSING_DOOR, bay=bay,
                                        door=DoorState.CLOSED))
        self.steps.extend([
            _Step("travel", JobPhase.TO_SOURCE, level=self.level_of(job.from_bay)),
            _Step("load", JobPhase.LOADING, bay=job.from_bay),
            _Step("travel", JobPhase.TO_TARGET, level=self.level_of(job.to_bay)),
            _Step("unload", JobPhase.UNLOADING, bay=job.to_bay),
        ])
        if job.to_bay in self.doors:
            self.steps.append(_Step("door", JobPhase.OPENING_DOOR, bay=job.to_bay,
                                    door=DoorState.OPEN))
        state = self.job_state(job, now)
        if say_asked:
            state = replace(state, from_bay=from_bay, to_bay=to_bay)
        reply = p.encode_move_reply(MoveAccepted(job=state, duplicate=False))
        self.advance(now)
        return Result.OK, reply

    def _remember(self, job: _Job) -> None:
        self.jobs[job.job_id] = job
        while len(self.jobs) > JOB_MEMORY:
            oldest = next(iter(self.jobs.values()))
            if not oldest.phase.final:
                break  # never forget a live job
            self.jobs.popitem(last=False)

    def _manual(self, steps: list[_Step], now: float) -> Result:
        if self.blocking_faults:
            return Result.FAULT_ACTIVE
        if self.busy:
            return Result.BUSY
        self.steps.extend(steps)
        self.advance(now)
        return Result.OK

    def recover(self, failed: _Job) -> None:
        """Put a car left on the lift back into the bay it came from."""
        self.steps.extend([_Step("travel", level=self.level_of(failed.from_bay)),
                           _Step("unload", bay=failed.from_bay)])

    # -- time ---------------------------------------------------------------------------------
    def next_deadline(self) -> float | None:
        a = self.activity
        if a is None or a.paused_at is not None:
            return None
        times = [a.end]
        if a.mid_at is not None:
            times.append(a.mid_at)
        if a.step.kind == "travel" and self.travel_s_per_level > 0:
            direction = 1 if a.step.level > a.from_level else -1
            nxt = self.last_level + direction
            times.append(a.start + abs(nxt - a.from_level) * self.travel_s_per_level)
        return min(times)

    def advance(self, now: float) -> None:
        t = now
        while True:
            a = self.activity
            if a is None:
                if not self.steps or self.blocking_faults:
                    if not self.steps and self.current is not None:
                        self._finish_job(now)
                    return
                self._start(self.steps.popleft(), t)
                continue
            if a.paused_at is not None:
                return
            if a.mid_at is not None and now >= a.mid_at:
                self._emit_levels(a, a.mid_at)
                at, a.mid_at = a.mid_at, None
                if "estop_mid_move" in self.armed:
                    self.armed.discard("estop_mid_move")
                    self.press_estop(at)
                    return
                if "stall_mid_move" in self.armed:
                    self.armed.discard("stall_mid_move")
                    a.paused_at = at
                    self.position = self._position(a, at)
                    return
            self._emit_levels(a, min(now, a.end))
            if now < a.end:
                return
            t = a.end
            self.activity = None
            self._complete(a.step, t)
            if self.blocking_faults:
                return

    def _position(self, a: _Activity, now: float) -> float:
        if self.travel_s_per_level <= 0 or a.end <= a.start:
            return float(a.step.level)
        frac = min(1.0, max(0.0, (now - a.start) / (a.end - a.start)))
        return a.from_level + (a.step.level - a.from_level) * frac

    def _emit_levels(self, a: _Activity, now: float) -> None:
        if a.step.kind != "travel":
            return
        pos = self._position(a, now)
        self.position = pos
        up = a.step.level > a.from_level
        reached = math.floor(pos + 1e-9) if up else math.ceil(pos - 1e-9)
        while reached != self.last_level and (reached > self.last_level) == up:
            self.last_level += 1 if up else -1
            self.events.append(LevelReached(self.last_level))
            self._progress(now)

    def _start(self, step: _Step, t: float) -> None:
        job = self.current
        if job is not None and step.phase is not None:
            job.phase = step.phase
        if step.kind == "load" and not self._load_checks(step, t):
            return
        if step.kind == "unload" and step.bay in self.occupied:
            self.raise_fault(FaultCode.BAY_SENSOR_MISMATCH, t)
            return
        a = _Activity(step, t, t + self._duration(step, self.position), from_level=self.position)
        if step.kind == "door":
            closing = step.door is DoorState.CLOSED
            self._set_door(step.bay, DoorState.CLOSING if closing else DoorState.OPENING)
            if closing and "door_obstructed" in self.armed:
                self.armed.discard("door_obstructed")
                self.activity = a
                self.raise_fault(FaultCode.DOOR_OBSTRUCTED, t)
                return
        if (step.phase is JobPhase.TO_TARGET and a.end > a.start
                and self.armed & {"estop_mid_move", "stall_mid_move"}):
            a.mid_at = (a.start + a.end) / 2
        self.activity = a
        if job is not None:
            self._progress(t)

    def _load_checks(self, step: _Step, t: float) -> bool:
        if "overload" in self.armed:
            self.armed.discard("overload")
            self.raise_fault(FaultCode.OVERLOAD, t)
            return False
        if "bay_mismatch" in self.armed or step.bay not in self.occupied:
            self.armed.discard("bay_mismatch")
            self.raise_fault(FaultCode.BAY_SENSOR_MISMATCH, t)
            return False
        if self.current is not None:
            self.current.car_moved = True
            self.loads[self.current.job_id] += 1
            self._tell("load", self.current)
        return True

    def _complete(self, step: _Step, t: float) -> None:
        if step.kind == "travel":
            self.position = float(step.level)
        elif step.kind == "door":
            self._set_door(step.bay, step.door)
        elif step.kind == "load":
            self.occupied.discard(step.bay)
            self.car_on_lift = True
            self.events.append(VehicleChanged(step.bay, False))
        elif step.kind == "unload":
            self.occupied.add(step.bay)
            self.car_on_lift = False
            self.events.append(VehicleChanged(step.bay, True))
            job = self.current
            if job is not None:
                self.arrivals.append((job.job_id, job.from_bay, job.to_bay))
                self._tell("unload", job)

    def _tell(self, kind: str, job: _Job) -> None:
        if self.on_move is not None:
            self.on_move(kind, job.job_id, job.from_bay, job.to_bay)

    def _finish_job(self, now: float) -> None:
        job, self.current = self.current, None
        if job is not None:
            job.phase = JobPhase.DONE
            self.events.append(JobDone(replace(self.job_state(job, now), eta_s=0.0)))

    def _progress(self, now: float) -> None:
        if self.current is not None:
            self.events.append(JobProgress(self.job_state(self.current, now)))

    def _set_door(self, bay: int, state: DoorState) -> None:
        if self.doors.get(bay) is not state:
            self.doors[bay] = state
            self.events.append(DoorChanged(bay, state))
