"""Auth, idempotency and hostile request bodies: 4xx, never 500, never data
without credentials."""

from __future__ import annotations

import json
import secrets
import socket

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.models import KioskSession, Selfie
from tests.backend.backend_rig import ASTRONAUT

pytestmark = pytest.mark.allow_threads

ENDPOINTS = [("GET", "/v1/inventory"), ("GET", "/v1/bays"), ("GET", "/v1/kiosks"),
             ("POST", "/v1/sessions"), ("POST", "/v1/reservations"),
             ("POST", "/v1/reservations/R-1/release"), ("POST", "/v1/verify"),
             ("POST", "/v1/selfies"), ("POST", "/v1/selfies/S-1/frames"),
             ("POST", "/v1/selfies/S-1/finish"),
             ("POST", "/v1/jobs/J-1/report"), ("POST", "/v1/returns"),
             ("POST", "/v1/orders"), ("POST", "/v1/bays/1/maintenance"),
             ("POST", "/v1/heartbeat"), ("GET", "/v1/no-such-thing")]


def _bad_credentials(tower):
    return [
        {},
        {"X-Kiosk-Id": tower.kiosk_id},
        {"Authorization": f"Bearer {tower.key}"},
        {"Authorization": "Bearer wrong-key", "X-Kiosk-Id": tower.kiosk_id},
        {"Authorization": f"Bearer {tower.key}", "X-Kiosk-Id": "K1"},  # another kiosk's id
        {"Authorization": f"Basic {tower.key}", "X-Kiosk-Id": tower.kiosk_id},
        {"Authorization": "Bearer ", "X-Kiosk-Id": tower.kiosk_id},
        {"Authorization": f"Bearer {tower.key}", "X-Kiosk-Id": "x" * 1000},
    ]


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_no_credentials_no_data(tower, method, path):
    for headers in _bad_credentials(tower):
        r = requests.request(method, tower.url + path, headers={**headers,
                             "Idempotency-Key": secrets.token_hex(8)},
                             data=b"{not json", timeout=10)
        assert r.status_code == 401, (headers, r.text)
        assert r.json() == {"error": {"reason": "UNAUTHORIZED",
                                      "message": "Kiosk credentials missing or wrong."}}
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_public_endpoints_need_no_credentials(tower):
    for path in ("/v1/health", "/v1/pass-key", "/openapi.json"):
        assert requests.get(tower.url + path, timeout=10).status_code == 200
    spec = requests.get(tower.url + "/openapi.json", timeout=10).json()
    assert {"/v1/sessions", "/v1/verify", "/v1/reservations", "/v1/jobs/{job_id}/report",
            "/v1/returns", "/v1/orders", "/v1/bays", "/v1/heartbeat", "/v1/selfies",
            "/v1/selfies/{selfie_id}/frames", "/v1/selfies/{selfie_id}/finish",
            "/v1/payments", "/v1/payments/{payment_id}", "/v1/payments/{payment_id}/cancel",
            "/v1/member/payments/{payment_id}/pay",
            } <= set(spec["paths"])
    # Verify names a selfie the backend judged (and a paid drive's payment):
    # never a live flag or an embedding.
    verify_in = spec["components"]["schemas"]["VerifyIn"]
    assert set(verify_in["properties"]) == {"session_id", "reservation_id", "selfie_id",
                                            "payment_id"}
    assert set(verify_in["required"]) == {"session_id", "reservation_id", "selfie_id"}
    assert verify_in["additionalProperties"] is False


