"""The selfie calls of the BackendClient: the bodies it sends and how strictly
it reads the answers. The HTTP session is a fake (``session_factory``): these
are unit tests of the client; the backend's own tests run it for real."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from common.errors import BackendError, Reason, RefusedError
from kiosk.backend_client import BackendClient

TICKET = {"selfie_id": "F-1", "challenges": ["turn_left", "blink"],
          "expires_at": "2030-01-01T00:01:00Z", "max_frames_per_chunk": 20}
VERDICT = {"selfie_id": "F-1", "live": True, "reason": None}
ACCEPTED = {"selfie_id": "F-1", "accepted": 2, "frames_total": 8}


class Response:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code = status
        self.headers = {"Content-Type": "application/json"}
        self._raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    def iter_content(self, size: int):
        yield self._raw

    def close(self) -> None:
        pass


class Session:
    """Answers each request with the next queued (status, body); records them."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = answers
        self.sent: list[dict[str, Any]] = []
        self.proxies: dict[str, str] = {}

    def request(self, method, url, json=None, headers=None, **kwargs):
        self.sent.append({"method": method, "url": url, "json": json, "headers": headers})
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return Response(status, body)

    def close(self) -> None:
        pass


def client_for(*answers: tuple[int, Any]) -> tuple[BackendClient, Session]:
    session = Session(list(answers))
    return BackendClient("http://backend.test", "K1", "key", retries=1, backoff_s=0.0,
                         session_factory=lambda: session), session


def test_open_selfie_reads_the_ticket():
    client, session = client_for((200, TICKET))
    ticket = client.open_selfie("S-1")
    assert ticket.selfie_id == "F-1" and ticket.challenges == ("turn_left", "blink")
    assert ticket.expires_at.year == 2030 and ticket.max_frames_per_chunk == 20
    sent = session.sent[0]
    assert (sent["method"], sent["url"]) == ("POST", "http://backend.test/v1/selfies")
    assert sent["json"] == {"session_id": "S-1"} and sent["headers"]["Idempotency-Key"]


@pytest.mark.parametrize("answer", [
    {**TICKET, "challenges": ["turn_left", "wink"]},  # a move this kiosk cannot guide
    {**TICKET, "challenges": ["TURN_LEFT", "blink"]},
    {**TICKET, "challenges": ["blink"]},  # one
    {**TICKET, "challenges": ["turn_left", "turn_right", "blink", "nod"]},  # four
    {**TICKET, "challenges": ["blink", "blink"]},
    {**TICKET, "challenges": "turn_left,blink"},
    {**TICKET, "challenges": [1, 2]},
    {**TICKET, "challenges": None},
    {k: v for k, v in TICKET.items() if k != "selfie_id"},
    {**TICKET, "selfie_id": "../frames"},
    {**TICKET, "selfie_id": 7},
    {**TICKET, "expires_at": "in a minute"},
    {**TICKET, "expires_at": "2030-01-01T00:01:00"},  # no zone
    {k: v for k, v in TICKET.items() if k != "max_frames_per_chunk"},
    {**TICKET, "max_frames_per_chunk": 0},
    {**TICKET, "max_frames_per_chunk": 500},
    {**TICKET, "max_frames_per_chunk": True},
    [TICKET], "ticket", None,
])
def test_hostile_tickets_are_bad_answers(answer):
    client, _ = client_for((200, answer))
    with pytest.raises(BackendError) as info:
        client.open_selfie("S-1")
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


def test_a_locked_member_is_a_refusal_with_the_time_to_come_back():
    client, _ = client_for((409, {"error": {"reason": "IDENTITY_LOCKED", "message": "locked",
                                            "retry_at": "2030-01-01T00:30:00Z"}}))
    with pytest.raises(RefusedError) as info:
        client.open_selfie("S-1")
    assert info.value.reason is Reason.IDENTITY_LOCKED
    assert info.value.context == {"retry_at": "2030-01-01T00:30:00Z"}


