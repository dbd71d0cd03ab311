"""Staff mode in the real window (pytest-qt): the corner gesture, the name and
PIN keypad (online via the backend, offline with the config's PIN), lockout,
idle logout, every tab, lift control refused during a customer job, moves
with confirmation, audit, service, bundle, serial console, exit."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from kiosk.journey import Flow, State
from kiosk.staff.gate import hash_pin
from tests.ui.fakes import Rig, make_rig
from ui.staff.canned import STAFF, equip
from ui.staff.namepad import key_name

NAME = "sam"
PIN = STAFF[NAME]  # sam's own PIN, checked by the (canned) backend
OFFLINE_PIN = "975310"  # the config's: only when the backend cannot be asked
PIN_HASH = hash_pin(OFFLINE_PIN)
ALICE_PIN = "135790"  # alice's personal offline PIN


@pytest.fixture
def srig(qtbot, tmp_path: Path):
    rig = make_rig(qtbot, config={
        "kiosk": {"data_dir": str(tmp_path / "data"), "log_dir": str(tmp_path / "logs")},
        "staff": {"pin_hash": PIN_HASH, "corner_press_s": 0.2,
                  "pins": {"alice": hash_pin(ALICE_PIN)}}})
    equip(rig.services)
    console = rig.window.staff.console
    console.self_test = lambda services: {"ok": True, "components": {
        "lift": {"ok": True, "ms": 1.0}}}
    console.follow_poll_s = 0.01
    console.gate.wall_clock = rig.clock  # the offline lockout counts down with the rig
    rig.exits: list[int] = []  # type: ignore[misc]
    console.on_exit = lambda: rig.exits.append(1)
    yield rig
    rig.close()


def touch(rig: Rig, name: str) -> None:
    btn = rig.button(name)
    assert btn.isEnabled(), f"{name} is disabled"
    QTest.mouseClick(btn, Qt.MouseButton.LeftButton, pos=btn.rect().center())


def corner_press(rig: Rig) -> None:
    target = rig.window.childAt(QPoint(10, 10)) or rig.window
    pos = target.mapFrom(rig.window, QPoint(10, 10))
    with rig.qtbot.waitSignal(rig.window.staff_requested, timeout=3000):
        QTest.mousePress(target, Qt.MouseButton.LeftButton, pos=pos)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, pos=pos)


def type_name(rig: Rig, name: str) -> None:
    for ch in name:
        touch(rig, key_name(ch))
    touch(rig, "staff_name_next")


def type_pin(rig: Rig, pin: str) -> None:
    for digit in pin:
        touch(rig, f"staff_key_{digit}")
    touch(rig, "staff_key_ok")


def keypad(rig: Rig) -> Any:
    return rig.window.staff.keypad


def login(rig: Rig, pin: str = PIN, name: str = NAME) -> None:
    corner_press(rig)
    rig.wait(lambda: keypad(rig).isVisible())
    type_name(rig, name)
    type_pin(rig, pin)
    rig.wait_state(State.STAFF)
    rig.wait(lambda: not keypad(rig).isVisible())


def page(rig: Rig, name: str) -> Any:
    return rig.window.staff.screen.page[name]


def audit_log(rig: Rig) -> list[tuple[str, str]]:
    return [(e["action"], e["result"]) for e in rig.window.staff.console.audit.entries()]


# -- entry --------------------------------------------------------------------------------

def test_corner_press_then_name_and_pin_enter_staff_mode(srig):
    corner_press(srig)
    srig.wait(lambda: keypad(srig).isVisible())
    assert not srig.button("staff_name_next").isEnabled()  # a name first
    type_name(srig, "sa")
    touch(srig, "staff_key_name")  # "Not sa?": back to the name
    touch(srig, key_name("s"))
    assert keypad(srig).typed.text() == "sas_"
    touch(srig, "staff_name_back")
    touch(srig, "staff_name_back")
    touch(srig, key_name("a"))
    touch(srig, key_name("m"))
    touch(srig, "staff_name_next")
    for key in [str(d) for d in range(10)] + ["ok", "back", "cancel", "name"]:
        btn = srig.button(f"staff_key_{key}")
        assert btn.height() >= 60 and btn.width() >= 60
    for digit in PIN[:5]:
        touch(srig, f"staff_key_{digit}")
    assert keypad(srig).dots.text() == "●●●●●"  # masked, never the digits
    assert not srig.button("staff_key_ok").isEnabled()  # 6 digits at least
    touch(srig, f"staff_key_{PIN[5]}")
    touch(srig, "staff_key_ok")
    srig.wait_state(State.STAFF)
    srig.wait(lambda: not keypad(srig).isVisible())
    assert srig.button("staff_tab_health").isChecked()
    assert not srig.window.header.language.isVisible()
    assert audit_log(srig) == [("login", "ok")]
    title = srig.window.staff.screen.title.text()
    assert title.endswith("· sam") and "offline" not in title  # the backend's session


def test_the_backend_says_wrong_name_or_pin_alike(srig):
    corner_press(srig)
    srig.wait(lambda: keypad(srig).isVisible())
    message = keypad(srig).message
    type_name(srig, "nobody")
    type_pin(srig, PIN)
    srig.wait(lambda: message.text() == "Wrong name or PIN.")
    touch(srig, "staff_key_name")
    for _ in "nobody":
        touch(srig, "staff_name_back")
    type_name(srig, NAME)
    type_pin(srig, OFFLINE_PIN)  # the offline PIN is no way in while the backend answers
    srig.wait(lambda: not keypad(srig).checking)
    assert message.text() == "Wrong name or PIN." and srig.state is not State.STAFF


def test_offline_wrong_pins_say_how_many_attempts_are_left_then_lock(srig):
    srig.services.staff_bays.unreachable = True
    corner_press(srig)
    srig.wait(lambda: keypad(srig).isVisible())
    message = keypad(srig).message
    type_name(srig, "kim")
    type_pin(srig, "111111")
    srig.wait(lambda: "4 attempt" in message.text())
    for left in (3, 2, 1):
        type_pin(srig, "111111")
        srig.wait(lambda n=left: f"{n} attempt" in message.text())
    type_pin(srig, "111111")
    srig.wait(lambda: "Try again in 5:00" in message.text())
    assert not srig.button("staff_key_5").isEnabled()
    srig.clock.advance(299)
    srig.wait(lambda: "Try again in 0:01" in message.text())
    srig.clock.advance(2)
    srig.wait(lambda: srig.button("staff_key_5").isEnabled())
    assert message.text() == "Enter your PIN"
    type_pin(srig, OFFLINE_PIN)
    srig.wait_state(State.STAFF)
    title = srig.window.staff.screen.title.text()
    assert "kim" in title and "offline: local work only" in title


def test_offline_staff_cannot_change_maintenance(srig):
    srig.services.staff_bays.unreachable = True
    login(srig, OFFLINE_PIN, "kim")
    touch(srig, "staff_tab_audit")
    audit = page(srig, "audit")
    touch(srig, "staff_btn_audit")
    srig.wait(lambda: audit.report is not None)
    btn = audit.maint_buttons[12]
    btn.click()
    srig.wait(lambda: audit.answers.count() == 1)
    assert not btn.isChecked()  # nothing changed
    assert "checked by the server" in audit.answers.latest()
    assert ("set_bay_maintenance", 12, True) not in srig.services.staff_bays.calls
    assert audit_log(srig)[-1] == ("bay_maintenance", "refused: offline")


def test_no_keypad_while_a_member_is_mid_journey(srig):
    srig.to_scan(Flow.TEST_DRIVE)
    corner_press(srig)
    notice = srig.window.staff.notice
    srig.wait(lambda: notice.isVisible())
    assert "customer's journey" in notice.text()
    assert not keypad(srig).isVisible() and srig.state is State.SCAN
    assert audit_log(srig) == [("entry", "refused: customer_journey")]


def test_idle_staff_are_logged_out_back_to_attract(srig):
    login(srig)
    srig.clock.advance(100)
    touch(srig, "staff_tab_lift")  # a touch restarts the idle clock
    srig.clock.advance(100)
    srig.wait(lambda: "Auto-logout in 0:20" in srig.window.staff.screen.idle.text())
    assert srig.state is State.STAFF
    srig.clock.advance(21)
    srig.wait_state(State.ATTRACT)
    assert audit_log(srig)[-1] == ("logout", "idle")


def test_logout_button(srig):
    login(srig)
    touch(srig, "staff_btn_logout")
    srig.wait_state(State.ATTRACT)
    assert audit_log(srig)[-1] == ("logout", "exit")


# -- pages --------------------------------------------------------------------------------

def test_each_tab_renders(srig):
    login(srig)
    health = page(srig, "health")
    srig.wait(lambda: len(health.sections) == 4)
    assert health.isVisible() and health.preview.running
    srig.wait(lambda: health.backend.values["version"].text() == "0.1.0")
    assert health.lift.values["link"].text() == "up"
    touch(srig, "staff_tab_lift")
    lift = page(srig, "lift")
    srig.wait(lambda: lift.pick_from.count() == 32 and "level 0" in lift.status.text())
    assert lift.isVisible() and not health.preview.running
    assert lift.pick_door.count() == 2
    touch(srig, "staff_tab_audit")
    assert page(srig, "audit").isVisible()
    touch(srig, "staff_tab_service")
    service = page(srig, "service")
    assert service.isVisible()
    srig.wait(lambda: service.log_view.toPlainText() != "")
    for name in ("health", "lift", "audit", "service"):
        assert srig.button(f"staff_tab_{name}").isChecked() == (name == "service")


def test_health_shows_the_tower_s_identity_lockouts(srig):
    from datetime import UTC, datetime, timedelta

    from kiosk.backend_client import LockAlert
    from ui.i18n import language_manager

    login(srig)
    health = page(srig, "health")
    value = health.lockouts
    srig.wait(lambda: len(health.sections) == 4)
    assert health.lockouts_key.text() == "Identity lockouts"
    assert value.text() == "none" and value.property("role") == "staff_value"
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    srig.services.backend.lockouts = (LockAlert("demo-o…", until),)
    srig.kiosk.send_heartbeat()
    srig.wait(lambda: bool(srig.kiosk.health.lockouts) and not health._waiting)
    health.refresh()
    def hm(t: datetime) -> str:
        return t.astimezone().strftime("%H:%M")  # the kiosk's local time

    hhmm = hm(until)
    srig.wait(lambda: value.text() == f"demo-o… until {hhmm}")
    assert value.property("role") == "staff_value_bad"
    assert value.objectName() == "staff_health_lockouts"
    language_manager().set_language("zh_CN")
    srig.wait(lambda: value.text() == f"demo-o… 锁定至 {hhmm}")
    assert health.lockouts_key.text() == "身份核验锁定"
    # Many at once: the soonest few, then how many more; an ended one is not shown.
    ended = (LockAlert("gone1…", until - timedelta(minutes=30)),
             LockAlert("gone2…", until - timedelta(minutes=25)))
    later = tuple(LockAlert(f"m{i}…", until + timedelta(minutes=5 - i)) for i in range(6))
    srig.services.backend.lockouts = ended + later
    srig.kiosk.send_heartbeat()
    srig.wait(lambda: len(srig.kiosk.health.lockouts) == 8 and not health._waiting)
    health.refresh()
    srig.wait(lambda: value.text().endswith("另有 2 人"))
    assert value.text().splitlines() == [
        f"m{i}… 锁定至 {hm(later[i].retry_at)}" for i in (5, 4, 3, 2)] + ["另有 2 人"]


def test_manual_lift_controls_are_refused_during_a_customer_job(srig):
    login(srig)
    touch(srig, "staff_tab_lift")
    lift = page(srig, "lift")
    srig.wait(lambda: lift.pick_from.count() > 0)
    srig.services.dispatcher.busy = True
    for name in ("staff_btn_home", "staff_btn_ack_fault", "staff_btn_door_open"):
        touch(srig, name)
    touch(srig, "staff_btn_move")
    touch(srig, "staff_btn_confirm")
    srig.wait(lambda: lift.answers.count() == 4)
    assert all("customer's car is on the lift" in lift.answers.item(i).text()
               for i in range(4))
    assert [c[0] for c in srig.services.lift.calls if c[0] != "status"] == ["bay_map"]
    assert [a for a in audit_log(srig) if a[0] != "login"] == [
        ("lift_home", "refused: customer_job"), ("ack_fault", "refused: customer_job"),
        ("door_open", "refused: customer_job"), ("lift_move", "refused: customer_job")]


def test_lift_commands_show_the_controller_answers(srig):
    login(srig)
    touch(srig, "staff_tab_lift")
    lift = page(srig, "lift")
    srig.wait(lambda: lift.pick_door.count() == 2)
    touch(srig, "staff_btn_home")
    srig.wait(lambda: lift.answers.count() == 1)
    touch(srig, "staff_btn_door_open")
    srig.wait(lambda: lift.answers.count() == 2 and "open" in lift.status.text())
    assert "OK" in lift.answers.latest()
    calls = [c for c in srig.services.lift.calls if c[0] in ("home", "open_door")]
    assert calls == [("home",), ("open_door", 101)]


def test_a_move_needs_confirmation_then_runs(srig):
    login(srig)
    touch(srig, "staff_tab_lift")
    lift = page(srig, "lift")
    srig.wait(lambda: lift.pick_from.count() == 32)
    assert (lift.pick_from.currentData(), lift.pick_to.currentData()) == (1, 6)
    touch(srig, "staff_btn_move")
    confirm = srig.window.staff.screen.confirm
    assert confirm.isVisible() and "bay 1 to bay 6" in confirm.text.text()
    touch(srig, "staff_btn_cancel")
    assert not confirm.isVisible()
    assert not [c for c in srig.services.lift.calls if c[0] == "move"]
    touch(srig, "staff_btn_move")
    touch(srig, "staff_btn_confirm")
    srig.wait(lambda: "DONE" in lift.answers.latest())
    moves = [c for c in srig.services.lift.calls if c[0] == "move"]
    assert len(moves) == 1 and moves[0][1].startswith("STAFF-") and moves[0][2:] == (1, 6)
    assert ("move_car", 1, 6) in srig.services.staff_bays.calls  # the books first
    assert "backend updated" in lift.answers.latest()
    srig.wait(lambda: lift.pick_from.currentData() != 1)  # the bay map was read again


def test_audit_highlights_mismatches_and_toggles_maintenance(srig):
    login(srig)
    touch(srig, "staff_tab_audit")
    audit = page(srig, "audit")
    touch(srig, "staff_btn_audit")
    srig.wait(lambda: audit.report is not None)
    assert "1 mismatch" in audit.summary.text()
    table = audit.table
    assert table.item(0, 0).text() == "12"  # mismatches first
    assert table.item(0, 0).background().color().name() == "#4a3a1c"
    assert table.item(1, 0).background().style() == Qt.BrushStyle.NoBrush
    btn = audit.maint_buttons[12]
    assert not btn.isChecked()
    btn.click()
    srig.wait(lambda: audit.answers.count() == 1)
    assert btn.isChecked() and "maintenance" in audit.answers.latest()
    assert ("set_bay_maintenance", 12, True) in srig.services.staff_bays.calls
    assert audit_log(srig)[-2:] == [("audit", "mismatch"), ("bay_maintenance", "ok")]


def test_service_out_and_back_in(srig):
    login(srig)
    touch(srig, "staff_tab_service")
    touch(srig, "staff_btn_service")
    assert srig.window.staff.console.out_of_service
    touch(srig, "staff_btn_logout")
    srig.wait_state(State.OUT_OF_SERVICE)
    login(srig)
    touch(srig, "staff_tab_service")
    assert srig.button("staff_btn_service").isChecked()
    touch(srig, "staff_btn_service")
    touch(srig, "staff_btn_logout")
    srig.wait_state(State.ATTRACT)


def test_health_says_the_operations_centre_holds_the_kiosk(srig):
    srig.services.backend.out_of_service = True
    srig.kiosk.send_heartbeat()
    srig.wait(lambda: srig.kiosk.operator_out_of_service)
    login(srig)
    health = page(srig, "health")
    health.refresh()
    service = health.system.values["service"]
    srig.wait(lambda: service.text() == "out of service (operations centre)")
    assert service.property("role") == "staff_value_bad"


def test_log_viewer_filters_by_level(srig):
    console = srig.window.staff.console
    console.log_path.parent.mkdir(parents=True, exist_ok=True)
    console.log_path.write_text(
        '{"t": "2025-01-01T10:00:00Z", "level": "INFO", "logger": "k", "msg": "hello"}\n'
        '{"t": "2025-01-01T10:00:01Z", "level": "ERROR", "logger": "k", "msg": "broken"}\n')
    login(srig)
    touch(srig, "staff_tab_service")
    view = page(srig, "service").log_view
    srig.wait(lambda: "hello" in view.toPlainText() and "broken" in view.toPlainText())
    touch(srig, "staff_log_error")
    srig.wait(lambda: "hello" not in view.toPlainText())
    assert "broken" in view.toPlainText()


def test_export_a_bundle_to_a_chosen_folder(srig, tmp_path):
    login(srig)
    touch(srig, "staff_tab_service")
    service = page(srig, "service")
    service.export_dir.setText(str(tmp_path / "usb"))
    touch(srig, "staff_btn_export")
    srig.wait(lambda: "Saved" in service.export_result.text())
    [zip_path] = list((tmp_path / "usb").glob("kiosk-diagnostics-*.zip"))
    with zipfile.ZipFile(zip_path) as z:
        assert {"config.json", "self_test.json", "staff_audit.jsonl"} <= set(z.namelist())


def test_serial_console_shows_raw_frames(srig):
    login(srig)
    touch(srig, "staff_tab_service")
    touch(srig, "staff_btn_serial_status")
    view = page(srig, "service").serial_view
    srig.wait(lambda: "STATUS:" in view.toPlainText())
    text = view.toPlainText()
    assert "→ STATUS seq=49" in text and "02 00 31 21" in text and "← STATUS reply" in text


def test_a_personal_offline_pin_names_who_is_working(srig):
    srig.services.staff_bays.unreachable = True
    login(srig, ALICE_PIN, "x")  # whose PIN it is names who works, whatever was typed
    title = srig.window.staff.screen.title.text()
    assert "· alice ·" in title and title.endswith("offline: local work only"), title
    touch(srig, "staff_tab_lift")
    touch(srig, "staff_btn_home")
    srig.wait(lambda: ("lift_home", "ok") in audit_log(srig))
    who = {e["who"] for e in srig.window.staff.console.audit.entries()
           if e["action"] in ("login", "lift_home")}
    assert who == {"alice"}
    touch(srig, "staff_btn_logout")
    srig.wait_state(State.ATTRACT)
    login(srig, OFFLINE_PIN, "kim")  # the shared offline PIN: the name typed
    assert "alice" not in srig.window.staff.screen.title.text()
    assert "kim" in srig.window.staff.screen.title.text()


def test_exit_asks_first(srig):
    login(srig)
    touch(srig, "staff_tab_service")
    touch(srig, "staff_btn_exit")
    touch(srig, "staff_btn_cancel")
    assert srig.exits == []
    touch(srig, "staff_btn_exit")
    touch(srig, "staff_btn_confirm")
    assert srig.exits == [1]
    assert ("exit_app", "ok") in audit_log(srig)


@pytest.mark.slow
def test_staff_tour_autopilot_through_the_real_parts(tmp_path):
    """`kiosk autopilot --scenario staff-tour`: demo backend, simulator on a pty, real screens."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "cli", "autopilot", "--scenario", "staff-tour",
           "--screenshots", str(tmp_path)]
    proc = subprocess.run(cmd, cwd=root, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=280)
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["outcome"] == "ok" and proc.returncode == 0, (summary, proc.stderr[-2000:])
    assert list(summary)[-1] == "outcome"
    for screen in ("staff-keypad", "staff-health", "staff-lift", "staff-audit", "staff-service"):
        assert screen in summary["screens"]
    moved = summary["moved"]
    # The backend recorded the staff move: the audit agrees on both bays.
    assert summary["move_answer"].endswith("backend updated"), summary["move_answer"]
    assert str(moved["from_bay"]) not in summary["audit_mismatches"]
    assert str(moved["to_bay"]) not in summary["audit_mismatches"]
    assert {"config.json", "self_test.json", "dispatch.sqlite"} <= set(summary["bundle"])
    assert len(list(tmp_path.glob("*.png"))) == len(summary["screens"])
