"""#13 hardening of the service's inputs.

Findings: ``/v1/bays/99999999999999999999/maintenance`` gave a 500; the
backend accepted non-canonical base64 signatures (one signed pass, several
texts)."""

from __future__ import annotations

import pytest

from sim.member_app import fetch_member_pass
from tests.security.backend_door import post, service

# The service's worker threads outlive a test (see backend_door.service).
pytestmark = pytest.mark.allow_threads

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    with service(tmp_path_factory.mktemp("hard"), demo=True) as s:
        yield s


@pytest.mark.parametrize("path,body", [
    ("/v1/bays/99999999999999999999/maintenance", {"in_maintenance": True}),
    ("/v1/bays/-1/maintenance", {"in_maintenance": True}),
    ("/v1/bays/99999999999999999999/move", {"to_bay": 1}),
    ("/v1/bays/1/move", {"to_bay": 99999999999999999999}),
    ("/v1/returns", {"session_id": "S-x", "from_bay": 99999999999999999999}),
])
def test_integers_out_of_range_are_422_not_500(srv, path, body):
    r = post(srv.url, path, body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["reason"] == "REQUEST_INVALID"


def _non_canonical(pass_text: str) -> str:
    """The same signature bytes spelt differently: 64 bytes take 86 base64
    characters whose last one carries 4 unused bits; set one of them."""
    body, sig = pass_text.rsplit(";s=", 1)
    last = _B64.index(sig[-1])
    assert last & 0b1111 == 0  # canonical: the unused bits are zero
    return f"{body};s={sig[:-1]}{_B64[last | 1]}"


def test_a_non_canonical_signature_is_not_a_pass(srv):
    text = fetch_member_pass(srv.url, "demo-ok", "T1")
    r = post(srv.url, "/v1/sessions", {"pass_text": _non_canonical(text)})
    assert r.status_code == 409 and r.json()["error"]["reason"] == "PASS_INVALID"
    # The canonical text of the same pass still works, once.
    assert post(srv.url, "/v1/sessions", {"pass_text": text}).status_code == 200
