"""The simulated tower's faults: what a test can inject, and how the PLC handles them.

``TowerFaults`` is a mixin of ``lift_sim_tower.Tower`` (it works on the
tower's state: faults, activity, steps, current job, doors, events). It
holds the fault lifecycle (raise, clear, ACK_FAULT), the E-stop button, and
the *echo faults*: a controller that runs, or reports, another job than the
host asked for, so the host's echo checks can be tried against real bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from drivers.lift_proto import (
    DoorState,
    FaultCleared,
    FaultCode,
    FaultRaised,
    JobDone,
    JobPhase,
    Result,
)

# One-shot triggers a test or a CLI flag can arm (they act on the next move or
# door close); the IMMEDIATE ones act at once.
#   wrong_source  the next MOVE fetches another car; its reply already says so
#   swap_source   the next MOVE fetches another car; its reply names the asked
#                 bays, every later echo (events, JOB_STATUS) the bay it used
#   wrong_job     the next MOVE runs under another job id (events name it;
#                 JOB_STATUS for the asked id answers UNKNOWN)
ARMABLE = ("estop_mid_move", "stall_mid_move", "door_obstructed", "overload", "bay_mismatch",
           "wrong_source", "swap_source", "wrong_job")
# "estop" presses the E-stop button and holds it; "estop_release" lets it go.
IMMEDIATE = ("estop", "estop_release", "unstall")
TRIGGERS = ARMABLE + IMMEDIATE


@dataclass
class FaultConfig:
    corrupt: float = 0.0  # fraction of bytes with one bit flipped, each direction
    drop: float = 0.0  # fraction of bytes lost, each direction
    latency_ms: float = 0.0  # extra delay before every byte the controller sends
    stall_mid_move: bool = False  # the next move stops half way with the car, silently
    estop_mid_move: bool = False  # E-stop pressed (and held) half way through the next move
    door_obstructed: bool = False  # the next door close meets an obstruction
    overload: bool = False  # the next load trips the load cell
    bay_mismatch: bool = False  # the next load finds the bay sensor disagreeing
    wrong_source: bool = False  # see ARMABLE
    swap_source: bool = False
    wrong_job: bool = False
    seed: int | None = None

    def armed(self) -> set[str]:
        return {name for name in ARMABLE if getattr(self, name)}


def other_job_id(job_id: str) -> str:
    """A valid job id that differs from ``job_id`` in its last character."""
    return job_id[:-1] + ("X" if job_id[-1] != "X" else "Y")


class TowerFaults:
    """Fault handling of the tower model (mixed into ``Tower``)."""

    # The tower's state this mixin works on (set in Tower.__post_init__).
    faults: set[FaultCode]
    armed: set[str]
    estop_held: bool
    occupied: set[int]
    delivery_bays: tuple[int, ...]
    doors: dict[int, DoorState]
    events: list[Any]
    steps: Any
    activity: Any
    current: Any
    car_on_lift: bool
    position: float
    _last_failed: Any

    def trigger(self, name: str, now: float) -> None:
        if name not in TRIGGERS:
            raise ValueError(f"unknown trigger {name!r}; known: {', '.join(TRIGGERS)}")
        self.advance(now)  # type: ignore[attr-defined]
        if name == "estop":
            self.press_estop(now)
        elif name == "estop_release":
            # The button comes out; the fault stays until the host acknowledges it.
            self.estop_held = False
        elif name == "unstall":
            a = self.activity
            if a is not None and a.paused_at is not None:
                shift = now - a.paused_at
                a.start, a.end, a.paused_at = a.start + shift, a.end + shift, None
        else:
            self.armed.add(name)

    def press_estop(self, now: float) -> None:
        """The physical E-stop button: latched in until someone releases it."""
        self.estop_held = True
        self.raise_fault(FaultCode.ESTOP, now)

    def host_stop(self, now: float) -> Result:
        """STOP from the host: an E-stop no button holds, so ACK_FAULT clears it."""
        self.advance(now)  # type: ignore[attr-defined]
        self.raise_fault(FaultCode.ESTOP, now)
        return Result.OK

    def raise_fault(self, code: FaultCode, now: float) -> None:
        if code in self.faults:
            return
        self.faults.add(code)
        self.events.append(FaultRaised(code))
        if code is FaultCode.COMM_LOST:
            return
        a, self.activity = self.activity, None
        if a is not None and a.step.kind == "travel":
            # The brakes hold the lift where it is.
            self.position = self._position(a, now)  # type: ignore[attr-defined]
        if a is not None and a.step.kind == "door" and code is FaultCode.DOOR_OBSTRUCTED:
            self._set_door(a.step.bay, DoorState.OBSTRUCTED)  # type: ignore[attr-defined]
        self.steps.clear()
        job, self.current = self.current, None
        if job is not None:
            job.phase, job.fault = JobPhase.FAILED, code
            self._last_failed = job
            self.events.append(JobDone(self.job_state(job, now)))  # type: ignore[attr-defined]

    def clear_fault(self, code: FaultCode) -> None:
        if code in self.faults:
            self.faults.discard(code)
            self.events.append(FaultCleared(code))

    def ack_fault(self, now: float) -> Result:
        if self.estop_held:
            # A reset while the button is still in would undo the one thing the
            # person who pressed it relies on: nothing clears, nothing moves.
            return Result.ESTOP_HELD
        for code in sorted(self.faults):
            self.clear_fault(code)
        for bay, state in self.doors.items():
            if state is DoorState.OBSTRUCTED:
                self._set_door(bay, DoorState.OPEN)  # type: ignore[attr-defined]
        failed = self._last_failed
        if self.car_on_lift and failed is not None and failed.from_bay not in self.occupied:
            # The PLC's recovery routine after a reset: put the car back where it came from.
            self.recover(failed)  # type: ignore[attr-defined]
            self._last_failed = None
        self.advance(now)  # type: ignore[attr-defined]
        return Result.OK

    # -- echo faults ---------------------------------------------------------------------
    def misdirect(self, job: Any) -> tuple[Any, bool]:
        """The job the controller will really run for a new MOVE, and whether its
        reply still names the asked bays: ``job`` itself unless an echo fault is armed."""
        if "wrong_job" in self.armed:
            self.armed.discard("wrong_job")
            return replace(job, job_id=other_job_id(job.job_id)), False
        for name in ("wrong_source", "swap_source"):
            if name not in self.armed:
                continue
            # Another car: the first occupied storage bay the host did not name.
            other = next((b for b in sorted(self.occupied) if b not in self.delivery_bays
                          and b not in (job.from_bay, job.to_bay)), None)
            if other is None:
                return job, False  # no other car to fetch: stays armed
            self.armed.discard(name)
            return replace(job, from_bay=other), name == "swap_source"
        return job, False
