"""#13: passes come only from the member's own login.

Findings: ``/member/{id}`` and ``/member/{id}/pass.txt`` were mounted without
``--seed demo`` and needed no login (anyone knowing an id got a valid pass);
200 vs 404 told which ids exist, deactivated ones included; every GET wrote
a row."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from tests.security.backend_door import member_pass, member_token, service

# The service's worker threads outlive a test (see backend_door.service).
pytestmark = pytest.mark.allow_threads


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    with service(tmp_path_factory.mktemp("prod"), demo=False) as srv:
        yield srv


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with service(tmp_path_factory.mktemp("demo"), demo=True) as srv:
        yield srv


@pytest.mark.parametrize("path", ["/member/demo-ok", "/member/demo-ok/pass.txt", "/member",
                                  "/member/demo-gone/pass.txt?expired=1"])
def test_no_member_pages_without_the_demo_flag(prod, path):
    r = requests.get(prod.url + path, timeout=10)
    assert r.status_code == 404
    assert "towerpass" not in r.text


def test_the_demo_pages_hand_out_no_pass_without_a_token(demo):
    for path in ("/member/demo-ok", "/member/demo-ok/pass.txt"):
        r = requests.get(demo.url + path, timeout=10)
        assert r.status_code == 404 and "towerpass" not in r.text
    page = requests.get(demo.url + "/member", timeout=10)
    assert page.status_code == 200 and "towerpass" not in page.text  # a sign-in form


def test_the_members_own_token_gets_the_pass(prod):
    r = member_pass(prod.url, member_token("demo-ok"))
    assert r.status_code == 200, r.text
    assert r.json()["pass_text"].startswith("towerpass:v1;t=T1;m=demo-ok;")


def test_unknown_deactivated_and_wrong_tokens_get_one_answer(prod):
    answers = [member_pass(prod.url, token) for token in (
        member_token("nobody-at-all"),  # unknown member
        member_token("demo-gone"),  # deactivated member, right token
        "x" * 43,  # wrong token
        member_token("demo-ok") + "x")]  # nearly right
    bodies = {(r.status_code, r.text, r.headers.get("www-authenticate")) for r in answers}
    assert len(bodies) == 1
    status, _body, _ = bodies.pop()
    assert status == 401


def test_no_token_no_pass(prod):
    r = requests.post(prod.url + "/v1/member/pass", json={"tower": "T1"}, timeout=10)
    assert r.status_code == 401
    # A kiosk key is no member token.
    r = requests.post(prod.url + "/v1/member/pass", json={"tower": "T1"}, timeout=10,
                      headers={"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1"})
    assert r.status_code == 401


def test_an_expired_pass_is_a_demo_only_request(prod, demo):
    assert member_pass(prod.url, member_token("demo-ok"), expired=True).status_code == 422
    assert member_pass(demo.url, member_token("demo-ok"), expired=True).status_code == 200


def _snapshot(db_path: str) -> dict[str, list]:
    con = sqlite3.connect(db_path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    finally:
        con.close()


def test_viewing_a_pass_writes_nothing(prod):
    path = prod.db_url.removeprefix("sqlite:///")
    before = _snapshot(path)
    texts = {member_pass(prod.url, member_token("demo-ok")).json()["pass_text"]
             for _ in range(5)}
    assert _snapshot(path) == before
    assert len(texts) == 1  # the same pass until it is redeemed or due for renewal
