"""Issue #17: /metrics after real calls, parsed with prometheus_client's own
parser; only the operators' network or their token may read it."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from backend.errors import StartupError
from backend.metrics import MetricsAccess
from backend.server import BackendServer
from sim.member_app import fetch_member_pass
from tests.security.backend_door import client_from

TOKEN = "metrics-token-0123456789"
K1 = {"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1"}

# The service's worker threads come and go with its load (tests/security/backend_door.py).
pytestmark = pytest.mark.allow_threads


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    access = MetricsAccess((ipaddress.ip_network("127.0.0.1/32"),), TOKEN)
    db = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'm.db'}"
    with BackendServer(db, seed="demo", metrics_access=access) as s:
        yield s


def _post(url: str, path: str, body: Any = None) -> requests.Response:
    return requests.post(url + path, json=body if body is not None else {}, timeout=120,
                         headers={**K1, "Idempotency-Key": uuid.uuid4().hex})


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def _session(url: str, member: str) -> str:
    r = _post(url, "/v1/sessions", {"pass_text": fetch_member_pass(url, member, "T1")})
    assert r.status_code == 200, r.text
    return r.json()["session_id"]


def test_metrics_count_what_the_service_did(srv):
    url = srv.url
    assert requests.get(url + "/v1/inventory", headers=K1, timeout=30).status_code == 200
    wrong = {**K1, "Authorization": "Bearer wrong"}
    assert requests.get(url + "/v1/bays", headers=wrong, timeout=30).status_code == 401
    figures = {"gui_stall_ms": 42.5, "vision_fps": 14.0, "lift_round_trip_ms": 18.0}
    hb = _post(url, "/v1/heartbeat", {"status": "in_service", "health": {"figures": figures}})
    assert hb.status_code == 200, hb.text
    won = _post(url, "/v1/reservations", {"session_id": _session(url, "demo-ok"),
                                          "model": "Comet", "colour": "red"})
    lost = _post(url, "/v1/reservations", {"session_id": _session(url, "demo-pick"),
                                           "model": "Comet", "colour": "red"})
    assert (won.status_code, lost.status_code) == (200, 409)
    # Five selfies finished without frames: five failed attempts lock the member.
    session = _session(url, "demo-repeat")
    for _ in range(5):
        sid = _post(url, "/v1/selfies", {"session_id": session}).json()["selfie_id"]
        assert _post(url, f"/v1/selfies/{sid}/finish").json()["live"] is False

    page = requests.get(url + "/metrics", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    got = _samples(page.text)

    def req(route: str, method: str, status: int) -> float:
        return got[("kiosk_backend_requests_total", (("method", method), ("route", route),
                                                     ("status", str(status))))]

    assert req("/v1/inventory", "GET", 200) == 1
    assert req("/v1/bays", "GET", 401) == 1  # the Guard's answer, by route template
    assert req("/v1/selfies/{selfie_id}/finish", "POST", 200) == 5
    assert not any("S-" in str(labels) for _name, labels in got)  # never a raw id
    assert got[("kiosk_backend_request_duration_seconds_count",
                (("method", "GET"), ("route", "/v1/inventory")))] == 1
    assert got[("kiosk_backend_reservations_total", (("outcome", "won"),))] == 1
    assert got[("kiosk_backend_reservations_total", (("outcome", "lost"),))] == 1
    assert got[("kiosk_backend_identity_failures_total", (("kind", "liveness"),))] == 5
    assert got[("kiosk_backend_identity_lockouts_total", ())] == 1
    assert got[("kiosk_backend_identity_locked_members", ())] == 1
    assert got[("kiosk_backend_kiosks", (("status", "in_service"),))] == 1
    assert got[("kiosk_backend_kiosks", (("status", "silent"),))] >= 1  # K2, T2-K1
    per_kiosk = (("kiosk", "K1"), ("tower", "T1"))
    assert got[("kiosk_gui_stall_ms", per_kiosk)] == 42.5
    assert got[("kiosk_vision_fps", per_kiosk)] == 14.0
    assert got[("kiosk_lift_round_trip_ms", per_kiosk)] == 18.0
    assert got[("kiosk_heartbeat_age_seconds", per_kiosk)] >= 0


def test_metrics_refused_outside_the_allowed_network_without_the_token(srv):
    outsider = client_from("127.0.0.77")  # not in 127.0.0.1/32
    refused = outsider.get(srv.url + "/metrics", timeout=30)
    assert refused.status_code == 403
    assert refused.json()["error"]["reason"] == "METRICS_FORBIDDEN"
    assert "kiosk_backend" not in refused.text
    wrong = outsider.get(srv.url + "/metrics", timeout=30,
                         headers={"Authorization": "Bearer not-" + TOKEN})
    assert wrong.status_code == 403
    ok = outsider.get(srv.url + "/metrics", timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and "kiosk_backend_requests_total" in ok.text


def test_heartbeat_figures_that_are_not_numbers_are_not_exported(srv):
    hb = _post(srv.url, "/v1/heartbeat", {"status": "in_service", "health": {
        "figures": {"gui_stall_ms": "slow", "vision_fps": -1, "lift_round_trip_ms": True}}})
    assert hb.status_code == 200
    got = _samples(requests.get(srv.url + "/metrics", timeout=30).text)
    per_kiosk = (("kiosk", "K1"), ("tower", "T1"))
    for name in ("kiosk_gui_stall_ms", "kiosk_vision_fps", "kiosk_lift_round_trip_ms"):
        assert (name, per_kiosk) not in got


@pytest.mark.parametrize("allow, token, problem", [
    ("10.0.0.0/33", None, "not an address or CIDR"),
    ("operators", None, "not an address or CIDR"),
    ("10.0.0.0/8", "short", "at least 16 characters"),
])
def test_bad_metrics_access_is_a_clear_startup_error(tmp_path, allow, token, problem):
    token_file = None
    if token is not None:
        token_file = tmp_path / "token"
        token_file.write_text(token)
    with pytest.raises(StartupError, match=problem):
        MetricsAccess.parse(allow, str(token_file) if token_file else None)


@pytest.mark.parametrize("allow, address, permitted", [
    ("127.0.0.0/8,::1/128", "127.0.0.5", True),
    ("127.0.0.0/8,::1/128", "::1", True),
    ("10.1.0.0/16", "10.1.200.3", True),
    ("10.1.0.0/16", "10.2.0.1", False),
    ("none", "127.0.0.1", False),
    ("10.1.0.0/16", "not-an-address", False),
])
def test_allow_list(allow, address, permitted):
    assert MetricsAccess.parse(allow).permits(address, "") is permitted
