"""The staff console's test rig: fake lift and backend, the kiosk on fake services,
and the helpers the staff console tests share (tests/kiosk/test_staff_*.py)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common.errors import BackendError, LiftError, Reason
from drivers.lift_proto import (
    BayMap,
    DoorState,
    FaultCode,
    JobPhase,
    JobState,
    LiftState,
    LiftStatus,
    MoveAccepted,
)
from kiosk.app import Kiosk
from kiosk.backend_client import BayRecord, CarMove, TowerBays
from kiosk.config import parse_config
from kiosk.journey import State
from kiosk.staff.console import ActionResult, StaffConsole
from kiosk.staff.gate import hash_pin
from kiosk.tasks import CallbackQueue, TaskRunner
from tests.kiosk.fakes import FakeServices

PIN = "246813"
PIN_HASH = hash_pin(PIN)  # the offline PIN of the rig's config
NAME, ONLINE_PIN = "alice", "135790"  # an account of the rig's backend
KIOSK_KEY = "kiosk-key-that-must-never-leak"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeLift:
    """The LiftClient calls the console makes; ``refuse[name]`` raises instead."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse: dict[str, LiftError] = {}
        self.link_up = True
        self.occupied = {1, 2, 3, 5}
        self._phases: dict[str, list[JobPhase]] = {}
        self._bays: dict[str, tuple[int, int]] = {}

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, *args))
        if name in self.refuse:
            raise self.refuse[name]

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]

    def status(self) -> LiftStatus:
        self._call("status")
        return LiftStatus(state=LiftState.IDLE, level=2, target_level=2,
                          faults=(FaultCode.DOOR_OBSTRUCTED,), doors={101: DoorState.OPEN})

    def home(self) -> None:
        self._call("home")

    def open_door(self, bay: int) -> None:
        self._call("open_door", bay)

    def close_door(self, bay: int) -> None:
        self._call("close_door", bay)

    def ack_fault(self) -> None:
        self._call("ack_fault")

    def move(self, job_id: str, from_bay: int, to_bay: int) -> MoveAccepted:
        self._call("move", job_id, from_bay, to_bay)
        self._phases[job_id] = [JobPhase.TO_SOURCE, JobPhase.TO_TARGET, JobPhase.DONE]
        self._bays[job_id] = (from_bay, to_bay)  # echoed in every answer, as a controller does
        return MoveAccepted(JobState(job_id, JobPhase.QUEUED, from_bay=from_bay, to_bay=to_bay),
                            duplicate=False)

    def job_status(self, job_id: str) -> JobState:
        self._call("job_status", job_id)
        phases = self._phases[job_id]
        phase = phases.pop(0) if len(phases) > 1 else phases[0]
        from_bay, to_bay = self._bays[job_id]
        return JobState(job_id, phase, car_moved=True, level=1, from_bay=from_bay, to_bay=to_bay)

    def bay_map(self) -> BayMap:
        self._call("bay_map")
        bays = [(b, b in self.occupied) for b in range(1, 7)] + [(101, False)]
        return BayMap(bays=bays, delivery_bays=[101], levels=1, bays_per_level=6)


def bay(n: int, car: str | None, state: str = "stored", maintenance: bool = False) -> BayRecord:
    return BayRecord(bay=n, level=1, car_id=car, model="Aurora" if car else None,
                     colour="white" if car else None, state=state if car else "free",
                     maintenance=maintenance, note=None)


