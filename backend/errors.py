"""The backend's error type: an HTTP status, a reason code and context.

Answers carry ``{"error": {"reason": CODE, "message": TEXT, ...context}}``.
Status scheme (documented in REASONS.md):

- 409: a business refusal the member should read (``Refusal``);
- 400/404/410/413/422: the request itself is wrong (a kiosk bug);
- 401: missing or wrong kiosk credentials (no data at all);
- 500/503: the backend failed; safe to retry with the same Idempotency-Key.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str, **context: Any) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.context = context

    def body(self) -> dict[str, Any]:
        return {"error": {"reason": self.reason, "message": self.message, **self.context}}


class Refusal(ApiError):
    """The backend said no, for a documented member-facing reason."""

    def __init__(self, reason: str, message: str, **context: Any) -> None:
        super().__init__(409, reason, message, **context)


class StartupError(RuntimeError):
    """The service could not start (database, migrations, port)."""