def test_upload_frames_sends_base64_jpegs_with_their_times():
    client, session = client_for((200, ACCEPTED))
    assert client.upload_frames("F-1", [(0, b"\xff\xd8a"), (120, b"\xff\xd8b")]) == 2
    sent = session.sent[0]
    assert sent["url"] == "http://backend.test/v1/selfies/F-1/frames"
    frames = sent["json"]["frames"]
    assert [f["t_ms"] for f in frames] == [0, 120]
    assert base64.b64decode(frames[1]["jpeg"]) == b"\xff\xd8b"


@pytest.mark.parametrize("frames", [
    [], [(t, b"j") for t in range(21)], [(5, b"j"), (5, b"j")], [(9, b"j"), (3, b"j")],
    [(-1, b"j")], [(1.5, b"j")], [(True, b"j")], [(0, b"")], [(0, "text")],
])
def test_frames_the_backend_would_refuse_are_never_sent(frames):
    client, session = client_for((200, ACCEPTED))
    with pytest.raises(BackendError) as info:
        client.upload_frames("F-1", frames)
    assert info.value.reason is Reason.INTERNAL and not session.sent


@pytest.mark.parametrize("answer", [
    {**ACCEPTED, "selfie_id": "F-2"},  # about another selfie
    {**ACCEPTED, "accepted": 3},  # more than were sent
    {**ACCEPTED, "accepted": -1},
    {**ACCEPTED, "accepted": "2"},
    {**ACCEPTED, "frames_total": 1},  # fewer in all than just accepted
    {k: v for k, v in ACCEPTED.items() if k != "frames_total"},
])
def test_hostile_upload_answers_are_bad_answers(answer):
    client, _ = client_for((200, answer))
    with pytest.raises(BackendError) as info:
        client.upload_frames("F-1", [(0, b"j"), (100, b"j")])
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


@pytest.mark.parametrize(("status", "code"), [
    (409, "SELFIE_REJECTED"), (409, "SELFIE_CLOSED"), (410, "SELFIE_EXPIRED"),
    (404, "SELFIE_UNKNOWN"),
])
def test_upload_errors_carry_the_backends_code(status, code):
    client, session = client_for((status, {"error": {"reason": code, "message": "x"}}))
    with pytest.raises(BackendError) as info:
        client.upload_frames("F-1", [(0, b"j")])
    assert not isinstance(info.value, RefusedError)  # not for the member: stop and finish
    assert info.value.context["code"] == code and len(session.sent) == 1


def test_finish_reads_pass_or_fail_and_why():
    client, session = client_for((200, {**VERDICT, "live": False, "reason": "no_motion"}))
    verdict = client.finish_selfie("F-1")
    assert (verdict.live, verdict.reason) == (False, "no_motion")
    assert session.sent[0]["url"] == "http://backend.test/v1/selfies/F-1/finish"
    assert session.sent[0]["json"] == {}


@pytest.mark.parametrize("answer", [
    {**VERDICT, "live": "true"}, {**VERDICT, "live": 1}, {**VERDICT, "live": None},
    {k: v for k, v in VERDICT.items() if k != "live"},
    {**VERDICT, "selfie_id": "F-9"}, {**VERDICT, "reason": 42},
    {**VERDICT, "reason": "x" * 65},
])
def test_hostile_verdicts_are_bad_answers(answer):
    client, _ = client_for((200, answer))
    with pytest.raises(BackendError) as info:
        client.finish_selfie("F-1")
    assert info.value.reason is Reason.BACKEND_BAD_RESPONSE


@pytest.mark.parametrize("selfie_id", ["../F-1", "", "F 1"])
def test_selfie_ids_are_checked_before_they_go_into_a_path(selfie_id):
    client, session = client_for((200, VERDICT))
    with pytest.raises(BackendError):
        client.finish_selfie(selfie_id)
    assert not session.sent


@pytest.mark.parametrize("reason", ["LIVENESS_FAILED", "FACE_MISMATCH", "IDENTITY_LOCKED"])
def test_verify_refusals_of_the_identity_check(reason):
    client, session = client_for((409, {"error": {"reason": reason, "message": "no"}}))
    with pytest.raises(RefusedError) as info:
        client.verify("S-1", "R-1", "F-1")
    assert info.value.reason is Reason(reason)
    assert session.sent[0]["json"] == {"session_id": "S-1", "reservation_id": "R-1",
                                       "selfie_id": "F-1"}
