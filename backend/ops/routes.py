"""The console's routes, its session cookie and its CSRF checks.

Everything under ``/ops`` needs a live operator session except the login
form (``GET``/``POST /ops/login``) and the stylesheet the form uses; a
request without one is sent to the login form (303), and the page's
auto-refresh gets a 401 (the script then reloads into the login form).

- Cookie ``ops_session``: the session token, ``HttpOnly``, ``SameSite=Strict``,
  ``Path=/ops``, ``Secure`` when the request came over TLS.
- CSRF: every POST form carries the session's synchronizer token (random,
  kept in the session row, compared in constant time); the login form, before
  any session, carries an HMAC of a nonce held in a ``SameSite=Strict``
  cookie. A POST with a foreign ``Origin`` or ``Sec-Fetch-Site: cross-site``
  is refused as well.
- Failed logins: the name locks (``accounts``), and 10 failures a minute from
  one address block that address's logins for a minute, doubling (counted in
  the database with the kiosks' sign-in failures: every replica sees them).
- Every answer: a CSP without inline script, ``X-Frame-Options: DENY``,
  ``nosniff``, ``Referrer-Policy: same-origin``, ``Cache-Control: no-store``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from backend.auth_throttle import SharedThrottle, ThrottleStore
from backend.errors import ApiError
from backend.ops import actions, render, views
from backend.ops.accounts import OperatorBook, Who, audit
from backend.throttle import Limit

COOKIE, LOGIN_COOKIE = "ops_session", "ops_login"
REFRESH_S = 10.0  # the pages' auto-refresh (tests shorten it)
LOGIN_LIMIT = Limit(failures=10, window_s=60.0, block_s=60.0, max_block_s=3600.0)
REFRESH_HEADER = "x-ops-refresh"
_STATIC = Path(__file__).resolve().parent / "static"
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; connect-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer Chromium sends "Origin: null"
    # with the console's own form posts (found by the browser tests).
    "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
RunWrite = Callable[[Callable[[], Any]], Awaitable[Any]]


class LoginRequired(Exception):
    """No live operator session: the login form (or 401 for a refresh)."""


class FormRefused(Exception):
    """A POST whose CSRF token or origin is wrong: 403, nothing done."""


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=_HEADERS)


def _cookie(resp: Response, request: Request, name: str, value: str) -> None:
    resp.set_cookie(name, value, path="/ops", httponly=True, samesite="strict",
                    secure=request.url.scheme == "https")


async def _form(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        return {}
    raw = (await request.body()).decode("utf-8", "replace")
    try:
        parsed = parse_qs(raw, max_num_fields=20)
    except ValueError:
        return {}
    return {k: v[0] for k, v in parsed.items() if v}


def _same_origin(request: Request) -> bool:
    """No POST from another site: by ``Sec-Fetch-Site`` where the browser sends
    it, else by ``Origin`` (absent from old browsers and non-browser clients;
    the CSRF token is the check that always holds)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return fetch_site == "same-origin"
    o = urlsplit(origin)
    return (o.netloc == request.headers.get("host", "")
            and o.scheme == request.url.scheme)