class StaffBackend:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.cars = {1: "C1", 2: "C2", 3: "C3", 4: "C4"}  # bay 5 missing, bay 4 extra
        self.unreachable = False
        self.accounts = {NAME: ONLINE_PIN, "bob": "864200"}
        self.tokens: dict[str, str] = {}  # live token -> name
        self.sent: list[dict[str, Any]] = []  # (staff token's name, made_by) of book changes
        self.locked: set[str] = set()

    def _down(self) -> None:
        if self.unreachable:
            raise BackendError("backend down", reason=Reason.BACKEND_UNREACHABLE)

    def open_staff_session(self, name: str, pin: str) -> Any:
        self.calls.append(("open_staff_session", name))
        self._down()
        if name in self.locked:
            raise BackendError("locked", reason=Reason.STAFF_LOCKED, code="STAFF_LOCKED",
                               status=403, retry_after_s=60)
        if self.accounts.get(name) != pin:
            raise BackendError("Wrong name or PIN.", reason=Reason.STAFF_DENIED,
                               code="STAFF_DENIED", status=403)
        token = f"tok-{len(self.tokens)}-{name}"
        self.tokens[token] = name
        return SimpleNamespace(token=token, staff=name)

    def keep_staff_session(self, token: str) -> str:
        self.calls.append(("keep_staff_session", self.tokens.get(token)))
        self._staff(token, None)
        self.sent.pop()  # a keepalive changes nothing
        return self.tokens[token]

    def end_staff_session(self, token: str) -> bool:
        self.calls.append(("end_staff_session", self.tokens.get(token)))
        self._down()
        return self.tokens.pop(token, None) is not None

    def _staff(self, token: str | None, made_by: str | None) -> None:
        self._down()
        if token not in self.tokens:
            raise BackendError("needs a staff session", reason=Reason.STAFF_SESSION_REQUIRED,
                               code="STAFF_SESSION_REQUIRED", status=403)
        self.sent.append({"by": self.tokens[token], "made_by": made_by})

    def bays(self) -> TowerBays:
        self.calls.append(("bays",))
        return TowerBays(tower_id="T1", levels=1, bays_per_level=6, delivery_bays=(101,),
                         bays=tuple(bay(n, self.cars.get(n)) for n in range(1, 7)))

    def set_bay_maintenance(self, bay_no: int, on: bool, note: str | None = None, *,
                            staff_session: str | None = None,
                            made_by: str | None = None) -> BayRecord:
        self.calls.append(("set_bay_maintenance", bay_no, on))
        self._staff(staff_session, made_by)
        return bay(bay_no, self.cars.get(bay_no), "maintenance" if on else "stored", on)

    def move_car(self, from_bay: int, to_bay: int, idempotency_key: str | None = None, *,
                 staff_session: str | None = None, made_by: str | None = None) -> CarMove:
        """The backend's books, as /v1/bays/{bay}/move keeps them."""
        self.calls.append(("move_car", from_bay, to_bay))
        self._staff(staff_session, made_by)
        if from_bay not in self.cars:
            raise BackendError(f"The backend has no car in bay {from_bay}.",
                               reason=Reason.BACKEND_ERROR, code="BAY_EMPTY", status=409)
        if to_bay in self.cars:
            raise BackendError(f"The backend has a car in bay {to_bay}.",
                               reason=Reason.BACKEND_ERROR, code="BAY_OCCUPIED", status=409)
        self.cars[to_bay] = self.cars.pop(from_bay)
        return CarMove(self.cars[to_bay], from_bay, to_bay, "stored")

    def health(self) -> Any:
        return SimpleNamespace(ok=True, status="ok", version="backend-1.2", db="ok")


def make_rig(tmp_path: Path):
    """The staff console on fake services; a generator for each test file's ``rig``."""
    q = CallbackQueue()
    services = FakeServices()
    services.config = parse_config({
        "kiosk": {"data_dir": str(tmp_path / "data"), "log_dir": str(tmp_path / "logs")},
        "backend": {"kiosk_key": KIOSK_KEY},
        "staff": {"pin_hash": PIN_HASH},
    })
    services.lift = FakeLift()
    services.dispatcher = SimpleNamespace(busy=False, pending=lambda: [], journal=None)
    backend = StaffBackend()
    for name in ("bays", "set_bay_maintenance", "move_car", "health", "open_staff_session",
                 "keep_staff_session", "end_staff_session"):
        setattr(services.backend, name, getattr(backend, name))
    services.staff_backend = backend
    clock = Clock()
    kiosk = Kiosk(services, TaskRunner(q), clock=clock)
    self_tests: list[int] = []

    def fake_self_test(_services: Any) -> dict[str, Any]:
        self_tests.append(1)
        return {"ok": True, "components": {"lift": {"ok": True, "ms": 1.0}}}

    exits: list[int] = []
    console = StaffConsole.for_kiosk(kiosk, self_test=fake_self_test, wall_clock=clock,
                                     on_exit=lambda: exits.append(1))
    console.follow_poll_s = 0.01
    console.record_backoff_s = (0.01, 0.05)
    r = SimpleNamespace(kiosk=kiosk, services=services, q=q, clock=clock, console=console,
                        lift=services.lift, backend=backend, exits=exits, self_tests=self_tests,
                        tmp=tmp_path)
    yield r
    console.close()
    kiosk.shutdown()


def settle(q: CallbackQueue, cond, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "condition never became true"
        q.drain(timeout_s=0.02)


def audit(r) -> list[dict[str, Any]]:
    return r.console.audit.entries()


def actions(r) -> list[tuple[str, str]]:
    return [(e["action"], e["result"]) for e in audit(r)]


def results(r):
    got: list[ActionResult] = []
    return got, got.append


def login(r, name: str = NAME, pin: str = ONLINE_PIN) -> None:
    r.console.login(pin, name=name)
    assert r.kiosk.journey.state is State.STAFF


def login_offline(r, name: str = "carol") -> None:
    """The backend cannot be asked: the config's offline PIN lets staff in."""
    r.backend.unreachable = True
    login(r, name, PIN)
    assert not r.console.online
