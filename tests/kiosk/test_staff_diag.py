"""The staff console's diagnostics: the bay audit, maintenance, service, logs,
the bundle, health, self-test, raw frames, the serial tap and staff-hash."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from drivers.lift_proto import (
    BayMap,
)
from kiosk.backend_client import TowerBays
from kiosk.journey import Event, Flow, State
from kiosk.staff.console import build_audit
from kiosk.staff.diag import describe_frames
from tests.kiosk.staff_rig import (
    KIOSK_KEY,
    PIN_HASH,
    actions,
    audit,
    bay,
    login,
    make_rig,
    results,
    settle,
)


@pytest.fixture
def rig(tmp_path: Path):
    yield from make_rig(tmp_path)


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
