"""The door of the service (pure ASGI middleware): body size, kiosk and
member-app auth, and the throttle on failed authentications.

It runs before any routing or body parsing, so an unauthenticated caller
learns nothing (not even whether its JSON was valid), and no handler ever
sees more than ``max_body_bytes``.

Equal cost for every wrong answer: an unknown kiosk id and a wrong key take
the same path (a cached lookup, one SHA-256, one constant-time compare
against the stored or a dummy hash), so timing does not tell which kiosk
ids exist. Unknown, deactivated and wrong member tokens are one answer.
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

from backend.auth_throttle import SharedThrottle, ThrottleStore
from backend.db import Database
from backend.models import Kiosk, Member
from backend.throttle import Limit
from backend.util import KioskCtx

MAX_BODY_BYTES = 64 * 1024
PUBLIC_PATHS = frozenset({"/v1/health", "/v1/pass-key"})
MEMBER_PREFIX = "/v1/member/"  # the member app's calls: member token, not kiosk key
# How long a looked-up credential is trusted: a rotation or revocation made
# by ``kiosk-backend kiosk`` reaches a running service within this time.
CACHE_TTL_S = 2.0
_CACHE_MAX = 10_000
# A kiosk retries a failed call a few times; 10 failures a minute from one
# address is a guesser. Per kiosk id the count is higher (guesses spread
# over many addresses), and a blocked id is still let in from the addresses
# it signed in from before, so a guesser cannot lock a kiosk out.
ADDRESS_LIMIT = Limit(failures=10, window_s=60.0, block_s=30.0, max_block_s=3600.0)
IDENTITY_LIMIT = Limit(failures=20, window_s=60.0, block_s=30.0, max_block_s=3600.0)
_DUMMY_HASH = "0" * 64  # compared against when the id is unknown: same cost

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


def _bearer(headers: dict[bytes, bytes]) -> str:
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class Guard:
    def __init__(self, app: Any, db: Database, max_body_bytes: int = MAX_BODY_BYTES,
                 route_limits: tuple[tuple[re.Pattern[str], int], ...] = (),
                 clock: Any = time.monotonic, throttle: bool = True,
                 store: ThrottleStore | None = None) -> None:
        self.app = app
        self.db = db
        self.max_body_bytes = max_body_bytes
        # Larger bodies for named routes only (a selfie's frames); the limit
        # applies only once the caller has authenticated.
        self.route_limits = route_limits
        self.clock = clock
        # kiosk id -> (tower id or None when unknown, key hash, looked up at)
        self._cache: dict[str, tuple[str | None, str, float]] = {}
        self.throttle = throttle
        # Failures and blocks live in the database: every replica counts and
        # enforces them (backend/auth_throttle.py).
        self.store = store or ThrottleStore(db)
        self.by_address = SharedThrottle(self.store, ADDRESS_LIMIT, "a")
        self.by_identity = SharedThrottle(self.store, IDENTITY_LIMIT, "i")

    def _lookup(self, kiosk_id: str) -> tuple[str | None, str]:
        with self.db.read() as s:
            row = s.execute(select(Kiosk.tower_id, Kiosk.key_hash, Kiosk.revoked_at)
                            .where(Kiosk.id == kiosk_id)).first()
        if row is None or row[2] is not None:
            return None, _DUMMY_HASH
        return row[0], row[1]

    def _member_of(self, token_hash: str) -> str | None:
        with self.db.read() as s:
            row = s.execute(select(Member.id, Member.active)
                            .where(Member.token_hash == token_hash)).first()
        return row[0] if row is not None and row[1] else None

    async def _authenticate(self, headers: dict[bytes, bytes]) -> KioskCtx | None:
        key = _bearer(headers)
        kiosk_id = headers.get(b"x-kiosk-id", b"").decode("latin-1")
        if not key or not kiosk_id or len(kiosk_id) > 32:
            return None
        now = self.clock()
        hit = self._cache.get(kiosk_id)
        if hit is None or now - hit[2] > CACHE_TTL_S:
            # Unknown ids are cached too: otherwise each would cost a
            # database read that a known id's cached check does not.
            tower_id, key_hash = await anyio.to_thread.run_sync(self._lookup, kiosk_id)
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()  # cheap and rare: a flood of made-up ids
            hit = self._cache[kiosk_id] = (tower_id, key_hash, now)
        match = hmac.compare_digest(hit[1], hash_key(key))
        if not match or hit[0] is None:
            return None
        return KioskCtx(kiosk_id=kiosk_id, tower_id=hit[0])

    async def _authenticate_member(self, headers: dict[bytes, bytes]) -> str | None:
        token = _bearer(headers)
        if not token or len(token) > 256:
            return None
        # A unique index on the hash: the lookup costs the same whether or
        # not the token exists, and the hash is compared by the database.
        return await anyio.to_thread.run_sync(self._member_of, hash_key(token))

    async def _refuse_throttled(self, send: Send, address: str, identity: str) -> bool:
        if not self.throttle:
            return False
        await self.store.refresh_if_due()
        wait = self.by_address.retry_after_s(address)
        if not wait and identity:
            blocked = self.by_identity.retry_after_s(identity)
            # A blocked kiosk id is still let in from where it signed in
            # before (read from the database only while it is blocked).
            if blocked and not await anyio.to_thread.run_sync(self.store.knows, identity,
                                                              address):
                wait = blocked
        if not wait:
            return False
        await _send_json(send, 429, _error("TOO_MANY_ATTEMPTS",
                                           "Too many failed sign-ins; try again later."),
                         [(b"retry-after", str(wait).encode("ascii"))])
        return True

    async def _door(self, scope: Scope, headers: dict[bytes, bytes], path: str,
                    send: Send) -> bool:
        """Authenticate a guarded path. False: an answer was sent, stop."""
        client = scope.get("client") or ("?", 0)
        address = str(client[0])
        member = path.startswith(MEMBER_PREFIX)
        identity = "" if member else "k:" + headers.get(b"x-kiosk-id", b"").decode(
            "latin-1")[:32]
        if await self._refuse_throttled(send, address, identity):
            return False
        state = scope.setdefault("state", {})
        if member:
            member_id = await self._authenticate_member(headers)
            if member_id is not None:
                state["member"] = member_id
        else:
            ctx = await self._authenticate(headers)
            if ctx is not None:
                state["kiosk"] = ctx
        if state.get("member") or state.get("kiosk"):
            if identity and self.throttle and self.store.is_new_good(identity, address):
                await anyio.to_thread.run_sync(self.store.remember, identity, address)
            return True
        if self.throttle:
            await self.by_address.fail(address)
            if identity:
                await self.by_identity.fail(identity)
        what = "Member sign-in" if member else "Kiosk credentials"
        await _send_json(send, 401, _error("UNAUTHORIZED", f"{what} missing or wrong."),
                         [(b"www-authenticate", b"Bearer")])
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        limit = self.max_body_bytes
        if path.startswith("/v1/") and path not in PUBLIC_PATHS:
            if not await self._door(scope, headers, path, send):
                return
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
