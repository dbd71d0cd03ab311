"""Canned lift, bays and dispatcher for looking at the staff screens without a tower.

``equip(services)`` adds them to ``ui.preview.CannedServices`` (the gallery and
the UI tests); ``kiosk run`` never uses them.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from common.errors import BackendError, LiftError, Reason
from drivers.lift_frame import encode_frame
from drivers.lift_proto import (
    REPLY_BIT,
    BayMap,
    Cmd,
    DoorState,
    JobPhase,
    JobState,
    LiftState,
    LiftStatus,
    MoveAccepted,
    encode_reply,
    encode_status,
)
from kiosk.backend_client import BayRecord, CarMove, StaffTicket, TowerBays

LEVELS, PER_LEVEL, DELIVERY = 5, 6, (101, 102)
# Staff accounts the canned backend knows (name: PIN), like the demo seed's.
STAFF = {"sam": "246813", "lee": "135792"}
# Like the demo seed, with bay 12 out of step: the backend thinks it is empty.
CARS = {1: ("Aurora", "white"), 2: ("Aurora", "black"), 3: ("Breeze", "silver"),
        4: ("Comet", "red"), 5: ("Aurora", "blue"), 7: ("Breeze", "white"),
        8: ("Aurora", "white"), 9: ("Comet", "blue"), 10: ("Breeze", "silver")}
SENSED = set(CARS) | {12}


class CannedLift:
    """Answers like the controller, at once; ``refuse[name]`` makes a command fail."""

    def __init__(self) -> None:
        self.occupied = set(SENSED)
        self.doors = {b: DoorState.CLOSED for b in DELIVERY}
        self.level = 0
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: dict[str, LiftError] = {}
        self.link_up = True
        self._jobs: dict[str, JobState] = {}
        self._taps: list[Any] = []
        self._lock = threading.Lock()

    def _call(self, name: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((name, *args))
        if name in self.refuse:
            raise self.refuse[name]

    def tap(self, callback: Any) -> Any:
        self._taps.append(callback)
        return lambda: self._taps.remove(callback)

    def status(self) -> LiftStatus:
        self._call("status")
        st = LiftStatus(state=LiftState.IDLE, level=self.level, target_level=self.level,
                        doors=dict(self.doors))
        for tap in list(self._taps):
            tap("tx", encode_frame(0x31, Cmd.STATUS))
            tap("rx", encode_frame(0x80, Cmd.ACK, b"\x31"))
            tap("rx", encode_frame(0x81, Cmd.STATUS | REPLY_BIT, encode_reply(0x31, 0)
                                   + encode_status(st)))
            tap("tx", encode_frame(0x32, Cmd.ACK, b"\x81"))
        return st

    def home(self) -> None:
        self._call("home")
        self.level = 0

    def open_door(self, bay: int) -> None:
        self._call("open_door", bay)
        self._door(bay, DoorState.OPEN)

    def close_door(self, bay: int) -> None:
        self._call("close_door", bay)
        self._door(bay, DoorState.CLOSED)

    def _door(self, bay: int, state: DoorState) -> None:
        if bay not in self.doors:
            raise LiftError("refused: UNKNOWN_BAY", reason=Reason.LIFT_REJECTED,
                            code="UNKNOWN_BAY")
        self.doors[bay] = state

    def ack_fault(self) -> None:
        self._call("ack_fault")

    def move(self, job_id: str, from_bay: int, to_bay: int) -> MoveAccepted:
        self._call("move", job_id, from_bay, to_bay)
        if from_bay not in self.occupied:
            raise LiftError("MOVE refused: SOURCE_EMPTY", reason=Reason.LIFT_REJECTED,
                            code="SOURCE_EMPTY")
        if to_bay in self.occupied:
            raise LiftError("MOVE refused: TARGET_OCCUPIED", reason=Reason.LIFT_REJECTED,
                            code="TARGET_OCCUPIED")
        self.occupied = (self.occupied - {from_bay}) | {to_bay}
        self._jobs[job_id] = JobState(job_id, JobPhase.DONE, car_moved=True,
                                      from_bay=from_bay, to_bay=to_bay)
        return MoveAccepted(JobState(job_id, JobPhase.QUEUED, from_bay=from_bay, to_bay=to_bay),
                            duplicate=False)

    def job_status(self, job_id: str) -> JobState:
        self._call("job_status", job_id)
        return self._jobs.get(job_id, JobState(job_id, JobPhase.UNKNOWN))

    def bay_map(self) -> BayMap:
        self._call("bay_map")
        storage = [(b, b in self.occupied) for b in range(1, LEVELS * PER_LEVEL + 1)]
        return BayMap(bays=storage + [(b, b in self.occupied) for b in DELIVERY],
                      delivery_bays=list(DELIVERY), levels=LEVELS, bays_per_level=PER_LEVEL)


class CannedBays:
    """The backend's side of the audit, and its staff sessions: book changes
    without a token it issued are refused, as the real backend does."""

    def __init__(self) -> None:
        self.maintenance = {30}
        self.cars = dict(CARS)  # the backend's books, which staff moves change
        self.calls: list[tuple[Any, ...]] = []
        self.unreachable = False  # True: staff logins are checked offline
        self.tokens: dict[str, str] = {}  # live token -> staff name

    def open_staff_session(self, name: str, pin: str) -> StaffTicket:
        self.calls.append(("open_staff_session", name))
        if self.unreachable:
            raise BackendError("backend down", reason=Reason.BACKEND_UNREACHABLE)
        if STAFF.get(name) != pin:
            raise BackendError("Wrong name or PIN.", reason=Reason.STAFF_DENIED,
                               code="STAFF_DENIED", status=403)
        token = f"canned-{len(self.tokens)}-{name}"
        self.tokens[token] = name
        return StaffTicket(token=token, staff=name, expires_at=datetime.now(UTC))

    def keep_staff_session(self, token: str) -> str:
        self._staff(token)
        return self.tokens[token]

    def end_staff_session(self, token: str) -> bool:
        self.calls.append(("end_staff_session",))
        return self.tokens.pop(token, None) is not None

    def _staff(self, token: str | None) -> None:
        if token not in self.tokens:
            raise BackendError("This change needs a staff session of this kiosk.",
                               reason=Reason.STAFF_SESSION_REQUIRED,
                               code="STAFF_SESSION_REQUIRED", status=403)

    def record(self, bay: int) -> BayRecord:
        car = self.cars.get(bay)
        state = "maintenance" if bay in self.maintenance else "stored" if car else "free"
        return BayRecord(bay=bay, level=(bay - 1) // PER_LEVEL + 1,
                         car_id=f"T1-{bay:02d}" if car else None,
                         model=car[0] if car else None, colour=car[1] if car else None,
                         state=state, maintenance=bay in self.maintenance, note=None)

    def bays(self) -> TowerBays:
        self.calls.append(("bays",))
        return TowerBays(tower_id="T1", levels=LEVELS, bays_per_level=PER_LEVEL,
                         delivery_bays=DELIVERY,
                         bays=tuple(self.record(b) for b in range(1, LEVELS * PER_LEVEL + 1)))

    def set_bay_maintenance(self, bay: int, on: bool, note: str | None = None, *,
                            staff_session: str | None = None,
                            made_by: str | None = None) -> BayRecord:
        self.calls.append(("set_bay_maintenance", bay, on))
        self._staff(staff_session)
        (self.maintenance.add if on else self.maintenance.discard)(bay)
        return self.record(bay)

    def move_car(self, from_bay: int, to_bay: int, idempotency_key: str | None = None, *,
                 staff_session: str | None = None, made_by: str | None = None) -> CarMove:
        self.calls.append(("move_car", from_bay, to_bay))
        self._staff(staff_session)
        if from_bay not in self.cars:
            raise BackendError(f"The backend has no car in bay {from_bay}.",
                               reason=Reason.BACKEND_ERROR, code="BAY_EMPTY", status=409)
        self.cars[to_bay] = self.cars.pop(from_bay)
        return CarMove(f"T1-{from_bay:02d}", from_bay, to_bay, "stored")

    @staticmethod
    def health() -> Any:
        return SimpleNamespace(ok=True, status="ok", version="0.1.0", db="ok")


def equip(services: Any) -> Any:
    """Give canned services a lift, a dispatcher and the backend's staff calls."""
    services.lift = CannedLift()
    services.dispatcher = SimpleNamespace(busy=False, pending=lambda: [], journal=None)
    bays = CannedBays()
    services.staff_bays = bays
    for name in ("bays", "set_bay_maintenance", "move_car", "health", "open_staff_session",
                 "keep_staff_session", "end_staff_session"):
        setattr(services.backend, name, getattr(bays, name))
    return services
