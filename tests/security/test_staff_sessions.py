"""Issue #13, least privilege for staff: a kiosk key alone does not change the
books. Against the real service (one per module, tests/backend/conftest.py)
with the real kiosk client; the last test adds the real kiosk core and the
real lift simulator.

Findings: "One kiosk key does everything: staff actions (bay moves,
maintenance) are checked only on the kiosk, never by the backend".
"""

from __future__ import annotations

import secrets
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.models import StaffAudit
from backend.seed import add_kiosk
from backend.staff_service import SESSION_IDLE_S, SESSION_MAX_S, add_staff
from common.errors import BackendError, Reason
from kiosk.backend_client import BackendClient
from tests.backend import conftest as backend_fixtures

# The real service of tests/backend (one per module) and a fresh tower with its
# own kiosk and client per test.
db_url, server, tower = backend_fixtures.db_url, backend_fixtures.server, backend_fixtures.tower
# The service's worker threads come and go with its load; the module fixture
# checks that none is left once the service stops.
pytestmark = pytest.mark.allow_threads
STAFF_HEADER = "X-Staff-Session"


def account(server) -> tuple[str, str]:
    """A staff account of its own for each test (the PIN hashed for real)."""
    name, pin = f"s-{secrets.token_hex(4)}", f"{secrets.randbelow(10**8):08d}"
    add_staff(server.db, name, pin, server.clock.now())
    return name, pin


def occupied(tower) -> dict[int, str]:
    return {b.bay: b.car_id for b in tower.client.bays().bays if b.car_id}


def a_move(tower) -> tuple[int, int]:
    cars = occupied(tower)
    return min(cars), min(b.bay for b in tower.client.bays().bays if not b.car_id)


def refused(call) -> BackendError:
    with pytest.raises(BackendError) as info:
        call()
    assert info.value.reason is Reason.STAFF_SESSION_REQUIRED, info.value.to_dict()
    assert info.value.context["status"] == 403
    return info.value


def second_kiosk(tower) -> BackendClient:
    """Another kiosk of the same tower, with its own key."""
    kiosk_id, key = f"KX{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    with tower.server.db.write() as s:
        add_kiosk(s, kiosk_id, tower.tower_id, key)
    return BackendClient(tower.url, kiosk_id, key, timeout_s=10, retries=0)


def audit_rows(server, kiosk_id: str) -> list[tuple]:
    with server.db.read() as s:
        rows = s.scalars(select(StaffAudit).where(StaffAudit.kiosk_id == kiosk_id)
                         .order_by(StaffAudit.id)).all()
        return [(r.staff_name, r.action, r.result, r.detail) for r in rows]


def test_a_kiosk_key_alone_changes_nothing_in_the_books(tower):
    before = tower.client.bays()
    src, free = a_move(tower)
    refused(lambda: tower.client.move_car(src, free))
    refused(lambda: tower.client.set_bay_maintenance(src, True, "kiosk key only"))
    for forged in ("", "forged", "x" * 200, "tok-0-sam"):
        r = tower.post(f"/v1/bays/{src}/move", {"to_bay": free}, headers={STAFF_HEADER: forged})
        assert (r.status_code, r.json()["error"]["reason"]) == (403, "STAFF_SESSION_REQUIRED")
    assert tower.client.bays() == before


def test_a_session_of_another_kiosk_is_refused(tower, server):
    name, pin = account(server)
    other = second_kiosk(tower)
    try:
        theirs = other.open_staff_session(name, pin)
        src, free = a_move(tower)
        refused(lambda: tower.client.move_car(src, free, staff_session=theirs.token))
        refused(lambda: tower.client.set_bay_maintenance(src, True,
                                                         staff_session=theirs.token))
        assert src in occupied(tower)
        # The same person, logged in at this kiosk: allowed.
        ours = tower.client.open_staff_session(name, pin)
        moved = tower.client.move_car(src, free, staff_session=ours.token)
        assert (moved.from_bay, moved.to_bay) == (src, free)
        # ... and that session is refused at the other kiosk in turn.
        refused(lambda: other.move_car(free, src, staff_session=ours.token))
    finally:
        other.close()


def test_a_session_ends_at_logout_after_idle_minutes_and_after_a_shift(tower, server):
    name, pin = account(server)
    client = tower.client
    bay = min(occupied(tower))
    ticket = client.open_staff_session(name, pin)
    client.set_bay_maintenance(bay, True, staff_session=ticket.token)
    assert client.end_staff_session(ticket.token) is True
    assert client.end_staff_session(ticket.token) is False
    refused(lambda: client.set_bay_maintenance(bay, False, staff_session=ticket.token))

    ticket = client.open_staff_session(name, pin)
    tower.clock.advance(SESSION_IDLE_S + 1)
    refused(lambda: client.set_bay_maintenance(bay, False, staff_session=ticket.token))

    # Used every 14 minutes it lives on, but not past 8 hours.
    ticket = client.open_staff_session(name, pin)
    started = tower.now()
    on = False
    while tower.now() + 14 * 60 < started + SESSION_MAX_S:
        tower.clock.advance(14 * 60)
        client.set_bay_maintenance(bay, on, staff_session=ticket.token)
        on = not on
    tower.clock.set(started + SESSION_MAX_S + 1)
    refused(lambda: client.set_bay_maintenance(bay, on, staff_session=ticket.token))