def test_state_changes_need_an_idempotency_key(tower):
    ps = tower.session(tower.member())
    for key in (None, "short", "bad key with spaces", "x" * 129):
        headers = dict(tower.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        r = requests.post(tower.url + "/v1/reservations", headers=headers, timeout=10,
                          json={"session_id": ps.session_id, "model": "Aurora"})
        assert r.status_code == 400
        assert r.json()["error"]["reason"].startswith("IDEMPOTENCY_KEY")


def test_repeat_returns_the_stored_answer_and_changes_nothing(tower):
    ps = tower.session(tower.member())
    body = {"session_id": ps.session_id, "model": "Aurora", "colour": "white"}
    first = tower.post("/v1/reservations", body, key="same-key-1")
    again = tower.post("/v1/reservations", body, key="same-key-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    counts = {o.colour: o.available_count for o in tower.client.inventory()}
    assert counts["white"] == 1  # one car held, not two
    other = tower.post("/v1/reservations", {**body, "colour": "black"}, key="same-key-1")
    assert other.status_code == 422
    assert other.json()["error"]["reason"] == "IDEMPOTENCY_KEY_REUSED"


def test_refusals_are_replayed_too(tower):
    ps = tower.session(tower.member(credit=10))
    res = tower.client.reserve(ps.session_id, "Aurora", "white")
    body = {"session_id": ps.session_id, "reservation_id": res.reservation_id,
            "selfie_id": tower.judged_selfie(ps.session_id)}
    first = tower.post("/v1/verify", body, key="verify-key-1")
    again = tower.post("/v1/verify", body, key="verify-key-1")
    assert first.status_code == again.status_code == 409
    assert first.json() == again.json()
    assert first.json()["error"]["reason"] == "NOT_SUPER_MEMBER"


def test_redeem_retry_with_the_same_key_is_not_a_replay(tower):
    text = tower.pass_text(tower.member())
    a = tower.client.redeem_pass(text, idempotency_key="redeem-key-1")
    b = tower.client.redeem_pass(text, idempotency_key="redeem-key-1")
    assert a == b


def _valid_verify(tower):
    ps = tower.session(tower.member())
    res = tower.client.reserve(ps.session_id, "Aurora", "white")
    return {"session_id": ps.session_id, "reservation_id": res.reservation_id,
            "selfie_id": tower.judged_selfie(ps.session_id)}


def _mutations(v):
    return [
        {**v, "extra": 1},
        # The kiosk cannot vouch for itself: the old body's fields are refused.
        {**v, "live": True},
        {**v, "embedding": ASTRONAUT},
        {**v, "liveness": {"live": True, "challenges": ["blink"]}},
        {k: x for k, x in v.items() if k != "selfie_id"},
        {**v, "selfie_id": "../../etc"},
        {**v, "selfie_id": "S-1;DROP"},
        {**v, "selfie_id": "S-\u00e9"},
        {**v, "selfie_id": ""},
        {**v, "selfie_id": "x" * 65},
        {**v, "selfie_id": 5},
        {**v, "selfie_id": None},
        {**v, "selfie_id": [v["selfie_id"]]},
        {**v, "session_id": 5},
        {**v, "session_id": "../../etc"},
        {**v, "reservation_id": "x" * 65},
        {k: x for k, x in v.items() if k != "session_id"},
        [], "string", 123, None, {},
    ]


def test_malformed_verify_bodies_are_4xx(tower):
    valid = _valid_verify(tower)
    for body in _mutations(valid):
        r = tower.post("/v1/verify", body)
        assert r.status_code == 422, (body, r.status_code)
        err = r.json()["error"]
        assert err["reason"] == "REQUEST_INVALID", err
        # The body (here an embedding!) is never echoed back.
        assert all(set(e) == {"loc", "msg", "type"} for e in err.get("errors", []))
        assert str(ASTRONAUT[5]) not in r.text
    assert tower.post("/v1/verify", valid).status_code == 200


@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe\x00", b'{"a": NaN}',
                                 b"[" * 5000 + b"]" * 5000, b'{"session_id": "' + b"\\u0000" * 10
                                 + b'"}', b""])
def test_raw_garbage_bodies_are_4xx(tower, raw):
    for path in ("/v1/verify", "/v1/reservations", "/v1/sessions", "/v1/jobs/J-x/report",
                 "/v1/heartbeat"):
        r = tower.post(path, data=raw, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, raw[:20], r.status_code, r.text[:200])


