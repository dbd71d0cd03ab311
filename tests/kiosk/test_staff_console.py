"""The staff console without Qt: entry (online login, offline PIN), lockout, idle
logout, lift control refused during a customer job, moves and maintenance with
the backend's staff session (queued while offline), the bay audit, service,
logs, the bundle and the serial tap."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from common.errors import BackendError, LiftError, Reason, StaffError
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
from kiosk.journey import Event, Flow, State
from kiosk.staff.console import ActionResult, StaffConsole, Why, build_audit
from kiosk.staff.diag import describe_frames
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


@pytest.fixture
def rig(tmp_path: Path):
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


# -- entry ------------------------------------------------------------------------------

@pytest.mark.parametrize("start", [State.ATTRACT, State.OUT_OF_SERVICE])
def test_entry_is_allowed_from_attract_and_out_of_service(rig, start):
    if start is State.OUT_OF_SERVICE:
        rig.kiosk.journey.set_service(False, rig.clock())
    rig.console.request_entry()
    login(rig)
    assert rig.console.in_staff_mode
    assert rig.kiosk.status_word() == "maintenance"


def test_entry_is_refused_while_a_member_is_mid_journey(rig):
    rig.kiosk.start(Flow.TEST_DRIVE)
    with pytest.raises(StaffError) as exc:
        rig.console.request_entry()
    assert exc.value.context["why"] == Why.CUSTOMER_JOURNEY.value
    assert "customer's journey" in str(exc.value)
    with pytest.raises(StaffError):
        rig.console.login(PIN)  # even with the right PIN
    assert rig.kiosk.journey.state is State.SCAN
    assert actions(rig) == [("entry", "refused: customer_journey")] * 2


def test_entry_is_refused_when_no_pin_is_configured(tmp_path):
    services = FakeServices()
    services.config = parse_config({"kiosk": {"data_dir": str(tmp_path)}})
    kiosk = Kiosk(services, TaskRunner(CallbackQueue()))
    try:
        console = StaffConsole.for_kiosk(kiosk)
        with pytest.raises(StaffError) as exc:
            console.request_entry()
        assert exc.value.context["why"] == Why.DISABLED.value
    finally:
        kiosk.shutdown()


def test_an_online_login_is_the_backend_s_session_and_logout_ends_it(rig):
    login(rig)
    assert rig.console.online and rig.console.gate.session.who == NAME
    assert rig.backend.calls == [("open_staff_session", NAME)]
    rig.console.logout()
    settle(rig.q, lambda: ("end_staff_session", NAME) in rig.backend.calls)
    assert rig.backend.tokens == {}
    entries = audit(rig)
    assert [(e["who"], e["action"], e["result"], e.get("mode")) for e in entries] == [
        (NAME, "login", "ok", "online"), (NAME, "logout", "exit", None)]
    assert "tok-" not in json.dumps(entries)  # the token is never written down


def test_the_backend_refusing_a_pin_is_final_even_if_it_is_the_offline_pin(rig):
    """A guesser gets one lock to beat, not two: no offline check after a refusal."""
    with pytest.raises(StaffError) as exc:
        rig.console.login(PIN, name=NAME)  # the offline PIN, not alice's own
    assert exc.value.reason is Reason.STAFF_DENIED and exc.value.context["mode"] == "online"
    assert not rig.console.logged_in and rig.kiosk.journey.state is State.ATTRACT
    rig.backend.locked.add(NAME)
    with pytest.raises(StaffError) as exc:
        rig.console.login(ONLINE_PIN, name=NAME)
    assert exc.value.reason is Reason.STAFF_LOCKED and exc.value.context["locked_for_s"] == 60
    assert rig.console.gate.locked_for_s() == 0  # the backend's lock, not the kiosk's
    assert actions(rig) == [("login", "denied"), ("login", "locked")]


def test_offline_pins_lock_the_entry_then_longer_and_a_restart_keeps_it(rig):
    rig.backend.unreachable = True
    for left in (4, 3, 2, 1):
        with pytest.raises(StaffError) as exc:
            rig.console.login("000000", name="carol")
        assert exc.value.reason is Reason.STAFF_DENIED
        assert exc.value.context["attempts_left"] == left
    with pytest.raises(StaffError) as exc:
        rig.console.login("000000", name="carol")
    assert exc.value.reason is Reason.STAFF_LOCKED
    assert exc.value.context["locked_for_s"] == 300  # [staff] lockout_s
    rig.clock.t += 299
    with pytest.raises(StaffError) as exc:
        rig.console.login(PIN, name="carol")  # the right PIN, still locked
    assert exc.value.reason is Reason.STAFF_LOCKED
    assert rig.kiosk.journey.state is State.ATTRACT
    # The kiosk restarts: a new console on the same data dir is still locked.
    again = StaffConsole.for_kiosk(rig.kiosk, wall_clock=rig.clock)
    assert again.gate.locked_for_s() == pytest.approx(1)
    rig.clock.t += 2
    for _ in range(5):
        with pytest.raises(StaffError) as exc:
            again.login("000000", name="carol")
    assert exc.value.context["locked_for_s"] == 1500  # escalated: 5 x the first lock
    rig.clock.t += 1500
    again.login(PIN, name="carol")
    assert again.gate.session.who == "carol" and not again.online
    logins = [a for a in actions(rig) if a[0] == "login"]
    assert logins == ([("login", "denied")] * 4 + [("login", "denied; locked"),
                                                   ("login", "locked")]
                      + [("login", "denied")] * 4 + [("login", "denied; locked"),
                                                     ("login", "ok")])


def test_login_async_checks_the_pin_off_the_calling_thread(rig):
    done, errors = [], []
    rig.console.login_async(ONLINE_PIN, lambda: done.append(1), errors.append, name=NAME)
    settle(rig.q, lambda: done or errors)
    assert done and rig.kiosk.journey.state is State.STAFF
    rig.console.logout()
    rig.console.login_async("111111", lambda: done.append(2), errors.append, name=NAME)
    settle(rig.q, lambda: errors)
    assert errors[0].reason is Reason.STAFF_DENIED and rig.kiosk.journey.state is State.ATTRACT


def test_logout_returns_to_attract_and_is_audited(rig):
    login(rig)
    rig.console.logout()
    assert rig.kiosk.journey.state is State.ATTRACT and not rig.console.logged_in
    assert actions(rig)[-2:] == [("login", "ok"), ("logout", "exit")]
    entry = audit(rig)[-1]
    assert entry["who"] == NAME and entry["t"].endswith("Z")


def test_the_backend_session_is_kept_alive_while_staff_work_locally(rig):
    login(rig)
    for _ in range(3):  # 6 minutes of lift work, touched every 2 minutes less a second
        rig.clock.t += 119
        rig.console.touch()
        rig.console.tick()
    settle(rig.q, lambda: ("keep_staff_session", NAME) in rig.backend.calls)
    assert rig.backend.calls.count(("keep_staff_session", NAME)) == 1  # every 5 minutes
    rig.backend.tokens.clear()  # then the backend ends it (removed, 8 hours up)
    rig.clock.t += 119
    rig.console.touch()
    for _ in range(2):
        rig.clock.t += 119
        rig.console.touch()
        rig.console.tick()
    settle(rig.q, lambda: not rig.console.online)
    assert rig.console.logged_in and actions(rig)[-1] == ("session", "ended by the backend")
    with pytest.raises(StaffError) as exc:  # book changes wait for a new online login
        rig.console.set_maintenance(4, True, lambda _r: None)
    assert exc.value.reason is Reason.STAFF_SESSION_REQUIRED


def test_idle_staff_are_logged_out_after_two_minutes(rig):
    login(rig)
    rig.clock.t += 100
    rig.console.touch()  # an interaction restarts the idle clock
    rig.clock.t += 119
    assert rig.console.tick() is False and rig.kiosk.journey.state is State.STAFF
    rig.clock.t += 1
    assert rig.console.tick() is True
    assert rig.kiosk.journey.state is State.ATTRACT
    assert actions(rig)[-1] == ("logout", "idle")


def test_the_audit_log_survives_a_restart(rig):
    login(rig)
    rig.console.logout()
    again = StaffConsole.for_kiosk(rig.kiosk)
    assert [e["action"] for e in again.audit.entries()] == ["login", "logout"]


# -- lift control ------------------------------------------------------------------------

def test_lift_controls_need_a_staff_session(rig):
    got, put = results(rig)
    for call in (lambda: rig.console.home(put), lambda: rig.console.move(1, 6, put),
                 lambda: rig.console.ack_fault(put)):
        with pytest.raises(StaffError) as exc:
            call()
        assert exc.value.context["why"] == Why.NOT_LOGGED_IN.value
    assert rig.lift.calls == [] and got == []


def test_lift_controls_are_refused_while_a_customer_job_runs(rig):
    login(rig)
    rig.services.dispatcher.busy = True
    got, put = results(rig)
    calls = {"lift_home": lambda: rig.console.home(put),
             "lift_move": lambda: rig.console.move(1, 6, put),
             "door_open": lambda: rig.console.open_door(101, put),
             "door_close": lambda: rig.console.close_door(101, put),
             "ack_fault": lambda: rig.console.ack_fault(put)}
    for action, call in calls.items():
        with pytest.raises(StaffError) as exc:
            call()
        assert exc.value.context["why"] == Why.CUSTOMER_JOB.value, action
    rig.q.drain(0.05)
    assert rig.lift.calls == [] and got == []
    assert [a for a in actions(rig) if a[0] != "login"] == [
        (a, "refused: customer_job") for a in calls]
    rig.services.dispatcher.busy = False
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert got[0].ok and rig.lift.names() == ["home"]


@pytest.mark.parametrize(("action", "call", "lift_call"), [
    ("lift_home", lambda c, put: c.home(put), ("home",)),
    ("door_open", lambda c, put: c.open_door(101, put), ("open_door", 101)),
    ("door_close", lambda c, put: c.close_door(101, put), ("close_door", 101)),
    ("ack_fault", lambda c, put: c.ack_fault(put), ("ack_fault",)),
])
def test_each_lift_command_shows_the_answer_and_is_audited(rig, action, call, lift_call):
    login(rig)
    got, put = results(rig)
    call(rig.console, put)
    settle(rig.q, lambda: got)
    assert got[0].ok and got[0].answer == "OK" and got[0].action == action
    assert rig.lift.calls == [lift_call]
    assert actions(rig)[-1] == (action, "ok")


def test_a_refused_command_shows_the_controller_answer(rig):
    login(rig)
    rig.lift.refuse["home"] = LiftError("HOME refused: a fault is active", reason=Reason.LIFT_FAULT,
                                        command="HOME", code="FAULT_ACTIVE")
    got, put = results(rig)
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert not got[0].ok and "FAULT_ACTIVE" in got[0].answer
    assert got[0].reason == "LIFT_FAULT"
    entry = audit(rig)[-1]
    assert (entry["action"], entry["result"], entry["reason"]) == ("lift_home", "failed",
                                                                   "LIFT_FAULT")


def test_a_move_is_followed_until_the_car_arrives(rig):
    login(rig)
    got, put = results(rig)
    job_id = rig.console.move(3, 6, put)
    assert job_id.startswith("STAFF-") and len(job_id) <= 32
    settle(rig.q, lambda: got and got[-1].final)
    assert got[0].answer.startswith(f"accepted {job_id}") and not got[0].final
    assert got[-1].ok and got[-1].detail["phase"] == "DONE"
    assert ("move", job_id, 3, 6) in rig.lift.calls
    moves = [e for e in audit(rig) if e["action"] == "lift_move"]
    assert [m["result"] for m in moves] == ["accepted", "done"]
    assert all(m["job_id"] == job_id and m["from_bay"] == 3 for m in moves)


def test_a_move_the_controller_refuses_is_set_back_in_the_backend(rig):
    login(rig)
    rig.lift.refuse["move"] = LiftError("MOVE refused: TARGET_OCCUPIED",
                                        reason=Reason.LIFT_REJECTED, code="TARGET_OCCUPIED")
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got)
    assert not got[0].ok and got[0].final and "TARGET_OCCUPIED" in got[0].answer
    assert actions(rig)[-1] == ("lift_move", "refused")
    # The backend had recorded the move first: it is set back.
    assert got[0].answer.endswith("backend set back"), got[0].answer
    assert rig.backend.calls[-2:] == [("move_car", 3, 6), ("move_car", 6, 3)]
    assert rig.backend.cars[3] == "C3" and 6 not in rig.backend.cars


def test_a_move_is_recorded_by_the_backend_before_the_car_moves(rig):
    login(rig)
    got, put = results(rig)
    job_id = rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].ok and got[-1].answer.endswith("backend updated"), got[-1].answer
    calls = rig.backend.calls
    assert ("move_car", 3, 6) in calls and rig.backend.cars[6] == "C3"
    assert ("move", job_id, 3, 6) in rig.lift.calls
    done = [e for e in audit(rig) if e["action"] == "lift_move"][-1]
    assert (done["result"], done["backend"]) == ("done", "recorded")


@pytest.mark.parametrize(("from_bay", "to_bay", "code"), [(5, 6, "BAY_EMPTY"),
                                                          (1, 2, "BAY_OCCUPIED")])
def test_a_move_the_backend_vetoes_never_reaches_the_lift(rig, from_bay, to_bay, code):
    login(rig)
    got, put = results(rig)
    rig.console.move(from_bay, to_bay, put)
    settle(rig.q, lambda: got)
    assert len(got) == 1 and not got[0].ok and got[0].final
    assert got[0].answer.startswith("Not moved") and code in got[0].answer
    assert rig.lift.names() == []
    assert actions(rig)[-1] == ("lift_move", "refused")


def test_a_move_while_the_backend_is_down_goes_ahead_and_says_so(rig):
    login(rig)
    rig.backend.unreachable = True
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].ok
    assert got[-1].answer.endswith("backend not told (BACKEND_UNREACHABLE): run Audit")
    assert "move" in rig.lift.names()
    done = [e for e in audit(rig) if e["action"] == "lift_move"][-1]
    assert done["backend"] == "not told (BACKEND_UNREACHABLE)"
    # The backend comes back: the move it missed is recorded then.
    rig.backend.unreachable = False
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert got[-1].ok and rig.backend.cars[6] == "C3" and 3 not in rig.backend.cars
    assert actions(rig)[-1] == ("lift_move", "recorded")


def test_a_missed_move_is_given_up_after_a_while(rig):
    login(rig)
    rig.backend.unreachable = True
    rig.console.record_retry_s = 0.1  # instead of 10 minutes
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and "still lacks this move" in got[-1].answer)
    assert not got[-1].ok and got[-1].answer.endswith("run Audit")
    assert actions(rig)[-1] == ("lift_move", "not recorded")


def test_book_changes_carry_the_online_staff_session(rig):
    login(rig)
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    rig.console.set_maintenance(4, True, put)
    settle(rig.q, lambda: got[-1].action == "bay_maintenance")
    assert rig.backend.sent == [{"by": NAME, "made_by": NAME}] * 2


def test_an_offline_login_does_local_work_and_its_move_waits_for_an_online_login(rig):
    login_offline(rig, "carol")
    got, put = results(rig)
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert got[0].ok  # local work: the lift answers
    job_id = rig.console.move(3, 6, put)
    settle(rig.q, lambda: got[-1].final and got[-1].action == "lift_move" and len(got) > 1)
    assert got[-1].ok and got[-1].answer.endswith("backend not told (offline login): run Audit")
    assert rig.console.owed == {job_id}
    with pytest.raises(StaffError) as exc:  # it moves nothing: it waits for an online login
        rig.console.set_maintenance(4, True, put)
    assert exc.value.reason is Reason.STAFF_SESSION_REQUIRED
    assert exc.value.context["why"] == Why.OFFLINE.value
    rig.backend.unreachable = False  # back, but nobody has logged in online yet
    rig.console.logout()
    login(rig)  # alice, online: the queued move goes with her session
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert rig.backend.cars[6] == "C3" and 3 not in rig.backend.cars
    assert [c for c in rig.backend.calls if c[0] == "move_car"] == [("move_car", 3, 6)]
    assert rig.backend.sent == [{"by": NAME, "made_by": "carol"}]  # the audit has both
    assert rig.console.owed == set()
    recorded = audit(rig)[-1]
    assert (recorded["who"], recorded["result"], recorded["made_by"]) == (NAME, "recorded",
                                                                         "carol")


def test_a_move_whose_session_the_backend_ended_is_recorded_with_the_next_login(rig):
    login(rig)
    rig.backend.tokens.clear()  # e.g. 8 hours are up, or the account was removed
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].answer.endswith("backend not told (STAFF_SESSION_REQUIRED): run Audit")
    rig.console.logout()
    login(rig, "bob", "864200")
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert rig.backend.sent == [{"by": "bob", "made_by": NAME}]


def test_the_busy_flag_of_the_dispatcher(tmp_path):
    """Dispatcher.busy is what staff lift control checks: true only while a job runs."""
    from kiosk.dispatch import Dispatcher, DispatchJournal

    release = threading.Event()
    moving = threading.Event()

    class SlowLift:
        def on_event(self, cb):
            return lambda: None

        def move(self, job_id, f, t):
            moving.set()
            release.wait(10)
            return MoveAccepted(JobState(job_id, JobPhase.DONE, car_moved=True), False)

    journal = DispatchJournal(tmp_path / "j.sqlite")
    reporter = SimpleNamespace(report_job=lambda *a: None)
    d = Dispatcher(journal, SlowLift(), reporter)
    assert d.busy is False
    t = threading.Thread(target=d.run_job, args=("J-busy", 1, 101), name="job")
    t.start()
    try:
        assert moving.wait(10)
        assert d.busy is True
    finally:
        release.set()
        t.join(10)
        d.close()
        journal.close()
    assert d.busy is False


# -- inventory audit -----------------------------------------------------------------------

def _map(occupied: set[int], n: int = 4, delivery=(101,)) -> BayMap:
    return BayMap(bays=[(b, b in occupied) for b in range(1, n + 1)]
                  + [(d, False) for d in delivery], delivery_bays=list(delivery),
                  levels=1, bays_per_level=n)


def _bays(cars: dict[int, str], n: int = 4) -> TowerBays:
    return TowerBays(tower_id="T1", levels=1, bays_per_level=n, delivery_bays=(101,),
                     bays=tuple(bay(b, cars.get(b)) for b in range(1, n + 1)))


@pytest.mark.parametrize(("tower", "backend", "n_backend", "want"), [
    ({1, 2}, {1: "a", 2: "b"}, 4, {}),
    (set(), {}, 4, {}),
    ({1, 3}, {1: "a"}, 4, {3: "tower_only"}),
    ({1}, {1: "a", 2: "b"}, 4, {2: "backend_only"}),
    ({2}, {1: "a"}, 4, {1: "backend_only", 2: "tower_only"}),
    ({1}, {1: "a", 9: "z"}, 9, {9: "unknown_bay"}),  # the backend has bays 5..9 too
])
def test_audit_mismatch_table(tower, backend, n_backend, want):
    report = build_audit(_map(tower), _bays(backend, n_backend))
    got = {r.bay: r.mismatch for r in report.mismatches}
    assert got == {b: m for b, m in want.items() if m}
    assert report.ok == (not got)
    delivery = [r for r in report.rows if r.bay == 101][0]
    assert delivery.delivery and delivery.backend_occupied is None and delivery.mismatch is None


def test_run_audit_through_the_console(rig):
    login(rig)
    reports, errors = [], []
    rig.console.run_audit(reports.append, errors.append)
    settle(rig.q, lambda: reports or errors)
    assert not errors
    mism = {r.bay: r.mismatch for r in reports[0].mismatches}
    assert mism == {4: "backend_only", 5: "tower_only"}
    row4 = [r for r in reports[0].rows if r.bay == 4][0]
    assert row4.car == "Aurora white (C4)" and row4.level == 1
    entry = audit(rig)[-1]
    assert entry["action"] == "audit" and entry["result"] == "mismatch"
    assert entry["mismatches"] == {"4": "backend_only", "5": "tower_only"}


def test_a_bay_goes_into_maintenance_and_back(rig):
    login(rig)
    got, put = results(rig)
    rig.console.set_maintenance(4, True, put)
    settle(rig.q, lambda: got)
    rig.console.set_maintenance(4, False, put)
    settle(rig.q, lambda: len(got) == 2)
    assert [g.detail["state"] for g in got] == ["maintenance", "stored"]
    assert ("set_bay_maintenance", 4, True) in rig.backend.calls
    assert actions(rig)[-2:] == [("bay_maintenance", "ok")] * 2


# -- service, logs, bundle, serial console ----------------------------------------------------

def test_out_of_service_holds_after_staff_leave(rig):
    login(rig)
    rig.console.set_out_of_service(True)
    assert rig.console.out_of_service
    rig.console.logout()
    assert rig.kiosk.journey.state is State.OUT_OF_SERVICE
    login(rig)
    rig.console.set_out_of_service(False)
    rig.console.logout()
    assert rig.kiosk.journey.state is State.ATTRACT
    assert [a for a in actions(rig) if a[0] == "service"] == [("service", "out"),
                                                               ("service", "in")]


def _write_log(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"t": "x", "level": lvl, "logger": "k", "msg": f"{lvl.lower()} line"}
             for lvl in ("DEBUG", "INFO", "WARNING", "ERROR")]
    lines.append({"t": "x", "level": "ERROR", "logger": "k", "msg": f"oops key={KIOSK_KEY}"})
    path.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")


def test_log_view_filters_by_level(rig):
    _write_log(rig.console.log_path)
    login(rig)
    seen: list[list[dict]] = []
    rig.console.log_tail("WARNING", seen.append)
    settle(rig.q, lambda: seen)
    assert [e["level"] for e in seen[0]] == ["WARNING", "ERROR", "ERROR"]
    rig.console.log_tail(None, seen.append)
    settle(rig.q, lambda: len(seen) == 2)
    assert len(seen[1]) == 5
    assert actions(rig)[-2:] == [("view_logs", "ok")] * 2


def test_the_bundle_holds_what_support_needs_and_no_secrets(rig, tmp_path):
    from kiosk.dispatch import DispatchJournal

    _write_log(rig.console.log_path)
    journal = DispatchJournal(Path(rig.services.config.kiosk.data_dir) / "dispatch.sqlite")
    journal.plan("J-7", "delivery", 3, 101)
    rig.services.dispatcher.journal = journal
    (Path(rig.services.config.kiosk.data_dir) / "selfie-0001.png").write_bytes(b"\x89PNG face")
    login(rig)
    got, put = results(rig)
    rig.console.export_bundle(tmp_path / "usb", put)
    settle(rig.q, lambda: got)
    journal.close()
    assert got[0].ok, got[0].answer
    path = Path(got[0].detail["path"])
    assert path.parent == tmp_path / "usb" and path.suffix == ".zip"
    assert not list(path.parent.glob("*.part"))
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert names == {"logs/kiosk.log", "config.json", "self_test.json", "health.json",
                         "dispatch.sqlite", "staff_audit.jsonl", "manifest.json"}
        blob = b"".join(z.read(n) for n in names)
        config = json.loads(z.read("config.json"))
        z.extract("dispatch.sqlite", tmp_path / "x")
    assert KIOSK_KEY.encode() not in blob and PIN_HASH.encode() not in blob
    assert b"PNG" not in blob and not any(n.endswith((".png", ".jpg", ".npy")) for n in names)
    assert config["backend"]["kiosk_key"] == "***" and config["staff"]["pin_hash"] == "***"
    db = sqlite3.connect(tmp_path / "x" / "dispatch.sqlite")
    assert db.execute("SELECT job_id FROM jobs").fetchall() == [("J-7",)]
    db.close()
    assert rig.self_tests == [1]  # run once for the bundle, cached after
    assert actions(rig)[-1] == ("export_bundle", "ok")


def test_a_bundle_to_an_unwritable_place_fails_cleanly(rig, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    login(rig)
    got, put = results(rig)
    rig.console.export_bundle(blocker / "sub", put)
    settle(rig.q, lambda: got)
    assert not got[0].ok and "could not write" in got[0].answer
    assert actions(rig)[-1] == ("export_bundle", "failed")


def test_health_sections(rig):
    sections: dict[str, dict] = {}
    rig.console.refresh_health(lambda name, d: sections.__setitem__(name, d))
    settle(rig.q, lambda: len(sections) == 4)
    assert sections["backend"]["reachable"] and sections["backend"]["version"] == "backend-1.2"
    assert sections["lift"]["link"] == "up" and sections["lift"]["faults"] == ["DOOR_OBSTRUCTED"]
    assert sections["lift"]["doors"] == {"101": "OPEN"} and sections["lift"]["level"] == 2
    assert sections["system"]["disk"]["free_gb"] >= 0 and sections["system"]["uptime_s"] >= 0
    assert sections["camera"]["state"] == "no frame"


def test_self_test_on_demand_is_audited(rig):
    login(rig)
    got: list[dict] = []
    rig.console.run_self_test(got.append)
    settle(rig.q, lambda: got)
    assert got[0]["ok"] and rig.console.last_self_test is got[0]
    assert actions(rig)[-1] == ("self_test", "ok")


def test_exit_app_calls_the_ui_and_is_audited(rig):
    login(rig)
    rig.console.exit_app()
    assert rig.exits == [1]
    assert actions(rig)[-2:] == [("exit_app", "ok"), ("logout", "exit_app")]


def test_raw_frames_are_split_and_named():
    from drivers.lift_frame import encode_frame
    from drivers.lift_proto import Cmd

    tx = encode_frame(7, Cmd.STATUS)
    rx = encode_frame(3, Cmd.ACK) + encode_frame(4, Cmd.STATUS | 0x80, b"\x07\x00")
    lines = describe_frames([("tx", tx), ("rx", rx[:5]), ("rx", rx[5:]), ("rx", b"\xff\xfe")])
    assert [(x["dir"], x["what"]) for x in lines] == [
        ("tx", "STATUS seq=7"), ("rx", "ACK seq=3"), ("rx", "STATUS reply seq=4"),
        ("rx", "not a frame")]
    assert lines[0]["hex"] == tx.hex(" ")


def test_serial_console_against_the_simulator(rig):
    """STATUS over a real pty: the tap sees our request and the controller's reply."""
    from drivers.lift_client import LiftClient
    from sim.lift.simulator import TowerSimulator

    sim = TowerSimulator(travel_s_per_level=0.01, door_s=0.01, transfer_s=0.01)
    client = None
    try:
        url = sim.serve_pty()
        client = LiftClient(url, ack_timeout_s=0.25, reply_timeout_s=5.0).open(wait_s=10.0)
        rig.services.lift = client
        login(rig)
        got, put = results(rig)
        rig.console.serial_status(put)
        settle(rig.q, lambda: got)
        assert got[0].ok and got[0].answer.startswith("STATUS: IDLE"), got[0].answer
        whats = [(f["dir"], f["what"].split(" seq")[0]) for f in got[0].detail["frames"]]
        assert ("tx", "STATUS") in whats and ("rx", "STATUS reply") in whats
        assert ("rx", "ACK") in whats
        assert client.link._taps == []  # the tap is removed after the command
        assert actions(rig)[-1] == ("serial_status", "ok")
    finally:
        if client is not None:
            client.close()
        sim.stop()


