"""How the kiosk reads the backend's answers when they are not what it asked
for: a body too large or not JSON (``read_body``), and the typed error of an
error answer (``error_of``): unreachable (502/503/504) ->
``BACKEND_UNREACHABLE``; 401 -> ``BACKEND_UNAUTHORIZED``; a documented refusal
(409) -> ``RefusedError(reason=<code>, **context)``; a staff login or book
change refused (403) -> its own reason; junk -> ``BACKEND_BAD_RESPONSE``; any
other -> ``BACKEND_ERROR`` with ``code`` and ``status``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from common.errors import BackendError, Reason, RefusedError
from kiosk.api_read import BadAnswer, error_context

MAX_RESPONSE_BYTES = 1 << 20
_UNREACHABLE_STATUS = frozenset({502, 503, 504})
# Reasons the backend may refuse with (backend/REASONS.md); anything else in a
# 409 is not a member-facing refusal.
REFUSAL_REASONS = frozenset({
    Reason.NOT_SUPER_MEMBER, Reason.QUOTA_EXCEEDED, Reason.DRIVE_OPEN, Reason.DRIVE_OVERDUE,
    Reason.FACE_MISMATCH, Reason.LIVENESS_FAILED, Reason.PASS_INVALID, Reason.PASS_EXPIRED,
    Reason.PASS_REPLAYED, Reason.PASS_WRONG_TOWER, Reason.CAR_UNAVAILABLE,
    Reason.RESERVATION_EXPIRED, Reason.NO_OPEN_DRIVE, Reason.MEMBER_UNKNOWN,
    Reason.RETURN_BAY_INVALID, Reason.IDENTITY_LOCKED, Reason.MODEL_ALREADY_DRIVEN,
    Reason.PAYMENT_EXPIRED, Reason.PAYMENT_CANCELLED})
# 403s of staff logins and book changes, raised with their own reason.
STAFF_REASONS = frozenset({"STAFF_DENIED", "STAFF_LOCKED", "STAFF_SESSION_REQUIRED"})


def read_body(resp: requests.Response) -> Any:
    """The body as JSON, or ``BadAnswer`` wrapped by the caller; never huge."""
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(65536):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            return BadAnswer("answer too large")
        chunks.append(chunk)
    raw = b"".join(chunks)
    ctype = resp.headers.get("Content-Type", "")
    if "json" not in ctype.lower():
        return BadAnswer(f"answer is {ctype or 'untyped'}, not JSON")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return BadAnswer("answer is not valid JSON")


def error_of(status: int, data: Any, path: str) -> BackendError:
    """The typed error of an error answer (module docstring)."""
    err = data.get("error") if isinstance(data, dict) else None
    code = err.get("reason") if isinstance(err, dict) else None
    message = err.get("message") if isinstance(err, dict) else None
    message = message if isinstance(message, str) else f"backend answered {status}"
    message = message[:300]
    if status == 401:
        return BackendError("the backend refused this kiosk's credentials",
                            reason=Reason.BACKEND_UNAUTHORIZED, path=path)
    if status in _UNREACHABLE_STATUS:
        return BackendError(message, reason=Reason.BACKEND_UNREACHABLE, status=status,
                            path=path)
    if status == 409 and isinstance(code, str) and code in Reason.__members__:
        reason = Reason(code)
        if reason in REFUSAL_REASONS:
            return RefusedError(message, reason=reason, **error_context(err))
    if status == 410 and code == Reason.SESSION_EXPIRED.value:
        # The member took too long between steps: a refusal they can act on.
        return RefusedError(message, reason=Reason.SESSION_EXPIRED, path=path)
    if status == 403 and code in STAFF_REASONS:
        # A staff login or book change refused (backend/REASONS.md): staff read why.
        return BackendError(message, reason=Reason(code), **{
            **error_context(err), "status": status, "code": code, "path": path})
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z_]{1,40}", code):
        return BackendError(f"backend answered {status} without a reason",
                            reason=Reason.BACKEND_BAD_RESPONSE, status=status, path=path)
    return BackendError(message, reason=Reason.BACKEND_ERROR, status=status, code=code,
                        path=path)