def test_nan_in_a_verify_body_is_refused_as_invalid(tower):
    valid = _valid_verify(tower)
    with_embedding = json.dumps({**valid, "embedding": ASTRONAUT})
    for raw in (with_embedding.replace(str(ASTRONAUT[0]), "NaN", 1),
                json.dumps(valid).replace(json.dumps(valid["selfie_id"]), "NaN")):
        r = tower.post("/v1/verify", data=raw.encode(),
                       headers={"Content-Type": "application/json"})
        assert r.status_code == 422, raw[:80]
    assert tower.post("/v1/verify", valid).status_code == 200


def test_oversized_bodies_are_413(tower):
    big = {"status": "ok", "health": {"blob": "x" * (70 * 1024)}}
    r = tower.post("/v1/heartbeat", big)
    assert r.status_code == 413 and r.json()["error"]["reason"] == "BODY_TOO_LARGE"
    r = tower.post("/v1/heartbeat", data=iter([b'{"status": "ok", "health": {"b": "',
                                               b"x" * 70_000, b'"}}']),
                   headers={"Content-Type": "application/json"})  # chunked: no length
    assert r.status_code == 413
    ok = tower.post("/v1/heartbeat", {"status": "ok", "health": {"blob": "x" * 1000}})
    assert ok.status_code == 200


def test_lying_content_length_does_not_hang_or_crash(tower):
    host, port = tower.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /v1/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
                  b"Authorization: Bearer " + tower.key.encode() + b"\r\nX-Kiosk-Id: "
                  + tower.kiosk_id.encode() + b"\r\n\r\n{}")
        head = s.recv(200)
    assert head.startswith(b"HTTP/1.1 413")


def test_wrong_methods_and_paths(tower):
    assert tower.get("/v1/verify").status_code == 405
    r = tower.get("/v1/jobs/J-1/report")
    assert r.status_code == 405 and r.json()["error"]["reason"] == "METHOD_NOT_ALLOWED"
    assert tower.post("/v1/jobs/J-nope/report", {"outcome": "delivered"}).status_code == 404
    assert tower.post("/v1/jobs/J-1/report", {"outcome": "exploded"}).status_code == 422
    assert tower.post("/v1/bays/abc/maintenance", {"in_maintenance": True}).status_code == 422
    assert tower.post("/v1/bays/999/maintenance", {"in_maintenance": True},
                      headers={"X-Staff-Session": tower.staff_token()}).status_code == 404
    assert tower.post("/v1/reservations/R-x/release").status_code == 404


def test_other_kiosks_cannot_use_a_session(tower, server):
    ps = tower.session(tower.member())
    k1 = {"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1",
          "Idempotency-Key": secrets.token_hex(8)}
    r = requests.post(server.url + "/v1/reservations", headers=k1, timeout=10,
                      json={"session_id": ps.session_id, "model": "Aurora"})
    assert r.status_code == 404 and r.json()["error"]["reason"] == "SESSION_UNKNOWN"


# -- the selfie verify names ------------------------------------------------------


def _reserved(tower, **member):
    ps = tower.session(tower.member(**member))
    return ps, tower.client.reserve(ps.session_id, "Aurora", "white")


def _verify(tower, ps, res, selfie_id: str, key: str | None = None) -> requests.Response:
    return tower.post("/v1/verify", {"session_id": ps.session_id,
                                     "reservation_id": res.reservation_id,
                                     "selfie_id": selfie_id}, key=key)


