"""Issue #13, staff PINs: "the staff PIN lockout lives in memory, so a restart
resets it; 4-digit PINs allow the whole space in about a week". Against the
real service (restarted on the same SQLite file), the real kiosk client and
the real kiosk core (restarted on the same data dir).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import socket
from pathlib import Path

import pytest
import requests

from backend.clock import SettableClock
from backend.server import BackendServer
from backend.staff_service import add_staff
from common.errors import BackendError, Reason, StaffError
from common.pins import verify_or_dummy
from kiosk.backend_client import BackendClient
from kiosk.staff.gate import hash_pin
from tests.backend import conftest as backend_fixtures
from tests.backend.backend_rig import T0

db_url, server, tower = backend_fixtures.db_url, backend_fixtures.server, backend_fixtures.tower
# The services' worker threads come and go with their load; stopping a service
# waits for its own (tests/backend/conftest.py checks the module's).
pytestmark = pytest.mark.allow_threads


def login_answer(tower, name: str, pin: str) -> tuple[int, dict]:
    r = tower.post("/v1/staff/sessions", {"name": name, "pin": pin})
    return r.status_code, r.json()


def test_an_unknown_name_and_a_wrong_pin_get_the_same_answers(tower, server):
    name = f"s-{secrets.token_hex(4)}"
    add_staff(server.db, name, "24681357", server.clock.now())
    ghost = f"s-{secrets.token_hex(4)}"  # no such account
    known = [login_answer(tower, name, "11112222") for _ in range(6)]
    unknown = [login_answer(tower, ghost, "11112222") for _ in range(6)]
    assert known == unknown
    assert [a[1]["error"]["reason"] for a in known] == ["STAFF_DENIED"] * 4 + ["STAFF_LOCKED"] * 2
    assert {a[0] for a in known} == {403}
    assert known[4][1]["error"]["retry_after_s"] == 60


def test_an_unknown_name_costs_the_scrypt_of_a_wrong_pin(tower, server, monkeypatch):
    """No clock is read: the same work is done (one scrypt per attempt either way)."""
    name = f"s-{secrets.token_hex(4)}"
    add_staff(server.db, name, "24681357", server.clock.now())
    verify_or_dummy("000000", None)  # the throwaway hash exists before counting
    calls: list[int] = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    login_answer(tower, name, "11112222")
    per_wrong_pin = len(calls)
    login_answer(tower, f"s-{secrets.token_hex(4)}", "11112222")
    assert per_wrong_pin == 1 and len(calls) == 2


def test_wrong_pins_lock_the_name_and_a_restart_keeps_the_lock(tmp_path):
    db, clock = f"sqlite:///{tmp_path / 'staff.db'}", SettableClock(T0)

    def attempt(client: BackendClient, pin: str) -> BackendError | None:
        try:
            client.open_staff_session("sam", pin)
        except BackendError as err:
            return err
        return None

    with BackendServer(db, seed="demo", clock=clock) as srv, \
            BackendClient(srv.url, "K1", "demo-kiosk-key", retries=0) as client:
        errors = [attempt(client, "000000") for _ in range(5)]
        assert [e.reason for e in errors] == [Reason.STAFF_DENIED] * 4 + [Reason.STAFF_LOCKED]
        assert errors[-1].context["retry_after_s"] == 60
        assert attempt(client, "246813").reason is Reason.STAFF_LOCKED  # even the right PIN
    with BackendServer(db, seed="demo", clock=clock) as srv, \
            BackendClient(srv.url, "K1", "demo-kiosk-key", retries=0) as client:
        assert attempt(client, "246813").reason is Reason.STAFF_LOCKED  # a restart keeps it
        clock.advance(60)
        errors = [attempt(client, "000000") for _ in range(5)]
        assert errors[-1].context["retry_after_s"] == 300  # and the next lock is longer
        clock.advance(300)
        assert attempt(client, "246813") is None  # a correct PIN starts over
        errors = [attempt(client, "000000") for _ in range(5)]
        assert errors[-1].context["retry_after_s"] == 60


def test_staff_unlock_clears_a_lock(tmp_path, monkeypatch, capsys):
    from backend.admin import main

    db, clock = f"sqlite:///{tmp_path / 'staff.db'}", SettableClock(T0)
    with BackendServer(db, seed="demo", clock=clock) as srv, \
            BackendClient(srv.url, "K1", "demo-kiosk-key", retries=0) as client:
        for _ in range(5):
            with pytest.raises(BackendError):
                client.open_staff_session("lee", "000000")
        assert main(["staff", "unlock", "lee", "--db", db]) == 0
        assert client.open_staff_session("lee", "135792").staff == "lee"
        monkeypatch.setattr("sys.stdin", io.StringIO("24681357\n"))
        assert main(["staff", "add", "Nina", "--db", db]) == 0
        assert client.open_staff_session("nina", "24681357").staff == "nina"
        assert main(["staff", "remove", "nina", "--db", db]) == 0
        with pytest.raises(BackendError) as info:
            client.open_staff_session("nina", "24681357")
        assert info.value.reason is Reason.STAFF_DENIED  # removed: like a name never added
    listed = capsys.readouterr().out
    assert "24681357" not in listed


@pytest.mark.parametrize("pin", ["1234", "12345", "abcdef", "1234567890123"])
def test_pins_shorter_than_6_digits_are_refused_everywhere(pin, tower, tmp_path, monkeypatch,
                                                          capsys):
    from backend.admin import main as backend_main
    from cli.main import main as kiosk_main

    with pytest.raises(StaffError, match="6 to 12 digits"):
        hash_pin(pin)
    db = f"sqlite:///{tmp_path / 'staff.db'}"
    with BackendServer(db, seed="demo"):
        pass  # a migrated database
    monkeypatch.setattr("sys.stdin", io.StringIO(pin + "\n"))
    assert backend_main(["staff", "add", "tom", "--db", db]) == 2
    assert "6 to 12 digits" in capsys.readouterr().err
    assert backend_main(["staff", "list", "--db", db]) == 0
    assert "tom" not in capsys.readouterr().out
    assert kiosk_main(["staff-hash", pin]) == 2  # the kiosk's offline PIN too
    status, body = login_answer(tower, "sam", pin)
    assert (status, body["error"]["reason"]) == (422, "REQUEST_INVALID")


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_the_kiosk_s_offline_lockout_survives_a_kiosk_restart(tmp_path: Path):
    """The backend cannot be asked, so the offline PIN is checked by the kiosk:
    its lockout is in the data dir, so a restart does not reset it."""
    from types import SimpleNamespace

    from kiosk.app import Kiosk
    from kiosk.config import parse_config
    from kiosk.staff.console import StaffConsole
    from kiosk.tasks import CallbackQueue, TaskRunner
    from tests.kiosk.fakes import FakeServices

    wall = SettableClock(T0)
    config = parse_config({"kiosk": {"data_dir": str(tmp_path / "data")},
                           "staff": {"pin_hash": hash_pin("975310"), "lockout_s": 60.0}})

    def start() -> tuple[Kiosk, StaffConsole, BackendClient]:
        services = FakeServices()
        services.config = config
        services.backend = BackendClient(_closed_port(), "K1", "demo-kiosk-key", retries=0)
        services.dispatcher = SimpleNamespace(busy=False, pending=lambda: [], journal=None)
        kiosk = Kiosk(services, TaskRunner(CallbackQueue()), clock=services.clock)
        return kiosk, StaffConsole.for_kiosk(kiosk, wall_clock=wall.now), services.backend

    kiosk, console, backend = start()
    try:
        for _ in range(5):
            with pytest.raises(StaffError) as info:
                console.login("000000", name="kim")
        assert info.value.reason is Reason.STAFF_LOCKED and info.value.context["mode"] == "offline"
    finally:
        kiosk.shutdown()
        backend.close()
    kiosk, console, backend = start()  # the kiosk restarts
    try:
        with pytest.raises(StaffError) as info:
            console.login("975310", name="kim")  # the right offline PIN, still locked
        assert info.value.reason is Reason.STAFF_LOCKED
        wall.advance(60)
        for _ in range(5):
            with pytest.raises(StaffError) as info:
                console.login("000000", name="kim")
        assert info.value.context["locked_for_s"] == 300  # escalated
        wall.advance(300)
        console.login("975310", name="kim")
        assert console.logged_in and not console.online
    finally:
        kiosk.shutdown()
        backend.close()


def test_no_pin_travels_or_rests_in_the_clear(tower, server):
    """The login answer carries a token once; the database keeps hashes only."""
    from backend.models import Staff, StaffSession

    name = f"s-{secrets.token_hex(4)}"
    add_staff(server.db, name, "24681357", server.clock.now())
    r = requests.post(tower.url + "/v1/staff/sessions", json={"name": name, "pin": "24681357"},
                      headers={**tower.headers, "Idempotency-Key": secrets.token_hex(8)},
                      timeout=10)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = r.json()["token"]
    with server.db.read() as s:
        staff = s.get(Staff, name)
        assert staff.pin_hash.startswith("scrypt$") and "24681357" not in staff.pin_hash
        hashes = [row.token_hash for row in s.query(StaffSession).filter_by(staff_name=name)]
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stdin", "typed", "want"), [
    (io.StringIO("24681357\n"), [], "24681357"),  # piped: one line, no prompt
    (_Tty(""), ["24681357", "24681357"], "24681357"),  # a terminal: asked twice
    (_Tty(""), ["24681357", "24681358"], None),  # the two differ: nothing is added
])
def test_staff_add_reads_the_pin_once_from_a_pipe_or_twice_from_a_terminal(stdin, typed, want):
    from common.pins import read_pin

    answers = iter(typed)
    assert read_pin(stdin, prompt=lambda _label: next(answers)) == want
