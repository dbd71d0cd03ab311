"""What the ops console shows and does (issue #17), against the real service
over HTTP with the real kiosk client: towers and kiosks (a kiosk that stops
sending heartbeats turns stale on the service's clock), cars out and overdue,
bays in maintenance, payments, failed jobs, the tower filter, and the audited
actions; the kiosk's side of out-of-service is tests/kiosk/test_operator_service.py."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backend.models import IdentityLock, Job, OpsAudit, Payment
from backend.ops.views import STALE_AFTER_S, STUCK_JOB_S
from backend.rules import HOUR_S
from backend.seed import add_judged_selfie
from common.errors import BackendError
from tests.backend import conftest as backend_fixtures
from tests.ops.ops_rig import Console, operator

db_url, server, tower = backend_fixtures.db_url, backend_fixtures.server, backend_fixtures.tower
pytestmark = pytest.mark.allow_threads


def kiosk_row(html: str, kiosk_id: str) -> str:
    """The <tr> of one kiosk (its class says ok / warn / out / stale)."""
    rows = re.findall(r'<tr class="kiosk [a-z]+">.*?</tr>', html, re.S)
    mine = [r for r in rows if f'<td data-label="Kiosk">{kiosk_id}</td>' in r]
    assert len(mine) == 1, kiosk_id
    return mine[0]


def level(html: str, kiosk_id: str) -> str:
    return re.match(r'<tr class="kiosk ([a-z]+)">', kiosk_row(html, kiosk_id)).group(1)


def audit_rows(server, operator_name: str) -> list[tuple[str, str, str | None, str]]:
    with server.db.read() as s:
        return [(a.action, a.result, a.target, a.tower_id) for a in s.scalars(
            select(OpsAudit).where(OpsAudit.operator == operator_name).order_by(OpsAudit.id))]


def test_a_kiosk_that_stops_sending_heartbeats_turns_stale(server, tower):
    console = Console(server.url, *operator(server))
    assert level(console.fragment(tower=tower.tower_id), tower.kiosk_id) == "stale"  # never seen
    tower.client.heartbeat("ok", {"version": "1.2.3", "lift_ok": True}, version="1.2.3")
    page = console.fragment(tower=tower.tower_id)
    assert level(page, tower.kiosk_id) == "ok"
    assert "1.2.3" in kiosk_row(page, tower.kiosk_id) and "0 s" in kiosk_row(page, tower.kiosk_id)
    server.clock.advance(STALE_AFTER_S - 1)
    assert level(console.fragment(tower=tower.tower_id), tower.kiosk_id) == "ok"
    server.clock.advance(2)
    page = console.fragment(tower=tower.tower_id)
    assert level(page, tower.kiosk_id) == "stale" and "no heartbeat" in page
    tower.client.heartbeat("ok", {"lift_ok": False, "alerts": 2, "last_alert": "LIFT_FAULT"})
    row = kiosk_row(console.fragment(tower=tower.tower_id), tower.kiosk_id)
    assert 'class="kiosk warn"' in row and "lift down; 2 errors; LIFT_FAULT" in row


def test_the_tower_filter_shows_one_tower(server, tower):
    console = Console(server.url, *operator(server))
    everything = console.get("/ops").text
    assert tower.kiosk_id in everything and "K1" in everything and "T2-K1" in everything
    one = console.get("/ops", params={"tower": tower.tower_id}).text
    assert tower.kiosk_id in one and ">K1<" not in one and "T2-K1" not in one
    assert f'<option value="{tower.tower_id}" selected>' in one
    # An unknown tower is no filter (never an error page, never echoed).
    assert "T2-K1" in console.get("/ops", params={"tower": "<nope>"}).text


def test_out_of_service_reaches_the_kiosk_and_its_sessions(server, tower):
    name, password = operator(server)
    console = Console(server.url, name, password)
    member = tower.member()
    pass_text = tower.pass_text(member)
    r = console.post("/ops/kiosks/service", {"kiosk_id": tower.kiosk_id, "in_service": "0",
                                             "note": "screen cracked", "back": "/ops",
                                             "tower_filter": tower.tower_id})
    assert r.headers["location"] == f"/ops?tower={tower.tower_id}&msg=kiosk_out_of_service"
    assert "Kiosk taken out of service." in console.get(r.headers["location"]).text
    answer = tower.client.heartbeat("ok", {})
    assert answer.out_of_service and answer.out_of_service_note == "screen cracked"
    with pytest.raises(BackendError) as refused:
        tower.client.redeem_pass(pass_text)
    assert refused.value.context["code"] == "KIOSK_OUT_OF_SERVICE"
    assert refused.value.context["status"] == 409
    row = kiosk_row(console.fragment(tower=tower.tower_id), tower.kiosk_id)
    assert 'class="kiosk out"' in row and f"by {name}: screen cracked" in row
    assert "Back in service" in row
    console.post("/ops/kiosks/service", {"kiosk_id": tower.kiosk_id, "in_service": "1"})
    assert not tower.client.heartbeat("ok", {}).out_of_service
    assert tower.client.redeem_pass(pass_text).session_id  # the refused pass was not spent
    assert audit_rows(server, name)[2:] == [
        ("kiosk_out_of_service", "ok", tower.kiosk_id, tower.tower_id),
        ("kiosk_in_service", "ok", tower.kiosk_id, tower.tower_id)]
    audit_page = console.get("/ops/audit").text
    assert re.search(rf"{name}</td>.*?kiosk_out_of_service.*?screen cracked", audit_page, re.S)
    bad = console.post("/ops/kiosks/service", {"kiosk_id": "no-such-kiosk", "in_service": "0"})
    assert bad.headers["location"].endswith("msg=KIOSK_UNKNOWN")
    assert audit_rows(server, name)[-1] == ("kiosk_out_of_service", "KIOSK_UNKNOWN",
                                            "no-such-kiosk", None)


def test_a_bay_in_and_out_of_maintenance(server, tower):
    name, password = operator(server)
    console = Console(server.url, name, password)
    bay = next(b.bay for b in tower.client.bays().bays if b.car_id)
    on = console.post("/ops/bays/maintenance", {"tower": tower.tower_id, "bay": str(bay),
                                                "on": "1", "note": "sensor", "back": "/ops/bays"})
    assert on.headers["location"] == "/ops/bays?msg=bay_maintenance_on"
    assert next(b for b in tower.client.bays().bays if b.bay == bay).maintenance
    listing = console.get("/ops/bays", params={"tower": tower.tower_id}).text
    assert re.search(rf'data-label="Bay">{bay}</td>.*?sensor', listing, re.S)
    console.post("/ops/bays/maintenance", {"tower": tower.tower_id, "bay": str(bay), "on": "0"})
    assert not next(b for b in tower.client.bays().bays if b.bay == bay).maintenance
    assert "No bay is in maintenance." in console.get(
        "/ops/bays", params={"tower": tower.tower_id}).text
    unknown = console.post("/ops/bays/maintenance", {"tower": tower.tower_id, "bay": "999",
                                                     "on": "1"})
    assert unknown.headers["location"].endswith("msg=BAY_UNKNOWN")
    for bad in ({"bay": "x"}, {"bay": "12345678"}, {"on": "2"}, {"tower": ""}):
        form = {"tower": tower.tower_id, "bay": str(bay), "on": "1", **bad}
        assert console.post("/ops/bays/maintenance", form).headers["location"].endswith(
            "msg=BAD_FORM"), bad
    assert [r[:3] for r in audit_rows(server, name)[2:]] == [
        ("bay_maintenance_on", "ok", f"bay {bay}"), ("bay_maintenance_off", "ok", f"bay {bay}"),
        ("bay_maintenance_on", "BAY_UNKNOWN", "bay 999")]


def test_cars_out_overdue_first_payments_and_failed_jobs(server, tower):
    now = tower.now()
    late = tower.member(drives=[(now - 80 * HOUR_S, None)])  # due 72 h after: 8 h late
    tower.member(drives=[(now - 2 * HOUR_S, None)])
    console = Console(server.url, *operator(server))
    cars = console.get("/ops/cars", params={"tower": tower.tower_id}).text
    rows = re.findall(r"<tr( class=\"overdue\")?><td", cars)
    assert len(rows) == 2 and rows[0] and not rows[1]  # the overdue one first
    assert "8 h" in cars and late[:6] in cars and late not in cars  # short member ids only
    session_member = tower.member(credit=650)
    session = tower.session(session_member)
    car = tower.add_car("Aurora", "white")
    with server.db.write() as s:
        s.add(Payment(id="P-ops-1", session_id=session.session_id, member_id=late,
                      kiosk_id=tower.kiosk_id, tower_id=tower.tower_id, amount_minor=9900,
                      currency="CNY", state="refunded", created_at=now, expires_at=now + 180,
                      refund_reason="lift_failed"))
        for i, (state, age_s) in enumerate((("failed_moved", 10.0), ("pending", STUCK_JOB_S + 60),
                                            ("pending", 60.0), ("delivered", 10.0))):
            s.add(Job(id=f"J-ops-{tower.tower_id}-{i}", kind="delivery",
                      tower_id=tower.tower_id, kiosk_id=tower.kiosk_id, member_id=late,
                      car_id=car, from_bay=1, to_bay=101, state=state,
                      created_at=now - age_s))
    pay = console.get("/ops/payments", params={"tower": tower.tower_id}).text
    assert "P-ops-1" in pay and "99.00 CNY" in pay and "lift_failed" in pay
    jobs = console.get("/ops/jobs", params={"tower": tower.tower_id}).text
    assert f"J-ops-{tower.tower_id}-0" in jobs and "failed_moved" in jobs
    assert f"J-ops-{tower.tower_id}-1" in jobs and "stuck (no report)" in jobs
    assert f"J-ops-{tower.tower_id}-2" not in jobs and f"J-ops-{tower.tower_id}-3" not in jobs
    towers = console.get("/ops", params={"tower": tower.tower_id}).text
    assert re.search(r'data-label="Cars out">2</td><td data-label="Overdue" '
                     r'class="overdue">1</td>', towers)
    assert 'data-label="Members locked out">0</td>' in towers
    with server.db.write() as s:  # a member who failed selfies here is locked out
        add_judged_selfie(s, session.session_id, tower.kiosk_id, now, live=False)
        s.add(IdentityLock(member_id=session_member, until=now + 60, since=now))
    towers = console.get("/ops", params={"tower": tower.tower_id}).text
    assert 'data-label="Members locked out" class="warn">1</td>' in towers
    server.clock.advance(61)
    assert 'data-label="Members locked out">0</td>' in console.get(
        "/ops", params={"tower": tower.tower_id}).text


def test_across_many_kiosks_the_overview_lists_those_needing_attention(server, tower,
                                                                      monkeypatch):
    from backend.ops import render

    monkeypatch.setattr(render, "KIOSKS_LISTED_MAX", 1)  # as if there were hundreds
    tower.client.heartbeat("ok", {})
    console = Console(server.url, *operator(server))
    everywhere = console.fragment()
    assert "Kiosks needing attention" in everywhere
    assert f">{tower.kiosk_id}<" not in everywhere  # OK: counted, not listed
    hidden = int(re.search(r"(\d+) kiosks that are OK are not listed", everywhere).group(1))
    assert hidden >= 1 and level(everywhere, "T2-K1") == "stale"  # never sent a heartbeat
    assert level(console.fragment(all="1"), tower.kiosk_id) == "ok"
    assert level(console.fragment(tower=tower.tower_id), tower.kiosk_id) == "ok"
    server.clock.advance(STALE_AFTER_S + 1)
    assert level(console.fragment(), tower.kiosk_id) == "stale"  # listed once it goes quiet