def test_staff_moves_on_the_real_simulator_change_the_audit(rig):
    """A staff move between storage bays is what the audit then flags."""
    from drivers.lift_client import LiftClient
    from sim.lift.simulator import TowerSimulator

    sim = TowerSimulator(levels=1, bays_per_level=6, delivery_bays=(101,), occupied={1, 2, 3, 4},
                         travel_s_per_level=0.01, door_s=0.01, transfer_s=0.01)
    client = None
    try:
        client = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
        rig.services.lift = client
        login(rig)
        got, put = results(rig)
        rig.console.move(4, 6, put)
        settle(rig.q, lambda: got and got[-1].final)
        assert got[-1].ok, got[-1].answer
        reports: list = []
        rig.console.run_audit(reports.append, pytest.fail)
        settle(rig.q, lambda: reports)
        # The backend's books followed the car: only bay 5 (missing in the
        # backend's books from the start) stays flagged.
        assert rig.backend.cars[6] == "C4" and 4 not in rig.backend.cars
        assert {r.bay: r.mismatch for r in reports[0].mismatches} == {}
    finally:
        if client is not None:
            client.close()
        sim.stop()


def test_staff_enter_event_only_comes_from_the_console(rig):
    """The journey itself accepts STAFF_ENTER only from Attract/Out of service."""
    rig.kiosk.start(Flow.TEST_DRIVE)
    assert not rig.kiosk.journey.can(Event.STAFF_ENTER)


