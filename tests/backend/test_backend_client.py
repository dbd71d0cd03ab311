"""The kiosk's BackendClient against a tiny fake server that answers junk.

Whatever comes back, the client raises a typed ``BackendError`` (or returns
a validated dataclass); it never crashes with a KeyError or a TypeError.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from common.errors import BackendError, Reason, RefusedError
from kiosk.backend_client import BackendClient

Answer = tuple[int, str, bytes]  # status, content type, body


class FakeBackend:
    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    fake.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers), "body": body})
                    queue = fake.answers.get(self.path) or [(404, "application/json", b"{}")]
                    status, ctype, data = queue.pop(0) if len(queue) > 1 else queue[0]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815 - the http.server naming

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       name="fake-backend")

    def answer(self, path: str, *answers: Any) -> None:
        out = []
        for a in answers:
            if isinstance(a, tuple):
                status, body = a
            else:
                status, body = 200, a
            if isinstance(body, bytes):
                out.append((status, "application/json", body))
            elif isinstance(body, str):
                out.append((status, "text/html", body.encode()))
            else:
                out.append((status, "application/json", json.dumps(body).encode()))
        self.answers[path] = out


@pytest.fixture
def fake() -> Iterator[FakeBackend]:
    f = FakeBackend()
    f.thread.start()
    yield f
    f.httpd.shutdown()
    f.httpd.server_close()
    f.thread.join(5)


@pytest.fixture
def client(fake: FakeBackend) -> Iterator[BackendClient]:
    c = BackendClient(fake.url, "K1", "secret-key", timeout_s=5, retries=2, backoff_s=0.001)
    yield c
    c.close()


RES = {"reservation_id": "R-1", "car_id": "C-1", "bay": 7, "model": "Aurora",
       "colour": "white", "expires_at": "2030-01-01T00:05:00Z"}
AUTH = {"job_id": "J-1", "source_bay": 7, "delivery_bay": 101, "return_by": "2030-01-04T00:00:00Z",
        "car_id": "C-1", "model": "Aurora", "colour": "white"}


def test_good_answers_parse(fake, client):
    fake.answer("/v1/reservations", RES)
    res = client.reserve("S-1", "Aurora", "white")
    assert (res.reservation_id, res.bay, res.expires_at.year) == ("R-1", 7, 2030)
    fake.answer("/v1/verify", AUTH)
    auth = client.verify("S-1", "R-1", "F-1")
    assert (auth.job_id, auth.delivery_bay) == ("J-1", 101)
    req = fake.requests[-1]
    assert req["headers"]["Authorization"] == "Bearer secret-key"
    assert req["headers"]["X-Kiosk-Id"] == "K1"
    assert len(req["headers"]["Idempotency-Key"]) >= 8


@pytest.mark.parametrize("junk", [
    b"not json at all", b"[1, 2, 3]", b"null", b'"a string"', b"{}", b"[" * 100_000,
    json.dumps({**RES, "bay": "7"}).encode(),
    json.dumps({**RES, "bay": True}).encode(),
    json.dumps({**RES, "bay": -1}).encode(),
    json.dumps({**RES, "bay": 1e9}).encode(),
    json.dumps({**RES, "reservation_id": None}).encode(),
    json.dumps({**RES, "reservation_id": "../../x"}).encode(),
    json.dumps({**RES, "reservation_id": ""}).encode(),
    json.dumps({**RES, "expires_at": "tomorrow"}).encode(),
    json.dumps({**RES, "expires_at": "2030-01-01T00:00:00"}).encode(),  # no zone
    json.dumps({k: v for k, v in RES.items() if k != "car_id"}).encode(),
    b"\xff\xfe garbage",
    b"{" + b'"a": 1,' * 10 + b"}",
])
def test_junk_is_bad_response(fake, client, junk):
    fake.answer("/v1/reservations", junk)
    with pytest.raises(BackendError) as info:
        client.reserve("S-1", "Aurora", "white")
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


def test_html_and_huge_answers_are_bad_response(fake, client):
    fake.answer("/v1/inventory", "<html>hello</html>")
    with pytest.raises(BackendError) as info:
        client.inventory()
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE
    fake.answer("/v1/inventory", {"options": [], "pad": "x" * (2 << 20)})
    with pytest.raises(BackendError) as info:
        client.inventory()
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


@pytest.mark.parametrize("options", [
    [{"model": "A", "colour": "w", "model_name": {"en": "A"}, "colour_name": {"en": "W"},
      "available_count": "3"}],
    [{"model": "A", "colour": "w", "model_name": "A", "colour_name": {"en": "W"},
      "available_count": 3}],
    [{"model": "A", "colour": "w", "model_name": {}, "colour_name": {"en": "W"},
      "available_count": 3}],
    ["not an object"],
    "not a list",
])
def test_inventory_junk(fake, client, options):
    fake.answer("/v1/inventory", {"tower_id": "T1", "options": options})
    with pytest.raises(BackendError) as info:
        client.inventory()
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


def test_refusal_becomes_refused_error_with_safe_context(fake, client):
    fake.answer("/v1/verify", (409, {"error": {
        "reason": "QUOTA_EXCEEDED", "message": "At most 5", "next_possible_at": "2030-01-10T00:00:00Z",
        "quota_drives": 5, "nested": {"x": 1}, "BadKey": 1, "reason_extra": "y" * 500}}))
    with pytest.raises(RefusedError) as info:
        client.verify("S-1", "R-1", "F-1")
    assert info.value.reason is Reason.QUOTA_EXCEEDED
    assert info.value.context == {"next_possible_at": "2030-01-10T00:00:00Z", "quota_drives": 5}


@pytest.mark.parametrize("status, body, reason", [
    (409, {"error": {"reason": "SOMETHING_NEW", "message": "?"}}, Reason.BACKEND_ERROR),
    (409, {"error": {"reason": "INTERNAL", "message": "?"}}, Reason.BACKEND_ERROR),
    (409, {"nope": 1}, Reason.BACKEND_BAD_RESPONSE),
    (409, b"junk", Reason.BACKEND_BAD_RESPONSE),
    (404, {"error": {"reason": "SESSION_UNKNOWN", "message": "gone"}}, Reason.BACKEND_ERROR),
    (422, {"error": {"reason": "REQUEST_INVALID", "message": "bad"}}, Reason.BACKEND_ERROR),
    (401, {"error": {"reason": "UNAUTHORIZED", "message": "no"}}, Reason.BACKEND_UNAUTHORIZED),
    (401, b"", Reason.BACKEND_UNAUTHORIZED),
    (418, {"error": {"reason": "lower case!", "message": "x"}}, Reason.BACKEND_BAD_RESPONSE),
])
def test_error_answers(fake, client, status, body, reason):
    fake.answer("/v1/returns", (status, body))
    with pytest.raises(BackendError) as info:
        client.start_return("S-1")
    assert info.value.reason is reason
    assert not isinstance(info.value, RefusedError)
    assert len(fake.requests) == 1  # 4xx are never retried


def test_server_errors_are_retried_with_the_same_key(fake, client):
    fake.answer("/v1/reservations", (503, b"{}"), (500, b"oops"), RES)
    assert client.reserve("S-1", "Aurora").bay == 7
    keys = {r["headers"]["Idempotency-Key"] for r in fake.requests}
    assert len(fake.requests) == 3 and len(keys) == 1


def test_retries_are_bounded(fake, client):
    fake.answer("/v1/reservations", (503, b"{}"))
    with pytest.raises(BackendError) as info:
        client.reserve("S-1", "Aurora")
    assert info.value.reason is Reason.BACKEND_UNREACHABLE
    assert len(fake.requests) == 3  # 1 + retries
    fake.requests.clear()
    fake.answer("/v1/reservations", (500, {"error": {"reason": "INTERNAL", "message": "x"}}))
    with pytest.raises(BackendError) as info:
        client.reserve("S-1", "Aurora")
    assert info.value.reason is Reason.BACKEND_ERROR and len(fake.requests) == 3


def test_caller_key_is_used(fake, client):
    fake.answer("/v1/jobs/J-1/report", {"job_id": "J-1", "kind": "delivery",
                                        "state": "delivered", "drive_id": "D-1",
                                        "return_by": "2030-01-04T00:00:00Z"})
    client.report_job("J-1", "delivered", idempotency_key="report-J-1")
    assert fake.requests[-1]["headers"]["Idempotency-Key"] == "report-J-1"
    with pytest.raises(BackendError):
        client.report_job("J-1", "exploded")
    with pytest.raises(BackendError):
        client.report_job("../J-1", "delivered")


def test_verify_names_the_judged_selfie_only(fake, client):
    fake.answer("/v1/verify", AUTH)
    client.verify("S-1", "R-1", "F-1")
    sent = json.loads(fake.requests[-1]["body"])
    assert sent == {"session_id": "S-1", "reservation_id": "R-1", "selfie_id": "F-1"}


BEAT = {"kiosk_id": "K1", "server_time": "2030-03-17T17:46:40Z"}
LOCK = {"kind": "IDENTITY_LOCKED", "member": "demo-o…", "retry_at": "2030-03-17T18:16:40Z"}


@pytest.mark.parametrize("alerts, expected", [
    ([], []),
    ([LOCK], [("demo-o…", "2030-03-17T18:16:40+00:00")]),
    ([LOCK, {**LOCK, "member": "x" * 16, "retry_at": "2030-03-17T20:00:00+02:00"}],
     [("demo-o…", "2030-03-17T18:16:40+00:00"), ("x" * 16, "2030-03-17T18:00:00+00:00")]),
    # A kind this kiosk does not know (a newer backend) is skipped, whatever it holds.
    ([{"kind": "SOMETHING_NEW", "whatever": [1, 2]}, LOCK],
     [("demo-o…", "2030-03-17T18:16:40+00:00")]),
    ([{"kind": "SOMETHING_NEW"}], []),
])
def test_heartbeat_answer_lists_the_lockouts(fake, client, alerts, expected):
    fake.answer("/v1/heartbeat", {**BEAT, "alerts": alerts})
    beat = client.heartbeat("ok", {"state": "attract"})
    assert beat.server_time.isoformat() == "2030-03-17T17:46:40+00:00"
    assert [(a.member, a.retry_at.isoformat()) for a in beat.alerts] == expected


@pytest.mark.parametrize("answer", [
    BEAT,  # no alerts at all
    {**BEAT, "alerts": None},
    {**BEAT, "alerts": {"kind": "IDENTITY_LOCKED"}},
    {**BEAT, "alerts": ["IDENTITY_LOCKED"]},
    {**BEAT, "alerts": [{"member": "demo-o…", "retry_at": LOCK["retry_at"]}]},  # no kind
    {**BEAT, "alerts": [{**LOCK, "kind": 7}]},
    {**BEAT, "alerts": [{**LOCK, "member": "demo-ok-the-full-member-id"}]},  # > 16 chars
    {**BEAT, "alerts": [{**LOCK, "member": ""}]},
    {**BEAT, "alerts": [{**LOCK, "member": "demo\n…"}]},
    {**BEAT, "alerts": [{k: v for k, v in LOCK.items() if k != "member"}]},
    {**BEAT, "alerts": [{**LOCK, "retry_at": "in half an hour"}]},
    {**BEAT, "alerts": [{**LOCK, "retry_at": "2030-03-17T18:16:40"}]},  # no zone
    {**BEAT, "alerts": [{**LOCK, "retry_at": None}]},
    {**BEAT, "alerts": [LOCK] * 1001},
    {"kiosk_id": "K1", "alerts": [LOCK]},  # no server time
])
def test_a_malformed_heartbeat_answer_is_a_bad_response(fake, client, answer):
    fake.answer("/v1/heartbeat", answer)
    with pytest.raises(BackendError) as info:
        client.heartbeat("ok", {})
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


def test_unreachable_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    c = BackendClient(f"http://127.0.0.1:{port}", "K1", "k", timeout_s=2, retries=1,
                      backoff_s=0.001)
    with pytest.raises(BackendError) as info:
        c.inventory()
    assert info.value.reason is Reason.BACKEND_UNREACHABLE
    with pytest.raises(BackendError) as info:
        c.health()
    assert info.value.reason is Reason.BACKEND_UNREACHABLE
    c.close()


def test_silent_server_times_out():
    # The kernel completes the TCP handshake into the backlog; nobody answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        c = BackendClient(f"http://127.0.0.1:{listener.getsockname()[1]}", "K1", "k",
                          timeout_s=0.3, retries=1, backoff_s=0.001)
        with pytest.raises(BackendError) as info:
            c.reserve("S-1", "Aurora")
        assert info.value.reason is Reason.BACKEND_UNREACHABLE
        c.close()


def test_thread_safe_under_parallel_use(fake, client):
    fake.answer("/v1/inventory", {"tower_id": "T1", "options": []})
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                assert client.inventory() == []
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, name=f"client-user-{i}") for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(fake.requests) == 100


def test_key_never_in_repr_or_errors(fake, client):
    fake.answer("/v1/inventory", (401, b""))
    with pytest.raises(BackendError) as info:
        client.inventory()
    assert "secret-key" not in repr(client) + str(info.value) + repr(info.value.to_dict())


def test_bad_base_url():
    with pytest.raises(BackendError):
        BackendClient("ftp://x", "K1", "k")