def test_a_kept_alive_session_outlives_the_idle_time_until_logout(tower, server):
    """The kiosk keeps the session alive while staff do local work (no book change)."""
    name, pin = account(server)
    client = tower.client
    token = client.open_staff_session(name, pin).token
    for _ in range(3):
        tower.clock.advance(SESSION_IDLE_S - 60)
        assert client.keep_staff_session(token) == name
    tower.clock.advance(SESSION_IDLE_S - 60)
    client.set_bay_maintenance(min(occupied(tower)), True, staff_session=token)
    client.end_staff_session(token)
    refused(lambda: client.keep_staff_session(token))
    other = second_kiosk(tower)
    try:
        token = client.open_staff_session(name, pin).token
        refused(lambda: other.keep_staff_session(token))  # not at another kiosk either
    finally:
        other.close()


def test_a_replayed_book_change_needs_a_session_too(tower, server):
    """The stored answer of an Idempotency-Key is no way around the session."""
    name, pin = account(server)
    src, free = a_move(tower)
    token = tower.client.open_staff_session(name, pin).token
    first = tower.post(f"/v1/bays/{src}/move", {"to_bay": free}, key="staff-move-replay-1",
                       headers={STAFF_HEADER: token})
    assert first.status_code == 200
    again = tower.post(f"/v1/bays/{src}/move", {"to_bay": free}, key="staff-move-replay-1")
    assert (again.status_code, again.json()["error"]["reason"]) == (403,
                                                                    "STAFF_SESSION_REQUIRED")


def test_every_staff_action_is_audited_by_name(tower, server):
    name, pin = account(server)
    client = tower.client
    src, free = a_move(tower)
    token = client.open_staff_session(name, pin).token
    client.move_car(src, free, staff_session=token)
    client.set_bay_maintenance(free, True, staff_session=token)
    with pytest.raises(BackendError) as info:
        client.move_car(src, free, staff_session=token)  # the books say no: still audited
    assert info.value.context["code"] == "BAY_EMPTY"
    refused(lambda: client.move_car(free, src))
    client.move_car(free, src, staff_session=token, made_by="carol")  # queued offline by carol
    client.end_staff_session(token)
    assert audit_rows(server, tower.kiosk_id) == [
        (name, "login", "ok", None),
        (name, "bay_move", "ok", {"bay": src, "to_bay": free}),
        (name, "bay_maintenance", "ok", {"bay": free, "on": True}),
        (name, "bay_move", "BAY_EMPTY", {"bay": src, "to_bay": free}),
        ("-", "bay_move", "refused", {"bay": free, "to_bay": src, "why": "no_session"}),
        (name, "bay_move", "ok", {"bay": free, "to_bay": src, "made_by": "carol"}),
        (name, "logout", "ok", None)]


def test_an_offline_move_reaches_the_books_with_the_next_online_login(tower, server, tmp_path):
    """The real kiosk core, client and simulator: staff who logged in with the
    offline PIN move a car; the backend hears of it once someone logs in
    online, and audits both names."""
    from drivers.lift_client import LiftClient
    from kiosk.app import Kiosk
    from kiosk.config import parse_config
    from kiosk.journey import State
    from kiosk.staff.console import StaffConsole
    from kiosk.staff.gate import hash_pin
    from kiosk.tasks import CallbackQueue, TaskRunner
    from sim.lift.simulator import TowerSimulator
    from tests.kiosk.fakes import FakeServices

    name, pin = account(server)
    src, free = a_move(tower)
    sim = TowerSimulator(levels=2, bays_per_level=6, delivery_bays=(101,),
                         occupied=set(occupied(tower)), travel_s_per_level=0.01, door_s=0.01,
                         transfer_s=0.01)
    lift = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
    q = CallbackQueue()
    services = FakeServices()
    services.config = parse_config({
        "kiosk": {"id": tower.kiosk_id, "data_dir": str(tmp_path / "data"),
                  "log_dir": str(tmp_path / "logs")},
        "staff": {"pin_hash": hash_pin("975310")}})
    backend = BackendClient(tower.url, tower.kiosk_id, tower.key, timeout_s=10, retries=0)
    services.backend, services.lift = backend, lift
    services.dispatcher = SimpleNamespace(busy=False, pending=lambda: [], journal=None)
    kiosk = Kiosk(services, TaskRunner(q), clock=services.clock)
    console = StaffConsole.for_kiosk(kiosk)
    console.record_backoff_s = (0.01, 0.05)
    got: list = []

    def settle(cond) -> None:
        deadline = time.monotonic() + 20
        while not cond():
            assert time.monotonic() < deadline, "condition never became true"
            q.drain(timeout_s=0.02)

    try:
        backend.base_url = "http://127.0.0.1:9"  # the backend cannot be reached
        console.login("975310", name="carol")
        assert kiosk.journey.state is State.STAFF and not console.online
        console.move(src, free, got.append)
        settle(lambda: got and got[-1].final)
        assert got[-1].ok and "not told (offline login)" in got[-1].answer
        assert src in occupied(tower)  # the books have not heard yet
        backend.base_url = tower.url  # back
        console.logout()
        console.login(pin, name=name)  # online: the queued move goes with this session
        assert console.online
        settle(lambda: got[-1].answer.endswith("the backend has now recorded the move"))
        assert occupied(tower).get(free) and src not in occupied(tower)
        moves = [r for r in audit_rows(server, tower.kiosk_id) if r[1] == "bay_move"]
        assert moves == [(name, "bay_move", "ok",
                          {"bay": src, "to_bay": free, "made_by": "carol"})]
        console.logout()
        settle(lambda: audit_rows(server, tower.kiosk_id)[-1][1] == "logout")
    finally:
        console.close()
        backend.close()
        kiosk.shutdown()
        lift.close()
        sim.stop()