def test_staff_hash_command_prints_a_hash_for_the_config(capsys):
    from cli.main import main
    from kiosk.staff.gate import verify_pin

    assert main(["staff-hash", "975310"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("scrypt$") and verify_pin("975310", out)
    assert main(["staff-hash", "2468"]) == 2  # too short: 6 digits at least
    assert "6 to 12 digits" in capsys.readouterr().err


def test_staff_hash_reads_one_pin_from_a_pipe():
    """#15: from a pipe it asked twice (the second read found nothing)."""
    import subprocess
    import sys

    from kiosk.staff.gate import verify_pin

    done = subprocess.run([sys.executable, "-m", "cli", "staff-hash"], input="975310\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert verify_pin("975310", done.stdout.strip())
    assert "Again" not in done.stderr + done.stdout


def test_a_staff_move_the_controller_runs_for_another_car_is_stopped(rig):
    """#13: every controller answer is checked, the follow-up polls of a staff
    move too: the simulator's ``swap_source`` accepts our bays, then runs and
    reports another source bay."""
    from drivers.lift_client import LiftClient
    from drivers.lift_proto import FaultCode
    from sim.lift.simulator import TowerSimulator

    sim = TowerSimulator(levels=1, bays_per_level=6, delivery_bays=(101,), occupied={1, 2, 3, 4},
                         travel_s_per_level=0.3, door_s=0.3, transfer_s=0.3)
    client = None
    try:
        client = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
        rig.services.lift = client
        login(rig)
        sim.trigger("swap_source")
        got, put = results(rig)
        rig.console.move(4, 6, put)
        settle(rig.q, lambda: got and got[-1].final)
        assert not got[-1].ok and got[-1].reason == "LIFT_ECHO_MISMATCH", got[-1].answer
        assert "run Audit" in got[-1].answer
        with sim.locked() as t:
            assert FaultCode.ESTOP in t.faults and t.current is None  # the kiosk's STOP
    finally:
        if client is not None:
            client.close()
        sim.stop()