class OpsDesk:
    def __init__(self, service: Any, run_write: RunWrite, secret: bytes,
                 throttles: ThrottleStore) -> None:
        self.service = service
        self.db = service.db
        self.run_write = run_write
        self.book = OperatorBook(service.db, service.now)
        self.secret = secret
        # In the database with the kiosks' sign-in blocks: every replica counts.
        self.throttles = throttles
        self.logins = SharedThrottle(throttles, LOGIN_LIMIT, "o")

    # -- who is asking ---------------------------------------------------------------
    async def operator(self, request: Request) -> Who:
        token = request.cookies.get(COOKIE)
        if request.headers.get(REFRESH_HEADER):
            # The auto-refresh reads; it does not keep an unattended login alive.
            who = await anyio.to_thread.run_sync(lambda: self.book.session(token, False))
        else:
            who = await self.run_write(lambda: self.book.session(token, True))
        if who is None:
            raise LoginRequired()
        request.state.operator = who
        return who

    def login_token(self, nonce: str) -> str:
        return hmac.new(self.secret, nonce.encode(), hashlib.sha256).hexdigest()

    async def checked_form(self, request: Request, who: Who) -> dict[str, str]:
        form = await _form(request)
        if not _same_origin(request) or not hmac.compare_digest(
                form.get("csrf", "").encode(), who.csrf.encode()):
            now = self.service.now()
            await self.run_write(lambda: self._audit_refusal(who.name, request.url.path, now))
            raise FormRefused()
        return form

    def _audit_refusal(self, name: str, path: str, now: float) -> None:
        with self.db.write() as s:
            audit(s, name, "post", "CSRF_REFUSED", now, target=path[:64])

    # -- the pages -------------------------------------------------------------------
    def page_data(self, path: str, tower: str | None, csrf: str, show_all: bool = False
                  ) -> tuple[str, list[str], str | None, float]:
        now = self.service.now()
        with self.db.read() as s:
            towers = views.tower_ids(s)
            tower = tower if tower in towers else None
            if path == "/ops":
                kiosks = views.kiosks(s, now, tower)
                content = render.overview(views.towers(s, now, tower, kiosks), kiosks, csrf,
                                          tower, show_all)
            elif path == "/ops/cars":
                content = render.cars(views.cars_out(s, now, tower))
            elif path == "/ops/bays":
                content = render.bays(views.bays_in_maintenance(s, tower), towers, csrf, tower)
            elif path == "/ops/payments":
                content = render.payments(views.payments(s, tower))
            elif path == "/ops/jobs":
                content = render.jobs(views.failed_jobs(s, now, tower))
            else:
                content = render.audit(views.audit_lines(s, tower))
        return content, towers, tower, now

    async def show(self, request: Request, who: Who) -> HTMLResponse:
        path = request.url.path
        tower = request.query_params.get("tower") or None
        show_all = request.query_params.get("all") == "1"
        content, towers, tower, now = await anyio.to_thread.run_sync(
            lambda: self.page_data(path, tower, who.csrf, show_all))
        if request.query_params.get("fragment"):
            return _html(render.fragment(content, now))
        return _html(render.page(path, content, operator=who.name, csrf=who.csrf,
                                 towers=towers, tower=tower, refresh_s=REFRESH_S, now=now,
                                 message=request.query_params.get("msg", ""),
                                 show_all=show_all))


def _back(form: dict[str, str], outcome: str) -> str:
    back = form.get("back", "/ops")
    back = back if back in render.PAGES else "/ops"
    query = {k: v for k, v in (("tower", form.get("tower_filter", "")), ("msg", outcome)) if v}
    return back + "?" + urlencode(query)


