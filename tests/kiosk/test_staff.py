"""Staff PIN hashing, lockout, idle logout and the audit log."""

from __future__ import annotations

import pytest

from common.errors import Reason, StaffError
from kiosk.staff import AuditLog, StaffGate, hash_pin, verify_pin

PIN_HASH = hash_pin("2468")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.parametrize(("pin", "stored", "ok"), [
    ("2468", PIN_HASH, True),
    ("2469", PIN_HASH, False),
    ("", PIN_HASH, False),
    ("2468", "", False),
    ("2468", "plain$2468", False),
    ("2468", "scrypt$x$8$1$AAAA$AAAA", False),
    ("2468", PIN_HASH.replace("scrypt", "md5"), False),
])
def test_verify_pin_table(pin, stored, ok):
    assert verify_pin(pin, stored) is ok


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123", ""])
def test_hash_refuses_weak_pins(pin):
    with pytest.raises(StaffError):
        hash_pin(pin)


def test_hash_is_salted():
    assert hash_pin("2468") != hash_pin("2468")


def test_lockout_after_five_wrong_then_unlock(tmp_path):
    clock = Clock()
    audit = AuditLog(tmp_path)
    gate = StaffGate(PIN_HASH, clock=clock, audit=audit)
    for left in (4, 3, 2, 1):
        with pytest.raises(StaffError) as info:
            gate.login("0000")
        assert info.value.reason is Reason.STAFF_DENIED
        assert info.value.context["attempts_left"] == left
    with pytest.raises(StaffError) as info:
        gate.login("0000")
    assert info.value.reason is Reason.STAFF_LOCKED
    with pytest.raises(StaffError) as info:
        gate.login("2468")  # even the right PIN waits out the lockout
    assert info.value.reason is Reason.STAFF_LOCKED
    clock.t += 299
    assert gate.locked_for_s() == pytest.approx(1)
    clock.t += 1
    assert gate.login("2468").who == "staff"
    results = [e["result"] for e in audit.entries()]
    assert results == ["denied"] * 4 + ["denied; locked", "locked", "ok"]


def test_idle_logout(tmp_path):
    clock = Clock()
    gate = StaffGate(PIN_HASH, clock=clock, audit=AuditLog(tmp_path))
    gate.login("2468")
    clock.t += 100
    gate.touch()
    clock.t += 119
    assert not gate.expired()
    clock.t += 1
    assert gate.expired() and gate.session is None


def test_disabled_without_hash(tmp_path):
    gate = StaffGate("", audit=AuditLog(tmp_path))
    with pytest.raises(StaffError):
        gate.login("2468")


def test_audit_survives_restart_and_torn_lines(tmp_path):
    AuditLog(tmp_path).append("staff", "lift.home", "ok")
    with (tmp_path / AuditLog.FILE).open("a") as fh:
        fh.write('{"torn": ')
    log2 = AuditLog(tmp_path)
    log2.append("staff", "exit", "ok")
    assert [e["action"] for e in log2.entries()] == ["lift.home", "exit"]


def test_personal_pins_name_who_logged_in(tmp_path):
    """[staff] pins: the audit says who; the shared PIN still works as "staff"."""
    audit = AuditLog(tmp_path)
    gate = StaffGate(PIN_HASH, pins={"alice": hash_pin("1357"), "bob": hash_pin("8642")},
                     clock=Clock(), audit=audit)
    assert gate.login("8642").who == "bob"
    gate.record("lift_home", "ok")
    gate.logout()
    assert gate.login("2468").who == "staff"
    gate.logout()
    with pytest.raises(StaffError):
        gate.login("1111")
    assert gate.attempts_left() == 4
    assert gate.login("1357").who == "alice"
    rows = [(e["who"], e["action"], e["result"]) for e in audit.entries()]
    assert rows == [("bob", "login", "ok"), ("bob", "lift_home", "ok"), ("bob", "logout", "exit"),
                    ("staff", "login", "ok"), ("staff", "logout", "exit"),
                    ("staff", "login", "denied"), ("alice", "login", "ok")]


def test_personal_pins_alone_enable_staff_entry(tmp_path):
    gate = StaffGate("", pins={"carol": hash_pin("97531")}, audit=AuditLog(tmp_path))
    assert gate.enabled
    assert gate.login("97531").who == "carol"
