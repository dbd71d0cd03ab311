"""Staff PIN hashing, the escalating lockout (kept across restarts), idle logout,
online sessions and the audit log."""

from __future__ import annotations

import json

import pytest

from common.errors import Reason, StaffError
from common.pins import LOCK_STEPS_S, Lockout, lock_steps, valid_pin, verify_or_dummy
from kiosk.staff.gate import AuditLog, LockFile, StaffGate, hash_pin, verify_pin

PIN = "246813"
PIN_HASH = hash_pin(PIN)


class Clock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(("pin", "stored", "ok"), [
    (PIN, PIN_HASH, True),
    ("246814", PIN_HASH, False),
    ("", PIN_HASH, False),
    (PIN, "", False),
    (PIN, "plain$246813", False),
    (PIN, "scrypt$x$8$1$AAAA$AAAA", False),
    (PIN, PIN_HASH.replace("scrypt", "md5"), False),
])
def test_verify_pin_table(pin, stored, ok):
    assert verify_pin(pin, stored) is ok


@pytest.mark.parametrize(("pin", "ok"), [
    ("123456", True), ("123456789012", True), ("1234", False), ("12345", False),
    ("1234567890123", False), ("abcdef", False), ("12345a", False), ("", False),
    ("１２３４５６", False),  # full-width digits are digits to str.isdigit, not to a keypad
])
def test_pins_are_6_to_12_ascii_digits(pin, ok):
    assert valid_pin(pin) is ok


@pytest.mark.parametrize("pin", ["12", "2468", "12345", "abcdef", "1234567890123", ""])
def test_hash_refuses_short_and_odd_pins(pin):
    with pytest.raises(StaffError, match="6 to 12 digits"):
        hash_pin(pin)


def test_a_short_pin_never_matches_even_its_own_old_hash():
    """A config hash made before the 6-digit rule opens nothing."""
    import base64
    import hashlib

    salt = b"s" * 16
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    old = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_pin("2468", old) is False


def test_hash_is_salted():
    assert hash_pin(PIN) != hash_pin(PIN)


def test_dummy_check_runs_scrypt_and_never_matches(monkeypatch):
    import hashlib

    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    verify_or_dummy("000000", None)  # the throwaway hash is made once, first
    calls.clear()
    assert verify_or_dummy("000000", None) is False
    assert verify_or_dummy(PIN, PIN_HASH) is True
    assert len(calls) == 2  # one scrypt each: an unknown name costs a wrong PIN's time


@pytest.mark.parametrize(("state", "now", "after"), [
    (Lockout(), 0.0, Lockout(1, 0, 0.0)),
    (Lockout(3, 0, 0.0), 0.0, Lockout(4, 0, 0.0)),
    (Lockout(4, 0, 0.0), 10.0, Lockout(0, 1, 70.0)),  # 5th wrong: 1 min
    (Lockout(4, 1, 0.0), 10.0, Lockout(0, 2, 310.0)),  # then 5 min
    (Lockout(4, 2, 0.0), 10.0, Lockout(0, 3, 1810.0)),  # then 30 min
    (Lockout(4, 3, 0.0), 10.0, Lockout(0, 4, 7210.0)),  # then 2 h
    (Lockout(4, 9, 0.0), 10.0, Lockout(0, 10, 7210.0)),  # 2 h from then on
    (Lockout(0, 1, 70.0), 20.0, Lockout(0, 1, 70.0)),  # while locked nothing counts
])
def test_lockout_schedule_table(state, now, after):
    assert state.failed(now) == after


def test_lock_steps_scale_from_the_first():
    assert lock_steps(60.0) == LOCK_STEPS_S == (60.0, 300.0, 1800.0, 7200.0)
    assert lock_steps(300.0) == (300.0, 1500.0, 9000.0, 36000.0)


def wrong(gate: StaffGate, times: int) -> StaffError:
    err = None
    for _ in range(times):
        with pytest.raises(StaffError) as info:
            gate.login("000000")
        err = info.value
    return err


def test_offline_lockout_escalates_and_survives_a_restart(tmp_path):
    wall = Clock(5000.0)
    audit = AuditLog(tmp_path)
    gate = StaffGate(PIN_HASH, lockout_s=60.0, clock=Clock(), audit=audit, lock_dir=tmp_path,
                     wall_clock=wall)
    for left in (4, 3, 2, 1):
        assert wrong(gate, 1).context["attempts_left"] == left
    err = wrong(gate, 1)
    assert err.reason is Reason.STAFF_LOCKED and err.context["locked_for_s"] == 60
    with pytest.raises(StaffError) as info:
        gate.login(PIN)  # even the right PIN waits out the lockout
    assert info.value.reason is Reason.STAFF_LOCKED
    # A restart (a new gate on the same data dir) is still locked.
    again = StaffGate(PIN_HASH, lockout_s=60.0, clock=Clock(), lock_dir=tmp_path,
                      wall_clock=wall)
    assert again.locked_for_s() == pytest.approx(60)
    wall.t += 60
    assert wrong(again, 5).context["locked_for_s"] == 300  # the second lock is longer
    wall.t += 300
    assert again.login(PIN).who == "staff"
    assert json.loads((tmp_path / LockFile.FILE).read_text()) == {
        "failures": 0, "level": 0, "locked_until": 0.0}  # a correct PIN starts over
    results = [e["result"] for e in audit.entries()]
    assert results == ["denied"] * 4 + ["denied; locked", "locked"]


