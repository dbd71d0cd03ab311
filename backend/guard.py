"""The door of the service (pure ASGI middleware): body size and kiosk auth.

It runs before any routing or body parsing, so an unauthenticated caller
learns nothing (not even whether its JSON was valid), and no handler ever
sees more than ``max_body_bytes``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from sqlalchemy import select

from backend.db import Database
from backend.models import Kiosk
from backend.util import KioskCtx

MAX_BODY_BYTES = 64 * 1024
PUBLIC_PATHS = frozenset({"/v1/health", "/v1/pass-key"})
_CACHE_TTL_S = 10.0

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def hash_key(key: str) -> str:
    # Kiosk keys are long random tokens, not passwords: one SHA-256 is enough
    # to keep them out of the database in usable form.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


async def _send_json(send: Send, status: int, body: dict[str, Any],
                     extra: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode("utf-8")
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(data)).encode("ascii")), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def _error(reason: str, message: str) -> dict[str, Any]:
    return {"error": {"reason": reason, "message": message}}


class Guard:
    def __init__(self, app: Any, db: Database, max_body_bytes: int = MAX_BODY_BYTES,
                 route_limits: tuple[tuple[re.Pattern[str], int], ...] = ()) -> None:
        self.app = app
        self.db = db
        self.max_body_bytes = max_body_bytes
        # Larger bodies for named routes only (a selfie's frames); the limit
        # applies only once the caller has authenticated.
        self.route_limits = route_limits
        self._cache: dict[str, tuple[str, str, float]] = {}

    def _lookup(self, kiosk_id: str) -> tuple[str, str] | None:
        with self.db.read() as s:
            row = s.execute(select(Kiosk.tower_id, Kiosk.key_hash)
                            .where(Kiosk.id == kiosk_id)).first()
        return (row[0], row[1]) if row else None

    async def _authenticate(self, headers: dict[bytes, bytes]) -> KioskCtx | None:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        kiosk_id = headers.get(b"x-kiosk-id", b"").decode("latin-1")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or not key or not kiosk_id or len(kiosk_id) > 32:
            return None
        now = time.monotonic()
        hit = self._cache.get(kiosk_id)
        if hit is None or now - hit[2] > _CACHE_TTL_S:
            found = await anyio.to_thread.run_sync(self._lookup, kiosk_id)
            if found is None:
                return None
            hit = (found[0], found[1], now)
            self._cache[kiosk_id] = hit
        if not hmac.compare_digest(hit[1], hash_key(key.strip())):
            return None
        return KioskCtx(kiosk_id=kiosk_id, tower_id=hit[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        limit = self.max_body_bytes
        if path.startswith("/v1/") and path not in PUBLIC_PATHS:
            ctx = await self._authenticate(headers)
            if ctx is None:
                await _send_json(send, 401, _error("UNAUTHORIZED",
                                                   "Kiosk credentials missing or wrong."),
                                 [(b"www-authenticate", b"Bearer")])
                return
            scope.setdefault("state", {})["kiosk"] = ctx
            for pattern, route_limit in self.route_limits:
                if pattern.match(path):
                    limit = route_limit
        try:
            declared = int(headers.get(b"content-length", b"0") or b"0")
        except ValueError:
            await _send_json(send, 400, _error("BAD_REQUEST", "Bad Content-Length."))
            return
        if declared > limit:
            await _send_json(send, 413, _error("BODY_TOO_LARGE",
                                               f"Bodies are limited to {limit} bytes."))
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        # Buffer the (small) body so a chunked upload cannot exceed the limit.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_json(send, 413, _error("BODY_TOO_LARGE",
                                                   f"Bodies are limited to {limit} bytes."))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