def install(app: FastAPI, service: Any, run_write: RunWrite, secret: bytes,
            throttles: ThrottleStore | None = None) -> None:
    """Mount the console on ``app``; ``throttles``: the service's failed sign-in
    store (``backend.auth_throttle``), a private one if not given."""
    desk = OpsDesk(service, run_write, secret,
                   throttles or ThrottleStore(service.db, clock=service.now))

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get(REFRESH_HEADER):
            return Response("login required\n", status_code=401, headers=_HEADERS)
        return _redirect("/ops/login")

    @app.exception_handler(FormRefused)
    async def _form_refused(_r: Request, _exc: FormRefused) -> Response:
        return _html("<!doctype html><title>Refused</title><p>This form was stale or came "
                     "from another site. <a href=\"/ops\">Reload the console</a>.</p>", 403)

    public = APIRouter(prefix="/ops", include_in_schema=False)
    guarded = APIRouter(prefix="/ops", include_in_schema=False,
                        dependencies=[Depends(desk.operator)])

    @public.get("/static/ops.css")
    def css() -> FileResponse:
        return FileResponse(_STATIC / "ops.css", media_type="text/css", headers=_HEADERS)

    def login_form(request: Request, error: str = "", status: int = 200) -> Response:
        nonce = secrets.token_urlsafe(24)
        resp = _html(render.login_page(desk.login_token(nonce), error), status)
        _cookie(resp, request, LOGIN_COOKIE, nonce)
        return resp

    @public.get("/login")
    async def login_get(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token and await anyio.to_thread.run_sync(lambda: desk.book.session(token, False)):
            return _redirect("/ops")
        return login_form(request)

    @public.post("/login")
    async def login_post(request: Request) -> Response:
        address = str((request.client or ("?", 0))[0])
        form = await _form(request)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not _same_origin(request) or not hmac.compare_digest(
                form.get("csrf", "").encode(), desk.login_token(nonce).encode()):
            return login_form(request, "The login form expired; try again.", 403)
        await desk.throttles.refresh_if_due()
        wait = desk.logins.retry_after_s(address)
        if wait:
            return login_form(request, f"Too many failed logins; try again in {wait} s.", 429)
        try:
            token, _name = await anyio.to_thread.run_sync(lambda: desk.book.login(
                form.get("name", ""), form.get("password", ""), address))
        except ApiError as exc:
            if exc.reason == "OPS_DENIED":
                await desk.logins.fail(address)
                return login_form(request, "Wrong name or password.", 403)
            return login_form(request, "Too many wrong passwords; try again in "
                                       f"{exc.context.get('retry_after_s', 60)} s.", 403)
        resp = _redirect("/ops")
        _cookie(resp, request, COOKIE, token)
        resp.delete_cookie(LOGIN_COOKIE, path="/ops")
        return resp

    @guarded.post("/logout")
    async def logout(request: Request) -> Response:
        await desk.checked_form(request, request.state.operator)
        token = request.cookies.get(COOKIE)
        await desk.run_write(lambda: desk.book.logout(token))
        resp = _redirect("/ops/login")
        resp.delete_cookie(COOKIE, path="/ops")
        return resp

    @guarded.get("/static/ops.js")
    def js() -> FileResponse:
        return FileResponse(_STATIC / "ops.js", media_type="text/javascript",
                            headers=_HEADERS)

    for path in render.PAGES:
        async def show(request: Request) -> HTMLResponse:
            return await desk.show(request, request.state.operator)

        guarded.add_api_route(path[len("/ops"):] or "", show, methods=["GET"],
                              response_class=HTMLResponse, name=f"ops{path}")

    @guarded.post("/kiosks/service")
    async def kiosk_service(request: Request) -> Response:
        who: Who = request.state.operator
        form = await desk.checked_form(request, who)
        kiosk_id, flag = form.get("kiosk_id", "")[:64], form.get("in_service")
        if not kiosk_id or flag not in ("0", "1"):
            return _redirect(_back(form, "BAD_FORM"))
        note, now = actions.clean_note(form.get("note", "")), desk.service.now()

        def change() -> str:
            with desk.db.write() as s:
                return actions.set_kiosk_service(s, who.name, kiosk_id, flag == "1", note, now)

        result = await desk.run_write(change)
        done = "kiosk_in_service" if flag == "1" else "kiosk_out_of_service"
        return _redirect(_back(form, done if result == "ok" else result))

    @guarded.post("/bays/maintenance")
    async def bay_maintenance(request: Request) -> Response:
        who: Who = request.state.operator
        form = await desk.checked_form(request, who)
        tower_id, bay, flag = form.get("tower", "")[:32], form.get("bay", ""), form.get("on")
        if not tower_id or not bay.isdigit() or len(bay) > 7 or flag not in ("0", "1"):
            return _redirect(_back(form, "BAD_FORM"))
        note, now = actions.clean_note(form.get("note", "")), desk.service.now()

        def change() -> str:
            with desk.db.write() as s:
                return actions.set_bay_maintenance(s, desk.service, who.name, tower_id,
                                                   int(bay), flag == "1", note, now)

        result = await desk.run_write(change)
        done = "bay_maintenance_on" if flag == "1" else "bay_maintenance_off"
        return _redirect(_back(form, done if result == "ok" else result))

    app.include_router(public)
    app.include_router(guarded)