def test_a_torn_lockout_file_starts_locked(tmp_path):
    (tmp_path / LockFile.FILE).write_text('{"failures": ')
    gate = StaffGate(PIN_HASH, lockout_s=60.0, lock_dir=tmp_path, wall_clock=Clock())
    assert gate.locked_for_s() == pytest.approx(60)


def test_a_wall_clock_set_back_does_not_stretch_a_lock(tmp_path):
    LockFile(tmp_path).save(Lockout(0, 4, 10_000_000.0))
    gate = StaffGate(PIN_HASH, lockout_s=60.0, lock_dir=tmp_path, wall_clock=Clock(1000.0))
    assert gate.locked_for_s() == pytest.approx(7200)


def test_idle_logout(tmp_path):
    clock = Clock()
    gate = StaffGate(PIN_HASH, clock=clock, audit=AuditLog(tmp_path))
    gate.login(PIN)
    clock.t += 100
    gate.touch()
    clock.t += 119
    assert not gate.expired()
    clock.t += 1
    assert gate.expired() and gate.session is None


def test_disabled_without_hash(tmp_path):
    gate = StaffGate("", audit=AuditLog(tmp_path))
    with pytest.raises(StaffError):
        gate.login(PIN)


def test_online_session_keeps_its_token_out_of_reprs_and_logout_tells(tmp_path):
    ended = []
    gate = StaffGate("", clock=Clock(), audit=AuditLog(tmp_path))
    gate.on_logout = ended.append
    session = gate.enter("alice", "tok-secret-123")
    assert session.online and session.who == "alice"
    assert "tok-secret" not in repr(session)
    gate.logout()
    assert [s.who for s in ended] == ["alice"] and gate.session is None
    entries = AuditLog(tmp_path).entries()
    assert [(e["who"], e["action"], e.get("mode")) for e in entries] == [
        ("alice", "login", "online"), ("alice", "logout", None)]
    assert "tok-secret" not in (tmp_path / AuditLog.FILE).read_text()


def test_audit_survives_restart_and_torn_lines(tmp_path):
    AuditLog(tmp_path).append("staff", "lift.home", "ok")
    with (tmp_path / AuditLog.FILE).open("a") as fh:
        fh.write('{"torn": ')
    log2 = AuditLog(tmp_path)
    log2.append("staff", "exit", "ok")
    assert [e["action"] for e in log2.entries()] == ["lift.home", "exit"]


def test_personal_pins_name_who_logged_in(tmp_path):
    """[staff] pins: the audit says who; the shared PIN is audited as the name typed."""
    audit = AuditLog(tmp_path)
    gate = StaffGate(PIN_HASH, pins={"alice": hash_pin("135790"), "bob": hash_pin("864200")},
                     clock=Clock(), audit=audit)
    assert gate.login("864200").who == "bob"
    gate.record("lift_home", "ok")
    gate.logout()
    assert gate.login(PIN, who="carol").who == "carol"
    gate.logout()
    with pytest.raises(StaffError):
        gate.login("111111")
    assert gate.attempts_left() == 4
    assert gate.login("135790").who == "alice"
    rows = [(e["who"], e["action"], e["result"]) for e in audit.entries()]
    assert rows == [("bob", "login", "ok"), ("bob", "lift_home", "ok"), ("bob", "logout", "exit"),
                    ("carol", "login", "ok"), ("carol", "logout", "exit"),
                    ("staff", "login", "denied"), ("alice", "login", "ok")]


def test_personal_pins_alone_enable_staff_entry(tmp_path):
    gate = StaffGate("", pins={"carol": hash_pin("975310")}, audit=AuditLog(tmp_path))
    assert gate.enabled
    assert gate.login("975310").who == "carol"


def test_the_demo_kiosk_logs_in_as_an_account_of_the_demo_seed():
    from backend.seed import DEMO_STAFF
    from sim.demo import DEMO_STAFF_NAME, DEMO_STAFF_PIN
    from ui.staff.canned import STAFF

    assert DEMO_STAFF[DEMO_STAFF_NAME] == DEMO_STAFF_PIN
    assert STAFF == DEMO_STAFF  # the canned backend of the gallery and UI tests too
    assert all(valid_pin(pin) for pin in DEMO_STAFF.values())
