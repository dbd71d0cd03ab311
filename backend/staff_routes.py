"""Staff sessions over HTTP, and the check every book-changing staff call makes.

    POST   /v1/staff/sessions          {name, pin} -> {token, staff, expires_at, ...}
    GET    /v1/staff/sessions/current  X-Staff-Session: <token> -> {staff} (idle time restarts)
    DELETE /v1/staff/sessions/current  X-Staff-Session: <token> -> {ended}

Both are kiosk calls (the Guard checks the kiosk key first). ``StaffDesk.
book_change`` wraps a staff route's operation: without a live session of the
calling kiosk in ``X-Staff-Session`` the answer is 403
``STAFF_SESSION_REQUIRED`` and nothing runs; with one, the operation runs and
its outcome is audited under that person's name in the same transaction.
The session is checked before the Idempotency-Key's stored answer is looked
up, so a replay needs a session too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend import schemas
from backend.auth_throttle import SharedThrottle, ThrottleStore
from backend.errors import ApiError
from backend.staff_service import STAFF_HEADER, StaffBook, session_required
from backend.throttle import Limit

Write = Callable[..., Awaitable[JSONResponse]]

# Each name locks itself after 5 wrong PINs, but a kiosk key could spray
# many names (each try costs the service ~50 ms of scrypt): 10 refused
# logins a minute from one kiosk pause that kiosk's logins (doubling).
LOGIN_LIMIT = Limit(failures=10, window_s=60.0, block_s=60.0, max_block_s=3600.0)

# OpenAPI of the guarded routes (the handler reads the header itself, like
# Idempotency-Key: a declared Header parameter costs dependency solving).
SESSION_PARAM = {
    "name": STAFF_HEADER, "in": "header", "required": True,
    "schema": {"type": "string", "maxLength": 128},
    "description": "The token of a staff session this kiosk opened (POST /v1/staff/sessions)."}
GUARDED_DOC: dict[str, Any] = {
    "openapi_extra": {"parameters": [SESSION_PARAM]},
    "responses": {403: {"model": schemas.ErrorOut,
                        "description": "STAFF_SESSION_REQUIRED: no live staff session of "
                                       "this kiosk"}}}
_LOGIN_403 = {403: {"model": schemas.ErrorOut,
                    "description": "STAFF_DENIED (wrong name or PIN, the same answer for "
                                   "both) or STAFF_LOCKED (+ retry_after_s)"}}


class StaffDesk:
    def __init__(self, book: StaffBook, run_write: Callable[[Callable[[], Any]], Awaitable[Any]],
                 write: Write, throttle: bool = True,
                 store: ThrottleStore | None = None) -> None:
        self.book = book
        self.run_write = run_write
        self.write = write
        # In the database, like the Guard's: the pause holds on every replica.
        self.store = store or ThrottleStore(book.db)
        self.logins = SharedThrottle(self.store, LOGIN_LIMIT, "s")
        self.throttle = throttle  # False: suites that refuse many logins on purpose

    async def book_change(self, request: Request, body: BaseModel | None, action: str,
                          op: Callable[[Any, Any], dict[str, Any]], **detail: Any
                          ) -> JSONResponse:
        """Run ``op(session, ctx)`` as ``write`` does, for a staff member only."""
        ctx = request.state.kiosk
        token = request.headers.get(STAFF_HEADER)
        name = await self.run_write(lambda: self.book.use_session(ctx, token, action, detail))
        if name is None:
            raise session_required()
        made_by = getattr(body, "made_by", None)
        if made_by:
            # Done at the kiosk while it was offline, by the name staff typed then.
            detail = {**detail, "made_by": made_by}
        return await self.write(request, body, self.book.audited(name, action, detail, op))


def add_routes(r: APIRouter, desk: StaffDesk) -> None:
    book = desk.book

    @r.post("/staff/sessions", response_model=schemas.StaffSessionOut, tags=["staff"],
            responses=_LOGIN_403, summary="Open a staff session with a person's name and PIN",
            description="The token is answered once (and stored only hashed); an "
                        "Idempotency-Key is accepted but no answer is stored. Wrong PINs "
                        "lock the name on an escalating schedule (backend/REASONS.md).")
    async def open_session(request: Request, body: schemas.StaffLoginIn) -> JSONResponse:
        ctx = request.state.kiosk
        if desk.throttle:
            await desk.store.refresh_if_due()
        wait = desk.logins.retry_after_s(ctx.kiosk_id) if desk.throttle else 0
        if wait:
            return JSONResponse({"error": {"reason": "TOO_MANY_ATTEMPTS",
                                           "message": "Too many refused staff logins at this "
                                                      "kiosk; try again later."}},
                                status_code=429, headers={"Retry-After": str(wait)})
        try:
            answer = await book.login(ctx, body.name, body.pin)
        except ApiError as exc:
            if exc.reason == "STAFF_DENIED":  # a PIN was checked (a lock costs nothing)
                await desk.logins.fail(ctx.kiosk_id)
            raise
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    @r.get("/staff/sessions/current", response_model=schemas.StaffAliveOut, tags=["staff"],
           summary="Keep the staff session named in X-Staff-Session alive",
           description="Its idle time starts over, as with a book change (the kiosk calls "
                       "this while staff work on the kiosk alone); 403 "
                       "STAFF_SESSION_REQUIRED once it has ended.", **GUARDED_DOC)
    async def keep_session(request: Request) -> JSONResponse:
        token = request.headers.get(STAFF_HEADER)
        name = await desk.run_write(lambda: book.use_session(request.state.kiosk, token,
                                                             "session", {}))
        if name is None:
            raise session_required()
        return JSONResponse({"staff": name})

    @r.delete("/staff/sessions/current", response_model=schemas.StaffLogoutOut,
              tags=["staff"], summary="End the staff session named in X-Staff-Session",
              openapi_extra={"parameters": [SESSION_PARAM]})
    async def end_session(request: Request) -> JSONResponse:
        token = request.headers.get(STAFF_HEADER)
        ended = await desk.run_write(lambda: book.end_session(request.state.kiosk, token))
        return JSONResponse({"ended": ended})
