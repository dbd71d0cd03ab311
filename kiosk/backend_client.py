"""The kiosk's client for the backend's /v1 API (requests, Qt-free, thread-safe).

Every call:
- has a connect and a read timeout;
- is retried (bounded, exponential backoff with jitter) only when repeating
  it is harmless: GETs, and POSTs, which all carry an ``Idempotency-Key``
  (generated here, or passed by the caller so that e.g. a lift-job report
  retried after a crash reuses the key of the first attempt);
- validates the answer strictly into a frozen dataclass.

The transport (which certificates to trust, the pin, nothing from the
environment) is ``kiosk.http_transport``'s.

Failures are ``common.errors`` types: unreachable (connection refused, timeout,
502/503/504) -> ``BackendError(BACKEND_UNREACHABLE)``; a server failing the
certificate pin -> ``BACKEND_PIN_MISMATCH`` (not retried); 401 ->
``BACKEND_UNAUTHORIZED``; a documented refusal (409) ->
``RefusedError(reason=<code>, **context)``; junk -> ``BACKEND_BAD_RESPONSE``;
any other error answer -> ``BACKEND_ERROR`` with ``code`` and ``status``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import requests

from common.errors import BackendError, Reason
from kiosk.api_answers import (
    JOB_OUTCOMES,
    Authorization,
    BayRecord,
    CarMove,
    CarOption,
    Health,
    HeartbeatAnswer,
    JobReport,
    KioskStatus,
    LockAlert,
    Order,
    PassSession,
    Reservation,
    ReturnJob,
    StaffTicket,
    TowerBays,
    bay_record,
    heartbeat_answer,
)
from kiosk.api_errors import REFUSAL_REASONS, error_of, read_body
from kiosk.api_read import (
    ID_RE,
    BadAnswer,
    read_bool,
    read_field,
    read_id,
    read_int,
    read_list,
    read_names,
    read_obj,
    read_str,
    read_time,
)
from kiosk.http_transport import (
    SessionFactory,
    SessionPool,
    is_pin_mismatch,
    transport_factory,
)
from kiosk.rules_api import Payment, eligibility_of, model_facts_of, payment_of
from kiosk.selfie_api import (
    SelfieTicket,
    SelfieVerdict,
    frames_body,
    parse_accepted,
    parse_ticket,
    parse_verdict,
)

# The answers are defined in kiosk.api_answers / kiosk.selfie_api; callers
# import them from here, next to the client that returns them.
__all__ = ["JOB_OUTCOMES", "REFUSAL_REASONS", "Authorization", "BackendClient", "BayRecord",
           "CarMove", "CarOption", "Health", "HeartbeatAnswer", "JobReport", "KioskStatus",
           "LockAlert", "Order", "PassSession", "Reservation", "ReturnJob", "SelfieTicket", "SelfieVerdict", "TowerBays"]

log = logging.getLogger(__name__)

T = TypeVar("T")
_RETRY_STATUS = frozenset({500, 502, 503, 504})


# -- the client -------------------------------------------------------------------------


class BackendClient:
    def __init__(self, base_url: str, kiosk_id: str, kiosk_key: str, timeout_s: float = 5.0,
                 retries: int = 2, connect_timeout_s: float | None = None,
                 backoff_s: float = 0.2, backoff_max_s: float = 2.0,
                 session_factory: SessionFactory | None = None, ca_file: str = "",
                 pin_sha256: str = "", allow_insecure_http: bool = False) -> None:
        """``ca_file``, ``pin_sha256``, ``allow_insecure_http``: as in ``[backend]``.
        ``session_factory`` replaces the real transport (tests' fake sessions)."""
        if not base_url.startswith(("http://", "https://")):
            raise BackendError(f"backend URL {base_url!r} is not http(s)",
                               reason=Reason.CONFIG_INVALID)
        if session_factory is None:
            session_factory = transport_factory(base_url, ca_file, pin_sha256,
                                                allow_insecure_http)
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self._key = kiosk_key
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s if connect_timeout_s is not None else min(
            timeout_s, 3.0)
        self.retries = max(0, retries)
        self.backoff_s, self.backoff_max_s = backoff_s, backoff_max_s
        self._sessions = SessionPool(session_factory)
        self._closed = False

    def __repr__(self) -> str:  # never shows the key
        return f"BackendClient({self.base_url!r}, kiosk_id={self.kiosk_id!r})"

    # -- plumbing ------------------------------------------------------------------
    def _session(self) -> requests.Session:
        return self._sessions.get()

    def close(self) -> None:
        self._closed = True
        self._sessions.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self._key}", "X-Kiosk-Id": self.kiosk_id,
             "Accept": "application/json"}
        if idempotency_key is not None:
            h["Idempotency-Key"] = idempotency_key
        return h

    def _backoff(self, attempt: int) -> None:
        delay = min(self.backoff_max_s, self.backoff_s * (2 ** attempt))
        time.sleep(delay * random.uniform(0.5, 1.0))

    def _request(self, method: str, path: str, body: Any = None,
                 idempotency_key: str | None = None, auth: bool = True,
                 extra_headers: Mapping[str, str] | None = None) -> Any:
        """One logical call: returns the decoded JSON object of a 2xx answer."""
        if self._closed:
            raise BackendError("the backend client is closed", reason=Reason.BACKEND_UNREACHABLE)
        if method != "GET" and idempotency_key is None:
            idempotency_key = uuid.uuid4().hex
        if idempotency_key is not None and not re.fullmatch(r"[A-Za-z0-9_.:-]{8,128}",
                                                            idempotency_key):
            raise BackendError("bad idempotency key", reason=Reason.INTERNAL)
        headers = self._headers(idempotency_key) if auth else {"Accept": "application/json"}
        headers.update(extra_headers or {})
        url = self.base_url + path
        last: BackendError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._backoff(attempt - 1)
            t0 = time.monotonic()
            try:
                resp = self._session().request(
                    method, url, json=body, headers=headers, stream=True,
                    timeout=(self.connect_timeout_s, self.timeout_s), allow_redirects=False)
                try:
                    status, data = resp.status_code, read_body(resp)
                finally:
                    resp.close()
            except requests.RequestException as exc:
                if is_pin_mismatch(exc):
                    # Not an outage: another certificate answered (an impostor,
                    # or a renewed one the config does not pin yet). Retrying
                    # cannot help; the key was never sent.
                    log.error("%s %s: the backend's certificate does not match the pin",
                              method, path)
                    raise BackendError("the backend's certificate is not the pinned one",
                                       reason=Reason.BACKEND_PIN_MISMATCH, path=path) from None
                last = BackendError(f"backend unreachable: {type(exc).__name__}",
                                    reason=Reason.BACKEND_UNREACHABLE, path=path,
                                    attempt=attempt + 1)
                log.warning("%s %s failed (%s), attempt %d", method, path,
                            type(exc).__name__, attempt + 1)
                continue
            log.debug("%s %s -> %d in %.0f ms", method, path, status,
                      (time.monotonic() - t0) * 1000)
            if status in _RETRY_STATUS:
                last = error_of(status, data, path)
                continue
            if 200 <= status < 300:
                if not isinstance(data, dict):
                    raise BackendError("backend answer is not a JSON object",
                                       reason=Reason.BACKEND_BAD_RESPONSE, path=path)
                return data
            raise error_of(status, data, path)
        assert last is not None
        raise last

    def _parse(self, data: Any, path: str, parse: Callable[[Mapping[str, Any]], T]) -> T:
        try:
            if isinstance(data, BadAnswer):
                raise data
            return parse(read_obj(data, "answer"))
        except BadAnswer as exc:
            raise BackendError(f"unexpected backend answer: {exc}",
                               reason=Reason.BACKEND_BAD_RESPONSE, path=path) from None

    def _call(self, method: str, path: str, parse: Callable[[Mapping[str, Any]], T],
              body: Any = None, idempotency_key: str | None = None, auth: bool = True,
              extra_headers: Mapping[str, str] | None = None) -> T:
        return self._parse(self._request(method, path, body, idempotency_key, auth,
                                         extra_headers), path, parse)

    # -- the API -----------------------------------------------------------------------
    def health(self) -> Health:
        """``GET /v1/health`` (no auth). A 503 (database down) raises UNREACHABLE."""
        return self._call("GET", "/v1/health", lambda d: Health(
            status=read_str(d, "status", max_len=20), version=read_str(d, "version", max_len=40),
            db=read_str(d, "db", max_len=20), time=read_time(d, "time")), auth=False)

    def pass_public_key(self) -> bytes:
        """The raw 32-byte Ed25519 key that signs member passes."""
        def parse(d: Mapping[str, Any]) -> bytes:
            if read_str(d, "alg") != "Ed25519":
                raise BadAnswer("unexpected key algorithm")
            try:
                raw = base64.b64decode(read_str(d, "public_key", max_len=64), validate=True)
            except (binascii.Error, ValueError):
                raise BadAnswer("public_key is not base64") from None
            if len(raw) != 32:
                raise BadAnswer("public_key is not 32 bytes")
            return raw

        return self._call("GET", "/v1/pass-key", parse, auth=False)

    def redeem_pass(self, text: str, idempotency_key: str | None = None) -> PassSession:
        """Redeem a scanned pass (single use) and open a kiosk session."""
        return self._call("POST", "/v1/sessions", lambda d: PassSession(
            session_id=read_id(d, "session_id"), member_ref=read_str(d, "member_ref", max_len=32),
            preselected_model=read_str(d, "preselected_model", optional=True, max_len=32) or None,
            has_open_drive=read_bool(d, "has_open_drive"), expires_at=read_time(d, "expires_at"),
            eligibility=eligibility_of(read_field(d, "eligibility", dict))),
            {"pass_text": text}, idempotency_key)

    def inventory(self) -> list[CarOption]:
        """Every model x colour this kiosk's tower carries (0 available = greyed)."""
        def parse(d: Mapping[str, Any]) -> list[CarOption]:
            return [CarOption(model=read_id(o, "model"), colour=read_id(o, "colour"),
                              model_names=read_names(o, "model_name"),
                              colour_names=read_names(o, "colour_name"),
                              available_count=read_int(o, "available_count"),
                              facts=model_facts_of(o))
                    for o in (read_obj(x, "option") for x in read_list(d, "options", 1000))]

        return self._call("GET", "/v1/inventory", parse)

    def reserve(self, session_id: str, model: str, colour: str = "",
                idempotency_key: str | None = None) -> Reservation:
        """Hold one car (a bay) for a few minutes; colour "" = any colour."""
        return self._call("POST", "/v1/reservations", lambda d: Reservation(
            reservation_id=read_id(d, "reservation_id"), car_id=read_id(d, "car_id"),
            bay=read_int(d, "bay", 1), model=read_id(d, "model"), colour=read_id(d, "colour"),
            expires_at=read_time(d, "expires_at")),
            {"session_id": session_id, "model": model, "colour": colour}, idempotency_key)

    def release(self, reservation_id: str, idempotency_key: str | None = None) -> bool:
        """Give the bay back. True if it was still held (False: already gone)."""
        return self._call("POST", f"/v1/reservations/{self._path_id(reservation_id)}/release",
                          lambda d: read_bool(d, "released"), None, idempotency_key)

    def open_selfie(self, session_id: str, idempotency_key: str | None = None) -> SelfieTicket:
        """Ask the backend to open a selfie for this session; it draws the
        challenges. A locked-out member: ``RefusedError(IDENTITY_LOCKED, retry_at=...)``."""
        return self._call("POST", "/v1/selfies", parse_ticket, {"session_id": session_id},
                          idempotency_key)

    def upload_frames(self, selfie_id: str, frames: Sequence[tuple[int, bytes]],
                      idempotency_key: str | None = None) -> int:
        """Send 1..20 ``(t_ms, jpeg)`` frames of an open selfie; returns how many
        the backend accepted. Any error means: stop uploading, go on to finish."""
        try:
            body = frames_body(frames)
        except ValueError as exc:
            raise BackendError(f"frames not sent: {exc}", reason=Reason.INTERNAL) from None
        path = f"/v1/selfies/{self._path_id(selfie_id)}/frames"
        return self._call("POST", path, lambda d: parse_accepted(d, selfie_id, len(frames)),
                          body, idempotency_key)

    def finish_selfie(self, selfie_id: str, idempotency_key: str | None = None) -> SelfieVerdict:
        """No more frames: the backend judges the selfie (live or not, and why)."""
        return self._call("POST", f"/v1/selfies/{self._path_id(selfie_id)}/finish",
                          lambda d: parse_verdict(d, selfie_id), {}, idempotency_key)

    def verify(self, session_id: str, reservation_id: str, selfie_id: str,
               idempotency_key: str | None = None, payment_id: str | None = None
               ) -> Authorization:
        """The backend's judged selfie, face, member rules, reservation -> a
        lift job, or RefusedError (LIVENESS_FAILED, FACE_MISMATCH, IDENTITY_LOCKED...).
        ``payment_id``: a paid drive's payment (a member below the threshold)."""
        body = {"session_id": session_id, "reservation_id": reservation_id,
                "selfie_id": selfie_id}
        if payment_id:
            body["payment_id"] = payment_id
        return self._call("POST", "/v1/verify", lambda d: Authorization(
            job_id=read_id(d, "job_id"), source_bay=read_int(d, "source_bay", 1),
            delivery_bay=read_int(d, "delivery_bay", 1), return_by=read_time(d, "return_by"),
            car_id=read_id(d, "car_id"), model=read_id(d, "model", optional=True),
            colour=read_id(d, "colour", optional=True)), body, idempotency_key)

    def report_job(self, job_id: str, outcome: str,
                   idempotency_key: str | None = None) -> JobReport:
        """Tell the backend how a lift job ended. Pass the same key when retrying
        a report after a restart (e.g. ``f"report-{job_id}"``)."""
        if outcome not in JOB_OUTCOMES:
            raise BackendError(f"unknown job outcome {outcome!r}", reason=Reason.INTERNAL)

        def parse(d: Mapping[str, Any]) -> JobReport:
            state = read_str(d, "state", max_len=20)
            kind = read_str(d, "kind", max_len=20)
            if state not in JOB_OUTCOMES or kind not in ("delivery", "return"):
                raise BadAnswer("unexpected job state")
            return JobReport(job_id=read_id(d, "job_id"), kind=kind, state=state,
                             drive_id=read_id(d, "drive_id", optional=True),
                             return_by=read_time(d, "return_by", optional=True))

        return self._call("POST", f"/v1/jobs/{self._path_id(job_id)}/report", parse,
                          {"outcome": outcome}, idempotency_key)

    # -- paid drives (backend/REASONS.md, "Paid drives") ----------------------------------
    def open_payment(self, session_id: str, idempotency_key: str | None = None) -> Payment:
        """The session's paid-drive payment (a new one, or its live one)."""
        return self._call("POST", "/v1/payments", payment_of, {"session_id": session_id},
                          idempotency_key)

    def payment(self, payment_id: str) -> Payment:
        """Poll a payment: paid yet? (expired, cancelled...)"""
        return self._call("GET", f"/v1/payments/{self._path_id(payment_id)}", payment_of)

    def cancel_payment(self, payment_id: str, idempotency_key: str | None = None) -> Payment:
        """Cancel a pending payment (a paid, unused one is refunded)."""
        return self._call("POST", f"/v1/payments/{self._path_id(payment_id)}/cancel",
                          payment_of, None, idempotency_key)

    def start_return(self, session_id: str, from_bay: int | None = None,
                     idempotency_key: str | None = None) -> ReturnJob:
        """The member brings the car back: a job from the delivery bay the car
        stands in (``from_bay``, from the lift's sensors) to a free bay."""
        return self._call("POST", "/v1/returns", lambda d: ReturnJob(
            job_id=read_id(d, "job_id"), from_bay=read_int(d, "from_bay", 1),
            to_bay=read_int(d, "to_bay", 1), drive_id=read_id(d, "drive_id"),
            car_id=read_id(d, "car_id"), model=read_id(d, "model", optional=True),
            colour=read_id(d, "colour", optional=True), overdue=read_bool(d, "overdue")),
            {"session_id": session_id, "from_bay": from_bay}, idempotency_key)

    def buy(self, session_id: str, model: str = "", idempotency_key: str | None = None) -> Order:
        """Open an order; model "" = the model of the member's latest drive."""
        def parse(d: Mapping[str, Any]) -> Order:
            url = read_str(d, "url", max_len=500)
            if not url.startswith(("http://", "https://")):
                raise BadAnswer("order url is not http(s)")
            return Order(order_id=read_id(d, "order_id"), model=read_id(d, "model"), url=url)

        return self._call("POST", "/v1/orders", parse,
                          {"session_id": session_id, "model": model}, idempotency_key)

    def bays(self) -> TowerBays:
        """The tower's storage bays with the car in each (staff audit, simulator)."""
        return self._call("GET", "/v1/bays", lambda d: TowerBays(
            tower_id=read_id(d, "tower_id"), levels=read_int(d, "levels", 1),
            bays_per_level=read_int(d, "bays_per_level", 1),
            delivery_bays=tuple(self._ints(read_list(d, "delivery_bays", 100))),
            bays=tuple(bay_record(read_obj(b, "bay")) for b in read_list(d, "bays"))))

    # -- staff: book changes need a staff session (backend/REASONS.md) ------------------
    def open_staff_session(self, name: str, pin: str) -> StaffTicket:
        """The backend checks this person's PIN: a staff session for this kiosk, or
        ``BackendError(STAFF_DENIED)`` / ``(STAFF_LOCKED, retry_after_s=...)``."""
        return self._call("POST", "/v1/staff/sessions", lambda d: StaffTicket(
            token=read_str(d, "token", max_len=128), staff=read_str(d, "staff", max_len=64),
            expires_at=read_time(d, "expires_at")), {"name": name, "pin": pin})

    def keep_staff_session(self, token: str) -> str:
        """The session's idle time starts over (staff still at work); its person's
        name, or ``BackendError(STAFF_SESSION_REQUIRED)`` once it has ended."""
        return self._call("GET", "/v1/staff/sessions/current",
                          lambda d: read_str(d, "staff", max_len=64), extra_headers=_staff(token))

    def end_staff_session(self, token: str) -> bool:
        """Logout on the backend; False if the session had already ended."""
        return self._call("DELETE", "/v1/staff/sessions/current",
                          lambda d: read_bool(d, "ended"), extra_headers=_staff(token))

    def set_bay_maintenance(self, bay: int, in_maintenance: bool, note: str | None = None,
                            idempotency_key: str | None = None, *,
                            staff_session: str | None = None,
                            made_by: str | None = None) -> BayRecord:
        """``staff_session``: the token of an online staff login; ``made_by``: who
        made the change, when not that session's person."""
        body = {"in_maintenance": bool(in_maintenance), "note": note}
        return self._call("POST", f"/v1/bays/{int(bay)}/maintenance", bay_record,
                          _made_by(body, made_by), idempotency_key,
                          extra_headers=_staff(staff_session))

    def move_car(self, from_bay: int, to_bay: int,
                 idempotency_key: str | None = None, *, staff_session: str | None = None,
                 made_by: str | None = None) -> CarMove:
        """Record that staff move the car in storage bay ``from_bay`` to ``to_bay``
        (``staff_session``, ``made_by``: as for ``set_bay_maintenance``)."""
        def parse(d: Mapping[str, Any]) -> CarMove:
            state = read_str(d, "state", max_len=20)
            if state not in ("stored", "maintenance"):
                raise BadAnswer("unexpected car state")
            return CarMove(car_id=read_id(d, "car_id"), from_bay=read_int(d, "from_bay", 0),
                           to_bay=read_int(d, "to_bay", 0), state=state)

        return self._call("POST", f"/v1/bays/{int(from_bay)}/move", parse,
                          _made_by({"to_bay": int(to_bay)}, made_by), idempotency_key,
                          extra_headers=_staff(staff_session))

    def heartbeat(self, status: str, health: Mapping[str, Any] | None = None,
                  version: str | None = None,
                  idempotency_key: str | None = None) -> HeartbeatAnswer:
        """Report this kiosk's status (e.g. "ok", "out_of_service"); the answer has
        the server time and the tower's identity lockouts (short member ids)."""
        body = {"status": status, "health": dict(health or {}), "version": version}
        return self._call("POST", "/v1/heartbeat", heartbeat_answer, body, idempotency_key)

    def kiosks(self) -> list[KioskStatus]:
        """Every kiosk of this tower with when it was last seen."""
        def parse(d: Mapping[str, Any]) -> list[KioskStatus]:
            return [KioskStatus(kiosk_id=read_id(k, "kiosk_id"), tower_id=read_id(k, "tower_id"),
                                last_seen_at=read_time(k, "last_seen_at", optional=True),
                                status=read_str(k, "status", optional=True, max_len=32),
                                health=MappingProxyType(dict(read_field(k, "health", dict))))
                    for k in (read_obj(x, "kiosk") for x in read_list(d, "kiosks", 1000))]

        return self._call("GET", "/v1/kiosks", parse)

    # -- small helpers -------------------------------------------------------------------
    @staticmethod
    def _path_id(value: str) -> str:
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            raise BackendError(f"invalid id {value!r}", reason=Reason.INTERNAL)
        return value

    @staticmethod
    def _ints(values: list[Any]) -> list[int]:
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise BadAnswer("expected a list of integers")
        return values


def _staff(token: str | None) -> dict[str, str]:
    return {"X-Staff-Session": token} if token else {}


def _made_by(body: dict[str, Any], made_by: str | None) -> dict[str, Any]:
    # Only when given: the body (and so the Idempotency-Key's fingerprint) of
    # every other call stays as it was.
    return {**body, "made_by": made_by} if made_by else body
