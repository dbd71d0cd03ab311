"""The ops console's door (issue #17): nothing of /ops without a login, the
session cookie's flags, CSRF on every POST, lockout and throttle of failed
logins, escaped output, and the operator accounts command. Against the real
service over HTTP (one per module, tests/backend/conftest.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sqlalchemy import select

from backend.models import Kiosk, OpsAudit
from backend.ops.accounts import remove_operator
from backend.seed import add_kiosk
from common.pins import read_secret
from tests.backend import conftest as backend_fixtures
from tests.ops.ops_rig import Console, csrf_of, login, operator
from tests.security.backend_door import client_from

db_url, server, tower = backend_fixtures.db_url, backend_fixtures.server, backend_fixtures.tower
pytestmark = pytest.mark.allow_threads  # the service's worker threads come and go
PUBLIC = {("GET", "/ops/login"), ("POST", "/ops/login"), ("GET", "/ops/static/ops.css")}


def ops_routes(server) -> set[tuple[str, str]]:
    return {(m, r.path) for r in server.built.app.routes if r.path.startswith("/ops")
            for m in getattr(r, "methods", ()) if m != "HEAD"}


def test_every_ops_route_but_the_login_form_needs_a_login(server):
    routes = ops_routes(server)
    assert PUBLIC < routes and len(routes) >= 12, routes
    name, password = operator(server)
    console = Console(server.url, name, password)
    ended = Console(server.url, name, password)
    ended.post("/ops/logout", {})
    import requests

    for method, path in sorted(routes - PUBLIC):
        for who in (requests.Session(), ended.http):  # none, and a logged-out cookie
            r = who.request(method, server.url + path, allow_redirects=False, timeout=10,
                            data={"csrf": console.csrf()})
            assert (r.status_code, r.headers.get("location")) == (303, "/ops/login"), \
                (method, path, r.status_code)
            assert "Tower" not in r.text
        # The page's auto-refresh gets a 401 (its script then reloads into the form).
        r = requests.request(method, server.url + path, headers={"X-Ops-Refresh": "1"},
                             allow_redirects=False, timeout=10)
        assert r.status_code == 401, (method, path)
    for method, path in sorted(routes - PUBLIC):
        if method == "GET":
            assert console.get(path).status_code == 200, path


def test_the_session_cookie_is_http_only_strict_and_ends_at_logout(server):
    name, password = operator(server)
    http, answer = login(server.url, name, password)
    cookie = answer.headers["set-cookie"]
    session = re.search(r"ops_session=[^,]*", cookie).group(0)
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/ops" in session
    assert "Secure" not in session  # plain HTTP here; over TLS it is set (next test)
    page = http.get(server.url + "/ops", timeout=10)
    assert page.status_code == 200 and name in page.text
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in page.headers
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    out = http.post(server.url + "/ops/logout", data={"csrf": csrf_of(page.text)},
                    allow_redirects=False, timeout=10)
    assert out.headers["location"] == "/ops/login"
    assert http.get(server.url + "/ops", allow_redirects=False, timeout=10).status_code == 303


def test_over_tls_the_cookie_is_secure(tmp_path):
    import requests

    from backend.clock import SettableClock
    from backend.server import BackendServer
    from tests.backend.backend_rig import T0
    from tests.security.tls_rig import make_pki

    pki = make_pki(tmp_path, "ops")
    with BackendServer(f"sqlite:///{tmp_path / 'tls.db'}", seed=None, clock=SettableClock(T0),
                       tls_cert=pki.cert_file, tls_key=pki.key_file) as srv:
        name, password = operator(srv)
        http = requests.Session()
        http.verify = pki.ca_file
        # No keep-alive: the service's stop waits for an open TLS connection.
        http.headers["Connection"] = "close"
        with http:
            _, answer = login(srv.url, name, password, http)
        assert answer.status_code == 303
        assert re.search(r"ops_session=[^,]*Secure", answer.headers["set-cookie"])


def test_a_post_without_the_session_s_csrf_token_changes_nothing(server, tower):
    name, password = operator(server)
    console, other = Console(server.url, name, password), Console(server.url, *operator(server))
    form = {"kiosk_id": tower.kiosk_id, "in_service": "0", "back": "/ops"}
    for csrf, headers in (("", {}), ("forged", {}), (other.csrf(), {}),  # another session's
                          (console.csrf(), {"Origin": "https://evil.example"}),
                          (console.csrf(), {"Origin": "null"}),  # sandboxed frame, file:
                          (console.csrf(), {"Sec-Fetch-Site": "cross-site"})):
        r = console.post("/ops/kiosks/service", form, csrf=csrf, headers=headers)
        assert r.status_code == 403, (csrf, headers)
    with server.db.read() as s:
        assert s.get(Kiosk, tower.kiosk_id).out_of_service_at is None
        refused = s.scalars(select(OpsAudit).where(OpsAudit.operator == name,
                                                   OpsAudit.result == "CSRF_REFUSED")).all()
    assert len(refused) == 6
    assert console.post("/ops/kiosks/service", form).status_code == 303  # with it: done


def test_the_login_form_needs_its_own_token(server):
    import requests

    name, password = operator(server)
    r = requests.post(server.url + "/ops/login", data={"name": name, "password": password,
                                                       "csrf": "x"},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 403 and "ops_session" not in r.headers.get("set-cookie", "")


def test_wrong_passwords_lock_the_name_and_unknown_names_get_the_same_answer(server):
    name, password = operator(server)
    http = client_from("127.0.0.11")
    answers = [login(server.url, name, "wrong password!", http)[1] for _ in range(5)]
    assert [a.status_code for a in answers] == [403] * 5
    assert all("Wrong name or password." in a.text for a in answers[:4])
    assert "Too many wrong passwords; try again in 60 s." in answers[4].text
    assert "try again" in login(server.url, name, password, http)[1].text  # even the right one
    unknown = login(server.url, "nobody-here", "whatever12345", http)[1]
    assert unknown.status_code == 403 and "Wrong name or password." in unknown.text
    server.clock.advance(61)
    assert login(server.url, name, password, http)[1].status_code == 303
    with server.db.read() as s:
        results = [a.result for a in s.scalars(select(OpsAudit).where(
            OpsAudit.operator == name, OpsAudit.action == "login"))]
    assert results == ["denied"] * 4 + ["denied; locked", "locked", "ok"]


def test_a_lock_on_a_name_with_no_account_outlives_the_process_that_made_it(server,
                                                                           db_url):
    """An unknown name locked through the service is locked for a second
    service on the same database (another replica, or this one restarted), as
    a real name is: kept in one process's memory it was not, and the lock
    then told real names from made-up ones."""
    from backend.db import Database
    from backend.errors import ApiError
    from backend.ops.accounts import OperatorBook

    real, _ = operator(server)
    made_up = f"nobody-{real}"
    for name in (real, made_up):
        http = client_from("127.0.0.14")
        answers = [login(server.url, name, "wrong password!", http)[1] for _ in range(5)]
        assert "Too many wrong passwords" in answers[4].text, name
    db = Database(db_url)
    try:
        other = OperatorBook(db, server.clock.now)  # what another process builds
        for name in (real, made_up):
            with pytest.raises(ApiError) as refused:
                other.login(name, "wrong password!", "127.0.0.15")
            assert refused.value.reason == "OPS_LOCKED", name
    finally:
        db.dispose()


def test_ten_failed_logins_from_one_address_pause_its_logins(server):
    name, password = operator(server)
    http = client_from("127.0.0.12")
    for i in range(10):  # other names each time: no name locks
        assert login(server.url, f"guess-{i}", "whatever12345", http)[1].status_code == 403
    paused = login(server.url, name, password, http)[1]
    assert paused.status_code == 429 and "Too many failed logins" in paused.text
    assert login(server.url, name, password, client_from("127.0.0.13"))[1].status_code == 303


def test_a_removed_operator_s_sessions_end(server):
    name, password = operator(server)
    console = Console(server.url, name, password)
    assert remove_operator(server.db, name, server.clock.now()) == 1
    assert console.get("/ops").status_code == 303


def test_ids_versions_alerts_and_notes_are_escaped(server):
    script = "<script>alert(1)</script>"
    tower_id = "T1"
    with server.db.write() as s:
        add_kiosk(s, script, tower_id, "xss-kiosk-key")
        k = s.get(Kiosk, script)
        k.last_seen_at, k.status = server.clock.now(), "ok"
        k.health = {"version": script, "alert": "<img src=x onerror=alert(2)>",
                    "lift_ok": False}
    console = Console(server.url, *operator(server))
    assert console.post("/ops/kiosks/service", {"kiosk_id": script, "in_service": "0",
                                                "note": "<b onmouseover=alert(3)>x",
                                                "back": "/ops"}).status_code == 303
    assert console.post("/ops/bays/maintenance", {"tower": tower_id, "bay": "3", "on": "1",
                                                  "note": script, "back": "/ops/bays"}
                        ).status_code == 303
    pages = {p: console.get(p).text for p in ("/ops", "/ops/bays", "/ops/audit")}
    for path, text in pages.items():
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert "<b onmouseover" not in text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/ops"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages["/ops"]
    assert "lift down" in pages["/ops"]
    assert "&lt;b onmouseover=alert(3)&gt;x" in pages["/ops/audit"]
    # The action form names the kiosk escaped too, and it still works.
    assert console.post("/ops/kiosks/service", {"kiosk_id": script, "in_service": "1",
                                                "back": "/ops"}).status_code == 303
    with server.db.write() as s:
        s.delete(s.get(Kiosk, script))


def _cli(db_url: str, tool: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend", tool, *args, "--db", db_url],
                          input=stdin, capture_output=True, text=True, timeout=120)


# The operator and staff commands are one implementation (backend/account_cli.py).
@pytest.mark.parametrize("tool, good, other, bad, hint", [
    ("operator", "a long enough password", "another long password", "short",
     "12 to 128 characters"),
    ("staff", "24681357", "13572468", "12ab", "6 to 12 digits"),
])
def test_account_commands_add_list_remove(tmp_path, tool, good, other, bad, hint):
    db = f"sqlite:///{tmp_path / 'accounts.db'}"
    added = _cli(db, tool, "add", "Alice", stdin=good + "\n")
    assert added.returncode == 0, added.stderr
    assert f'"{tool}": "alice"' in added.stdout
    assert _cli(db, tool, "add", "alice", stdin=other + "\n").returncode == 1  # exists
    refused = _cli(db, tool, "add", "bob", stdin=bad + "\n")
    assert refused.returncode == 2 and hint in refused.stderr
    assert _cli(db, tool, "add", "no spaces", stdin=good + "\n").returncode == 2
    assert _cli(db, tool, "add", "carol", stdin="").returncode == 2  # nothing on stdin
    listed = _cli(db, tool, "list")
    assert f'"{tool}": "alice"' in listed.stdout and "scrypt" not in listed.stdout
    assert '"bob"' not in listed.stdout and good not in listed.stdout
    assert _cli(db, tool, "unlock", "alice").returncode == 0
    assert _cli(db, tool, "remove", "alice").returncode == 0
    assert _cli(db, tool, "remove", "alice").returncode == 1
    assert '"active": false' in _cli(db, tool, "list").stdout


def test_the_password_is_asked_twice_at_a_terminal():
    class Tty:
        def isatty(self) -> bool:
            return True

    answers = iter(["first one here", "other one here"])
    assert read_secret("Password: ", Tty(), lambda _p: next(answers)) is None
    same = iter(["same one here!", "same one here!"])
    assert read_secret("Password: ", Tty(), lambda _p: next(same)) == "same one here!"


def test_a_login_ends_after_30_idle_minutes_and_the_refresh_does_not_extend_it(server):
    from backend.ops.accounts import SESSION_IDLE_S

    watching, working = (Console(server.url, *operator(server)) for _ in range(2))
    server.clock.advance(SESSION_IDLE_S / 2)
    assert watching.fragment()  # the auto-refresh reads ...
    assert working.get("/ops").status_code == 200  # ... a page load counts as use
    server.clock.advance(SESSION_IDLE_S / 2 + 1)
    assert watching.get("/ops", headers={"X-Ops-Refresh": "1"}).status_code == 401
    assert watching.get("/ops").status_code == 303
    assert working.get("/ops").status_code == 200
