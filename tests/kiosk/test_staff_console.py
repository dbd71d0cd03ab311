"""The staff console without Qt: entry (online login, offline PIN), lockout, idle
logout and the audit log (the rig: tests/kiosk/staff_rig.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.errors import Reason, StaffError
from kiosk.app import Kiosk
from kiosk.config import parse_config
from kiosk.journey import Flow, State
from kiosk.staff.console import StaffConsole, Why
from kiosk.tasks import CallbackQueue, TaskRunner
from tests.kiosk.fakes import FakeServices
from tests.kiosk.staff_rig import (
    NAME,
    ONLINE_PIN,
    PIN,
    actions,
    audit,
    login,
    make_rig,
    settle,
)


@pytest.fixture
def rig(tmp_path: Path):
    yield from make_rig(tmp_path)


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