def _refused(r: requests.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["reason"]


def _selfie_state(tower, selfie_id: str) -> str:
    with tower.server.db.read() as s:
        return s.get(Selfie, selfie_id).state


def test_another_sessions_selfie_is_unknown(tower):
    ps, res = _reserved(tower)
    other = tower.session(tower.member())  # same kiosk, another member
    theirs = tower.judged_selfie(other.session_id)
    assert _refused(_verify(tower, ps, res, theirs)) == (404, "SELFIE_UNKNOWN")
    assert _selfie_state(tower, theirs) == "judged"  # not used up by the attempt
    # The hold survives a request that was wrong, not refused.
    assert _verify(tower, ps, res, tower.judged_selfie(ps.session_id)).status_code == 200


def test_another_kiosks_selfie_is_unknown(tower):
    ps, res = _reserved(tower)
    theirs = tower.judged_selfie(ps.session_id, kiosk_id="K1")
    assert _refused(_verify(tower, ps, res, theirs)) == (404, "SELFIE_UNKNOWN")
    assert _refused(tower.post(f"/v1/selfies/{theirs}/finish", {})) == (404, "SELFIE_UNKNOWN")
    assert _selfie_state(tower, theirs) == "judged"


def test_unknown_and_unjudged_selfies(tower):
    ps, res = _reserved(tower)
    assert _refused(_verify(tower, ps, res, "S-doesnotexist")) == (404, "SELFIE_UNKNOWN")
    open_id = f"S-{secrets.token_hex(12)}"
    now = tower.now()
    with tower.server.db.write() as s:
        member_id = s.get(KioskSession, ps.session_id).member_id
        s.add(Selfie(id=open_id, session_id=ps.session_id, kiosk_id=tower.kiosk_id,
                     member_id=member_id, challenges="blink,nod", opened_at=now,
                     expires_at=now + 60, state="open"))
    assert _refused(_verify(tower, ps, res, open_id)) == (409, "SELFIE_NOT_JUDGED")
    assert _selfie_state(tower, open_id) == "open"
    assert _verify(tower, ps, res, tower.judged_selfie(ps.session_id)).status_code == 200


def test_a_selfie_verifies_once(tower):
    ps, res = _reserved(tower)
    selfie = tower.judged_selfie(ps.session_id)
    first = _verify(tower, ps, res, selfie, key="selfie-once-1")
    assert first.status_code == 200
    again = _verify(tower, ps, res, selfie, key="selfie-once-1")  # a retry: the same answer
    assert (again.status_code, again.json()) == (200, first.json())
    assert _refused(_verify(tower, ps, res, selfie, key="selfie-once-2")) == (409, "SELFIE_USED")


def test_a_refused_verify_uses_the_selfie_up_too(tower):
    ps, res = _reserved(tower, credit=10)
    selfie = tower.judged_selfie(ps.session_id)
    assert _refused(_verify(tower, ps, res, selfie)) == (409, "NOT_SUPER_MEMBER")
    res = tower.client.reserve(ps.session_id, "Aurora", "white")  # the refusal let it go
    assert _refused(_verify(tower, ps, res, selfie)) == (409, "SELFIE_USED")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=5),
    max_leaves=20)
_fields = st.sampled_from(["session_id", "reservation_id", "selfie_id", "model", "colour",
                           "embedding", "liveness", "pass_text", "outcome", "status",
                           "health", "in_maintenance", "live", "challenges", "frames"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/v1/sessions", "/v1/reservations", "/v1/verify",
                             "/v1/jobs/J-1/report", "/v1/returns", "/v1/orders",
                             "/v1/bays/1/maintenance", "/v1/heartbeat",
                             "/v1/reservations/R-1/release", "/v1/selfies",
                             "/v1/selfies/S-1/frames", "/v1/selfies/S-1/finish"]),
       body=st.dictionaries(_fields, _json, max_size=6) | _json)
def test_fuzzed_bodies_never_500(tower, path, body):
    r = tower.post(path, body)
    assert r.status_code < 500, (path, body, r.status_code, r.text[:300])
    assert "error" in r.json() or r.status_code == 200


def test_old_answers_and_passes_are_purged(tower):
    ps = tower.session(tower.member())
    body = {"session_id": ps.session_id, "model": "Aurora", "colour": "white"}
    first = tower.post("/v1/reservations", body, key="purge-key-1").json()
    tower.server.service.purge(keep_s=-1)  # everything counts as old
    again = tower.post("/v1/reservations", body, key="purge-key-1").json()
    assert again["reservation_id"] != first["reservation_id"]  # computed anew
