"""Issue #17: replicas of the service on one PostgreSQL keep every rule.

Real replicas: ``python -m backend`` processes on their own ports sharing a
fresh PostgreSQL database (``KIOSK_TEST_PG_URL``; skipped without it), plus
one ``--workers 2`` supervisor. Kiosk K1 talks to replica A, K2 to replica B,
as a load balancer could send them.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.backend.pg import PG_ENV, fresh_pg_database

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV),
                                reason=f"needs PostgreSQL: set {PG_ENV}")

K1 = {"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1"}
K2 = {"Authorization": "Bearer demo-kiosk-key-2", "X-Kiosk-Id": "K2"}
_ARGS = ["--judge-workers", "1"]


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Any]]:
    from backend.server import spawn

    with fresh_pg_database(os.environ[PG_ENV]) as db_url:
        a, url_a = spawn(db_url, seed="demo", extra_args=_ARGS)
        try:
            b, url_b = spawn(db_url, seed="none", extra_args=_ARGS)
            try:
                yield {"db": db_url, "a": url_a, "b": url_b}
            finally:
                _stop(b)
        finally:
            _stop(a)


def _post(url: str, path: str, kiosk: dict[str, str], body: Any = None,
          http: Any = requests) -> requests.Response:
    return http.post(url + path, json=body if body is not None else {}, timeout=60,
                     headers={**kiosk, "Idempotency-Key": uuid.uuid4().hex})


def _members(db_url: str, n: int) -> list[str]:
    from backend.db import Database
    from backend.guard import hash_key
    from backend.models import Member
    from backend.seed import demo_member_token, load_templates

    ids = [f"fleet-{uuid.uuid4().hex[:10]}" for _ in range(n)]
    db = Database(db_url)
    try:
        with db.write() as s:
            s.add_all(Member(id=m, name="Fleet", credit_score=800,
                             template=load_templates()["astronaut"],
                             token_hash=hash_key(demo_member_token(m))) for m in ids)
    finally:
        db.dispose()
    return ids


def _session(url: str, kiosk: dict[str, str], member: str) -> str:
    from sim.member_app import fetch_member_pass

    text = fetch_member_pass(url, member, "T1")
    r = _post(url, "/v1/sessions", kiosk, {"pass_text": text})
    assert r.status_code == 200, r.text
    return r.json()["session_id"]


def _at_once(*calls: Any) -> list[requests.Response]:
    """Run the calls in threads released together."""
    gate = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        gate.wait(timeout=30)
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_replicas_racing_for_the_last_car_have_one_winner(fleet):
    m1, m2 = _members(fleet["db"], 2)
    s1, s2 = _session(fleet["a"], K1, m1), _session(fleet["b"], K2, m2)
    body = {"model": "Comet", "colour": "red"}  # exactly one in the demo stock
    for _ in range(8):
        r1, r2 = _at_once(
            lambda: _post(fleet["a"], "/v1/reservations", K1, {"session_id": s1, **body}),
            lambda: _post(fleet["b"], "/v1/reservations", K2, {"session_id": s2, **body}))
        codes = sorted([r1.status_code, r2.status_code])
        assert codes == [200, 409], (r1.text, r2.text)
        loser = r1 if r1.status_code == 409 else r2
        assert loser.json()["error"]["reason"] == "CAR_UNAVAILABLE"
        won, url, kiosk = ((r1, fleet["a"], K1) if r1.status_code == 200
                           else (r2, fleet["b"], K2))
        rid = won.json()["reservation_id"]
        assert _post(url, f"/v1/reservations/{rid}/release", kiosk).status_code == 200


def test_one_member_at_two_replicas_is_authorised_once(fleet):
    """The member rules (one open drive, the quota) hold when the same member
    verifies at two kiosks on two replicas at the same moment."""
    from backend.db import Database
    from backend.seed import add_judged_selfie

    (member,) = _members(fleet["db"], 1)
    s1 = _session(fleet["a"], K1, member)
    s2 = _session(fleet["b"], K2, member)
    r1 = _post(fleet["a"], "/v1/reservations", K1, {"session_id": s1, "model": "Aurora",
                                                    "colour": ""})
    r2 = _post(fleet["b"], "/v1/reservations", K2, {"session_id": s2, "model": "Breeze",
                                                    "colour": ""})
    assert r1.status_code == r2.status_code == 200, (r1.text, r2.text)
    db = Database(fleet["db"])
    try:
        with db.write() as s:
            sel1 = add_judged_selfie(s, s1, "K1", time.time())
            sel2 = add_judged_selfie(s, s2, "K2", time.time())
    finally:
        db.dispose()
    v1, v2 = _at_once(
        lambda: _post(fleet["a"], "/v1/verify", K1, {
            "session_id": s1, "reservation_id": r1.json()["reservation_id"],
            "selfie_id": sel1}),
        lambda: _post(fleet["b"], "/v1/verify", K2, {
            "session_id": s2, "reservation_id": r2.json()["reservation_id"],
            "selfie_id": sel2}))
    assert sorted([v1.status_code, v2.status_code]) == [200, 409], (v1.text, v2.text)
    loser = v1 if v1.status_code == 409 else v2
    assert loser.json()["error"]["reason"] == "DRIVE_OPEN"


def test_the_quota_counts_drives_taken_at_any_replica(fleet):
    """The fifth drive in the window, taken and brought back through replica
    A, closes the quota at replica B (the demo tower: 5 drives in 60 days)."""
    from backend.db import Database
    from backend.models import Car
    from backend.seed import add_drive

    (member,) = _members(fleet["db"], 1)
    db = Database(fleet["db"])
    try:
        with db.write() as s:
            s.add(Car(id=f"car-q-{member}", tower_id="T1", model_id="Aurora",
                      colour_id="white", bay=None, state="out"))
            s.flush()
            for i in range(4):  # four returned drives, 10-40 days ago
                start = time.time() - (i + 1) * 10 * 86400
                add_drive(s, f"dq-{i}-{member}", member, f"car-q-{member}", "T1", start,
                          returned_at=start + 3600)
    finally:
        db.dispose()
    from backend.seed import add_judged_selfie

    s1 = _session(fleet["a"], K1, member)
    held = _post(fleet["a"], "/v1/reservations", K1, {"session_id": s1, "model": "Breeze",
                                                      "colour": ""})
    assert held.status_code == 200, held.text
    db = Database(fleet["db"])
    try:
        with db.write() as s:
            selfie = add_judged_selfie(s, s1, "K1", time.time())
    finally:
        db.dispose()
    auth = _post(fleet["a"], "/v1/verify", K1, {"session_id": s1, "selfie_id": selfie,
                                                "reservation_id": held.json()["reservation_id"]})
    assert auth.status_code == 200, auth.text
    assert _post(fleet["a"], f"/v1/jobs/{auth.json()['job_id']}/report", K1,
                 {"outcome": "delivered"}).status_code == 200
    s2 = _session(fleet["a"], K1, member)
    back = _post(fleet["a"], "/v1/returns", K1, {"session_id": s2})
    assert _post(fleet["a"], f"/v1/jobs/{back.json()['job_id']}/report", K1,
                 {"outcome": "delivered"}).status_code == 200
    from sim.member_app import fetch_member_pass

    at_b = _post(fleet["b"], "/v1/sessions", K2,
                 {"pass_text": fetch_member_pass(fleet["b"], member, "T1")})
    assert at_b.status_code == 200, at_b.text
    eligibility = at_b.json()["eligibility"]
    assert eligibility["can_drive"] is False and eligibility["reason"] == "QUOTA_EXCEEDED"


def test_returns_at_one_tower_at_once_get_different_bays(fleet):
    """Each return job gets a free storage bay; several started at one moment
    (two kiosks, two replicas) must not get the same one, or the second
    report would break the one-car-per-bay rule and never be recorded."""
    from backend.db import Database
    from backend.models import Car
    from backend.seed import add_drive

    members = _members(fleet["db"], 8)
    db = Database(fleet["db"])
    try:
        with db.write() as s:
            for m in members:
                s.add(Car(id=f"car-{m}", tower_id="T1", model_id="Aurora", colour_id="white",
                          bay=None, state="out"))
                s.flush()
                add_drive(s, f"drive-{m}", m, f"car-{m}", "T1", time.time() - 3600)
    finally:
        db.dispose()
    # Half through replica A as kiosk K1, half through B as K2, all at once.
    ends = [(fleet["a"], K1) if i % 2 else (fleet["b"], K2) for i in range(len(members))]
    sessions = [_session(url, kiosk, m) for (url, kiosk), m in zip(ends, members, strict=True)]
    jobs = _at_once(*[lambda u=url, k=kiosk, s=sid: _post(u, "/v1/returns", k, {"session_id": s})
                      for (url, kiosk), sid in zip(ends, sessions, strict=True)])
    assert all(j.status_code == 200 for j in jobs), [j.text for j in jobs]
    bays = [j.json()["to_bay"] for j in jobs]
    assert len(set(bays)) == len(bays), bays
    reports = _at_once(*[lambda u=url, k=kiosk, j=job: _post(
        u, f"/v1/jobs/{j.json()['job_id']}/report", k, {"outcome": "delivered"})
        for (url, kiosk), job in zip(ends, jobs, strict=True)])
    assert all(r.status_code == 200 for r in reports), [r.text for r in reports]


def test_a_sign_in_block_made_at_one_replica_holds_at_the_other(fleet):
    from backend.guard import ADDRESS_LIMIT
    from tests.security.backend_door import client_from

    guesser = client_from("127.0.0.61")
    wrong = {"Authorization": "Bearer not-the-key", "X-Kiosk-Id": "K1"}
    codes = [guesser.get(fleet["a"] + "/v1/bays", headers=wrong, timeout=30).status_code
             for _ in range(ADDRESS_LIMIT.failures)]
    assert codes == [401] * ADDRESS_LIMIT.failures
    # Replica B reads the blocks in force at most a second late: wait for it.
    deadline = time.monotonic() + 15
    while True:
        got = guesser.get(fleet["b"] + "/v1/bays", headers=K1, timeout=30)
        if got.status_code == 429 or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling the other replica's state, not waiting for time
    assert got.status_code == 429 and int(got.headers["Retry-After"]) > 0
    other = client_from("127.0.0.62")
    assert other.get(fleet["b"] + "/v1/bays", headers=K1, timeout=30).status_code == 200


def test_a_staff_name_locked_at_one_replica_is_locked_at_the_other(fleet):
    """Known or not, a name locked by wrong PINs is locked on every replica
    (an unknown name's lock too: otherwise the replicas would tell them apart)."""
    for name in ("sam", "nobody-here"):
        codes = [_post(fleet["a"], "/v1/staff/sessions", K1, {"name": name, "pin": "000000"})
                 for _ in range(5)]
        assert [c.json()["error"]["reason"] for c in codes] == ["STAFF_DENIED"] * 4 + [
            "STAFF_LOCKED"]
        at_b = _post(fleet["b"], "/v1/staff/sessions", K2, {"name": name, "pin": "000000"})
        assert at_b.status_code == 403 and at_b.json()["error"]["reason"] == "STAFF_LOCKED"


def test_an_operator_name_locked_at_one_replica_is_locked_at_the_other(fleet):
    """The console's lockout too: a real operator's name and a made-up one,
    locked by wrong passwords at replica A, are both locked at replica B."""
    from backend.db import Database
    from backend.ops.accounts import add_operator
    from tests.ops.ops_rig import login
    from tests.security.backend_door import client_from

    real = f"op-{uuid.uuid4().hex[:8]}"
    db = Database(fleet["db"])
    try:
        add_operator(db, real, "a right password", time.time())
    finally:
        db.dispose()
    for i, name in enumerate((real, f"nobody-{real}")):
        http = client_from(f"127.0.0.{21 + i}")  # 6 failures each: under the address's 10
        answers = [login(fleet["a"], name, "a wrong password", http)[1] for _ in range(5)]
        assert [a.status_code for a in answers] == [403] * 5
        assert "Wrong name or password." in answers[3].text
        assert "Too many wrong passwords" in answers[4].text, name
        at_b = login(fleet["b"], name, "a wrong password", http)[1]
        assert at_b.status_code == 403 and "Too many wrong passwords" in at_b.text, name


def _frames(n: int, start_ms: int) -> dict[str, Any]:
    import base64

    import cv2
    import numpy as np

    ok, jpeg = cv2.imencode(".jpg", np.full((240, 320, 3), 90, np.uint8))
    assert ok
    data = base64.b64encode(jpeg.tobytes()).decode("ascii")
    return {"frames": [{"t_ms": start_ms + i, "jpeg": data} for i in range(n)]}


def test_a_selfie_opened_at_one_replica_is_judged_there_through_the_other(fleet):
    (member,) = _members(fleet["db"], 1)
    session = _session(fleet["a"], K1, member)
    opened = _post(fleet["a"], "/v1/selfies", K1, {"session_id": session})
    assert opened.status_code == 200, opened.text
    sid = opened.json()["selfie_id"]
    # The frames reach B; B hands them to A, whose judge holds the selfie.
    via_b = _post(fleet["b"], f"/v1/selfies/{sid}/frames", K1, _frames(3, 1))
    assert via_b.status_code == 200, via_b.text
    assert via_b.json()["frames_total"] == 3
    via_a = _post(fleet["a"], f"/v1/selfies/{sid}/frames", K1, _frames(3, 4))
    assert via_a.json()["frames_total"] == 6  # one selfie, one track
    done = _post(fleet["b"], f"/v1/selfies/{sid}/finish", K1)
    assert done.status_code == 200, done.text
    # Judged by A's worker on its frames (no face: not live), not lost in transit.
    assert done.json()["live"] is False and done.json()["reason"] != "interrupted"
    # Another kiosk's credentials do not become valid by being forwarded.
    assert _post(fleet["b"], f"/v1/selfies/{sid}/finish", K2).status_code == 404


def test_a_selfie_whose_replica_is_gone_is_interrupted_not_failed(fleet):
    from backend.server import spawn

    c, url_c = spawn(fleet["db"], seed="none", extra_args=_ARGS)
    try:
        (member,) = _members(fleet["db"], 1)
        session = _session(url_c, K1, member)
        sid = _post(url_c, "/v1/selfies", K1, {"session_id": session}).json()["selfie_id"]
    finally:
        _stop(c)
    frames = _post(fleet["b"], f"/v1/selfies/{sid}/frames", K1, _frames(2, 1))
    assert frames.status_code == 409 and frames.json()["error"]["reason"] == "SELFIE_NOT_HERE"
    done = _post(fleet["b"], f"/v1/selfies/{sid}/finish", K1)
    assert done.json() == {"selfie_id": sid, "live": False, "reason": "interrupted"}


def test_workers_share_one_socket_and_one_metrics_page(fleet):
    from backend.server import spawn

    sup, url = spawn(fleet["db"], seed="none", extra_args=[*_ARGS, "--workers", "2"])
    try:
        for _ in range(12):  # a new connection each: the kernel picks a worker
            with requests.Session() as http:
                assert http.get(url + "/v1/health", timeout=30).status_code == 200
        m1, m2 = _members(fleet["db"], 2)
        s1, s2 = _session(url, K1, m1), _session(url, K2, m2)
        body = {"model": "Comet", "colour": "red"}
        r1, r2 = _at_once(
            lambda: _post(url, "/v1/reservations", K1, {"session_id": s1, **body}),
            lambda: _post(url, "/v1/reservations", K2, {"session_id": s2, **body}))
        assert sorted([r1.status_code, r2.status_code]) == [200, 409]
        won, kiosk = (r1, K1) if r1.status_code == 200 else (r2, K2)
        _post(url, f"/v1/reservations/{won.json()['reservation_id']}/release", kiosk)
        from prometheus_client.parser import text_string_to_metric_families

        page = requests.get(url + "/metrics", timeout=30).text
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for f in text_string_to_metric_families(page) for s in f.samples}
        health = samples[("kiosk_backend_requests_total", (
            ("method", "GET"), ("route", "/v1/health"), ("status", "200")))]
        assert health == 12  # summed over both workers, whichever answered
        assert samples[("kiosk_backend_reservations_total", (("outcome", "won"),))] == 1
        assert samples[("kiosk_backend_reservations_total", (("outcome", "lost"),))] == 1
    finally:
        sup.terminate()
        assert sup.wait(timeout=60) == 0
        sup.stdout.close()
