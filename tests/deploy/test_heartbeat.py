"""Fleet visibility: a kiosk's heartbeat is recorded by the backend, which
lists the tower's kiosks with their last-seen time, status and health."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backend.clock import SettableClock
from backend.seed import add_kiosk, add_tower
from backend.server import BackendServer
from common.errors import BackendError
from kiosk.backend_client import BackendClient

T0 = 1_800_000_000.0  # a fixed server time, so last-seen values are exact


@dataclass
class Fleet:
    """A fresh tower with kiosks A and B, plus a kiosk in another tower."""

    tower_id: str
    a: BackendClient
    b: BackendClient
    ids: dict[str, str]


# One server for the module (its worker threads outlive each test); the
# fixture checks they are all gone once it stops.
pytestmark = pytest.mark.allow_threads


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[BackendServer]:
    before = set(threading.enumerate())
    db = tmp_path_factory.mktemp("fleet") / "backend.db"
    srv = BackendServer(f"sqlite:///{db}", seed=None, clock=SettableClock(T0))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        deadline = time.monotonic() + 10.0
        left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        while left and time.monotonic() < deadline:
            left[0].join(0.1)
            left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        if left:
            pytest.fail(f"the backend left threads: {sorted(t.name for t in left)}")


@pytest.fixture
def fleet(server) -> Iterator[Fleet]:
    suffix = secrets.token_hex(4)
    ids = {"tower": f"TF{suffix}", "other_tower": f"TO{suffix}", "a": f"KA{suffix}",
           "b": f"KB{suffix}", "other": f"KO{suffix}"}
    keys = {k: secrets.token_urlsafe(18) for k in ("a", "b", "other")}
    with server.db.write() as s:
        for tower in (ids["tower"], ids["other_tower"]):
            add_tower(s, tower, "Fleet test", levels=1, bays_per_level=2, delivery_bays=[101])
        add_kiosk(s, ids["a"], ids["tower"], keys["a"])
        add_kiosk(s, ids["b"], ids["tower"], keys["b"])
        add_kiosk(s, ids["other"], ids["other_tower"], keys["other"])
    a = BackendClient(server.url, ids["a"], keys["a"], timeout_s=10.0, retries=1)
    b = BackendClient(server.url, ids["b"], keys["b"], timeout_s=10.0, retries=1)
    try:
        yield Fleet(ids["tower"], a, b, ids)
    finally:
        a.close()
        b.close()


def _by_id(client: BackendClient) -> dict:
    return {k.kiosk_id: k for k in client.kiosks()}


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def test_heartbeat_is_recorded_and_listed_with_last_seen_and_status(server, fleet):
    a_id, b_id = fleet.ids["a"], fleet.ids["b"]
    before = _by_id(fleet.a)
    assert before[a_id].last_seen_at is None and before[a_id].status is None

    health = {"backend_ok": True, "lift_ok": True, "camera_ok": False,
              "backend_latency_ms": 12.5, "state": "attract", "alerts": 0}
    now = server.clock.now()
    beat = fleet.a.heartbeat("ok", health, version="0.1.0")
    assert beat.server_time == _at(now) and beat.alerts == ()

    listed = _by_id(fleet.a)
    assert set(listed) == {a_id, b_id}  # this tower's kiosks only
    k = listed[a_id]
    assert k.tower_id == fleet.tower_id and k.status == "ok"
    assert k.last_seen_at == _at(now)
    assert dict(k.health) == health
    assert listed[b_id].last_seen_at is None  # never reported: the fleet view shows it silent


def test_a_later_heartbeat_moves_last_seen_and_status(server, fleet):
    fleet.a.heartbeat("ok", {"state": "attract"})
    later = server.clock.advance(30)
    fleet.a.heartbeat("out_of_service", {"state": "out_of_service", "lift_ok": False})
    k = _by_id(fleet.a)[fleet.ids["a"]]
    assert k.status == "out_of_service" and k.health["lift_ok"] is False
    assert k.last_seen_at == _at(later)


def test_each_kiosk_is_listed_separately(server, fleet):
    fleet.a.heartbeat("ok", {})
    server.clock.advance(5)
    fleet.b.heartbeat("maintenance", {"state": "staff"})
    listed = _by_id(fleet.b)
    a, b = listed[fleet.ids["a"]], listed[fleet.ids["b"]]
    assert a.status == "ok" and b.status == "maintenance"
    assert b.last_seen_at > a.last_seen_at


@pytest.mark.parametrize("status", ["", "OK", "not ok", "x" * 33, "ok;drop", "ok\n"])
def test_a_malformed_status_is_refused_and_nothing_recorded(fleet, status):
    with pytest.raises(BackendError):
        fleet.a.heartbeat(status, {})
    assert _by_id(fleet.a)[fleet.ids["a"]].last_seen_at is None


def test_a_wrong_kiosk_key_is_refused(server, fleet):
    bad = BackendClient(server.url, fleet.ids["a"], "wrong-key", timeout_s=10.0, retries=0)
    try:
        with pytest.raises(BackendError):
            bad.heartbeat("ok", {})
    finally:
        bad.close()
    assert _by_id(fleet.a)[fleet.ids["a"]].last_seen_at is None


def _lock(server, fleet, member_id: str, kiosk: str, minutes: float) -> None:
    """A member who tried a selfie at ``kiosk`` is locked out for ``minutes``."""
    from backend.models import IdentityLock, KioskSession, Member, Selfie

    now = server.clock.now()
    with server.db.write() as s:
        s.add(Member(id=member_id, name="Locked", credit_score=800))
        s.flush()
        s.add(KioskSession(id=f"S-{member_id}", member_id=member_id, kiosk_id=fleet.ids[kiosk],
                           tower_id=fleet.ids["tower" if kiosk != "other" else "other_tower"],
                           created_at=now, expires_at=now + 300))
        s.flush()
        s.add(Selfie(id=f"F-{member_id}", session_id=f"S-{member_id}", kiosk_id=fleet.ids[kiosk],
                     member_id=member_id, challenges="blink,turn_left", opened_at=now,
                     expires_at=now + 60, state="judged", live=False))
        s.add(IdentityLock(member_id=member_id, until=now + minutes * 60, since=now))


def test_the_heartbeat_answer_lists_the_tower_s_lockouts_by_short_id(server, fleet):
    """Staff at every kiosk of the tower hear who is locked out, never the full id."""
    suffix = fleet.ids["a"][2:]
    _lock(server, fleet, f"lockedmember{suffix}", "b", 30)  # at the other kiosk, same tower
    _lock(server, fleet, f"elsewhere{suffix}", "other", 30)  # another tower: not ours
    _lock(server, fleet, f"ended{suffix}", "a", -1)  # over already
    beat = fleet.a.heartbeat("ok", {})
    assert [(a.member, a.retry_at) for a in beat.alerts] == [
        ("locked…", _at(server.clock.now() + 30 * 60))]


def test_the_kiosk_controller_sends_its_heartbeat_on_tick(fleet):
    """What the product does every backend.heartbeat_s: Kiosk.tick -> heartbeat."""
    from kiosk.app import Kiosk
    from kiosk.tasks import CallbackQueue, TaskRunner
    from tests.kiosk.fakes import FakeServices

    services = FakeServices()
    services.backend = fleet.a
    poster = CallbackQueue()
    runner = TaskRunner(poster)
    kiosk = Kiosk(services, runner)
    a_id = fleet.ids["a"]
    try:
        kiosk.tick()
        deadline = time.monotonic() + 30
        k = _by_id(fleet.a)[a_id]
        while k.last_seen_at is None and time.monotonic() < deadline:
            poster.drain(0.1)
            k = _by_id(fleet.a)[a_id]
        assert k.last_seen_at is not None, "no heartbeat reached the backend"
        assert k.status == kiosk.status_word() == "ok"
        assert k.health["state"] == "attract"
        assert {"backend_ok", "lift_ok", "camera_ok"} <= set(k.health)
    finally:
        kiosk.shutdown()
        runner.shutdown()
