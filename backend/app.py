"""The FastAPI application: /v1 for kiosks, /member and /orders pages.

``build(db_url, ...)`` does everything that can fail before a port is
opened (database, migrations, seed, keys) and returns the app plus its
``Service``, so a bad URL or migration is an error at start-up, not at the
first request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend import __version__, pages, schemas
from backend.auth_throttle import ThrottleStore
from backend.db import Database
from backend.errors import ApiError, StartupError
from backend.judge import JudgePool
from backend.metrics import Metrics, MetricsAccess, mount_metrics
from backend.models import Setting
from backend.passes import (
    Ed25519PrivateKey,
    load_or_create_key_file,
    load_private_key_pem,
    private_key_pem,
)
from backend.replicas import Replicas
from backend.selfie_routes import FRAMES_BODY_LIMIT, FRAMES_PATH, SelfieDesk, add_routes
from backend.service import Service
from backend.staff_routes import GUARDED_DOC, StaffDesk
from backend.staff_routes import add_routes as add_staff_routes
from backend.staff_service import StaffBook
from backend.txn import check_key, fingerprint, idempotent
from backend.util import KioskCtx

log = logging.getLogger(__name__)
T = TypeVar("T")

SWEEP_EVERY_S = 30.0
WORKER_THREADS = 8
_ERRORS = {401: {"model": schemas.ErrorOut, "description": "Kiosk credentials missing or wrong"},
           409: {"model": schemas.ErrorOut, "description": "Business refusal (REASONS.md)"},
           422: {"model": schemas.ErrorOut, "description": "Invalid request"}}


@dataclass
class Built:
    app: FastAPI
    service: Service
    db: Database
    judge: JudgePool


def _setting(db: Database, key: str, make: Any) -> str:
    """A value stored once in the database, shared by every replica."""
    with db.read() as s:
        row = s.get(Setting, key)
        if row is not None:
            return row.value
    value = make()
    try:
        with db.write() as s:
            if s.get(Setting, key) is None:
                s.add(Setting(key=key, value=value))
    except Exception:  # noqa: BLE001 - a concurrent replica inserted it first
        log.info("setting %s created concurrently", key)
    with db.read() as s:
        return s.get(Setting, key).value


def _pass_key(db: Database, pass_key_path: str | None) -> Ed25519PrivateKey:
    if pass_key_path:
        return load_or_create_key_file(pass_key_path)
    return load_private_key_pem(_setting(db, "pass_private_key",
                                         lambda: private_key_pem(Ed25519PrivateKey.generate())))


def build(db_url: str, seed: str | None = "demo", pass_key_path: str | None = None,
          clock: Any = None, default_tower: str = "T1", judge_workers: int = 2,
          warm_judge: bool = False, demo: bool | None = None,
          auth_throttle: bool = True, peer_url: str | None = None,
          peer_ca_file: str | None = None,
          metrics_access: MetricsAccess | None = None) -> Built:
    """``warm_judge``: start the judge workers (FaceMesh, dlib) at start-up
    rather than at the first selfie; the service process does it, tests that
    never open a selfie do not pay for it. ``demo``: mount the member-app
    stand-in pages and allow demo-only requests (default: with the demo seed).
    ``auth_throttle=False``: no 429s for failed sign-ins, for suites whose
    many deliberate 401s from one address would otherwise block the rest.
    ``peer_url``: this process is a replica that its peers reach there
    (backend/replicas.py); ``metrics_access``: who may read /metrics."""
    try:
        db = Database(db_url)
        db.migrate()
    except Exception as exc:  # noqa: BLE001 - reported as one clear start-up error
        raise StartupError(f"database {db_url.split('://')[0]}: {exc}") from exc
    if seed == "demo":
        from backend.seed import seed_demo

        seed_demo(db, clock=clock)
    elif seed not in (None, "", "none"):
        raise StartupError(f"unknown seed {seed!r} (expected 'demo' or 'none')")
    key = _pass_key(db, pass_key_path)
    ref_secret = bytes.fromhex(_setting(db, "member_ref_secret", lambda: secrets.token_hex(32)))
    service = Service(db, key, ref_secret, clock=clock)
    judge = JudgePool(judge_workers)
    demo = seed == "demo" if demo is None else demo
    replicas = Replicas(db, peer_url, peer_ca_file) if peer_url else None
    app = create_app(service, default_tower, judge, warm_judge, demo, auth_throttle,
                     replicas, metrics_access)
    return Built(app, service, db, judge)


def write_runner(db: Database) -> Callable[[Callable[[], T]], Awaitable[T]]:
    """How state-changing calls run their transaction.

    SQLite: on the event loop itself. Writes are serialised in this process
    anyway (``Database.write``'s lock) and take 0.1-0.3 ms; handing each one to
    a worker thread cost more than the transaction (~0.15 ms and two GIL
    handoffs per call), which under a burst of 50 kiosks was most of the p99.
    The price: while a write runs nothing else does, and if another *process*
    holds the file's write lock the loop waits for it (busy timeout). One
    service process per SQLite file is the supported setup; replicas use
    PostgreSQL, where a transaction can wait on row locks and network round
    trips, so it keeps to worker threads.
    """
    if db.dialect == "sqlite":
        async def inline(fn: Callable[[], T]) -> T:
            return fn()

        return inline

    async def in_thread(fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(fn)

    return in_thread


def _ctx(request: Request) -> KioskCtx:
    return request.state.kiosk


def _answer(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(status_code=status, content=body)


def create_app(service: Service, default_tower: str = "T1", judge: JudgePool | None = None,
               warm_judge: bool = False, demo: bool = False,
               auth_throttle: bool = True, replicas: Replicas | None = None,
               metrics_access: MetricsAccess | None = None) -> FastAPI:
    judge = judge or JudgePool()
    desk = SelfieDesk(service, judge, write_runner(service.db))
    metrics = Metrics(service.db, service.now, metrics_access)
    desk.metrics = metrics
    service.on_lockout = metrics.lockouts.inc
    if replicas is not None:
        desk.replicas = replicas
        service.replica_tag = replicas.tag  # selfie ids name the replica judging them
    # Shared by the Guard and staff logins, on the service's clock (injectable).
    throttles = ThrottleStore(service.db, clock=service.now)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async def sweeper() -> None:
            while True:
                await asyncio.sleep(SWEEP_EVERY_S)
                try:
                    await desk.forget_expired()
                    if replicas is not None:
                        await anyio.to_thread.run_sync(replicas.beat)
                    await anyio.to_thread.run_sync(service.sweep)
                    await anyio.to_thread.run_sync(service.purge)
                except Exception:  # noqa: BLE001 - the next sweep tries again
                    log.exception("reservation sweep failed")

        # Sync handlers run in anyio's pool. Writes are serialised by the
        # database anyway, so a big pool only adds GIL and lock convoys.
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        if replicas is not None:
            await anyio.to_thread.run_sync(replicas.register)
        task = asyncio.create_task(sweeper())
        warm = asyncio.create_task(_warm(judge)) if warm_judge else None
        try:
            yield
        finally:
            for t in (task, warm):
                if t is not None:
                    t.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await t
            await anyio.to_thread.run_sync(judge.shutdown)
            if replicas is not None:
                with contextlib.suppress(Exception):  # the database may be gone first
                    await anyio.to_thread.run_sync(replicas.unregister)

    app = FastAPI(title="Tower kiosk backend", version=__version__, lifespan=lifespan,
                  docs_url="/docs", redoc_url=None,
                  description="Eligibility, inventory and lift jobs for tower kiosks. "
                              "Refusal reason codes: backend/REASONS.md.")
    app.state.service = service
    _install_error_handlers(app)
    app.include_router(_public_router(service))
    app.include_router(_kiosk_router(service, desk, auth_throttle, throttles))
    app.include_router(_member_router(service, demo))
    app.include_router(pages.router(service, default_tower, demo))
    from backend.ops.routes import install as install_ops  # the console at /ops

    install_ops(app, service, write_runner(service.db), bytes.fromhex(_setting(
        service.db, "ops_form_secret", lambda: secrets.token_hex(32))), throttles)
    from backend.guard import Guard

    app.add_middleware(Guard, db=service.db, throttle=auth_throttle, store=throttles,
                       route_limits=((re.compile(FRAMES_PATH), FRAMES_BODY_LIMIT),))
    mount_metrics(app, metrics)  # outermost: the Guard's answers are counted too
    app.openapi = _openapi(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_r: Request, exc: ApiError) -> JSONResponse:
        return _answer(exc.status, exc.body())

    @app.exception_handler(RequestValidationError)
    async def _invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _answer(400, {"error": {"reason": "BAD_JSON",
                                           "message": "The body is not valid JSON."}})
        # Never echo the input back (it may hold an embedding or a pass).
        slim = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                 "type": str(e.get("type", ""))} for e in errors[:20]]
        return _answer(422, {"error": {"reason": "REQUEST_INVALID",
                                       "message": "The request does not match the API.",
                                       "errors": slim}})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code,
                                                                   "BAD_REQUEST")
        return _answer(exc.status_code, {"error": {"reason": reason,
                                                   "message": str(exc.detail)}})

    @app.exception_handler(OperationalError)
    async def _db_down(_r: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig)
        return _answer(503, {"error": {"reason": "DB_UNAVAILABLE",
                                       "message": "The database is not reachable."}})

    @app.exception_handler(Exception)
    async def _internal(_r: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _answer(500, {"error": {"reason": "INTERNAL", "message": "Internal error."}})


def _public_router(service: Service) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["public"])

    @r.get("/health", response_model=schemas.HealthOut)
    def health() -> JSONResponse:
        ok = service.db.ping()
        from backend.rules import iso

        body = {"status": "ok" if ok else "degraded", "version": __version__,
                "db": "ok" if ok else "down", "time": iso(service.now())}
        return _answer(200 if ok else 503, body)

    @r.get("/pass-key", response_model=schemas.PassKeyOut)
    async def pass_key() -> dict[str, str]:
        return {"alg": "Ed25519", "public_key": service.public_key_b64}

    return r


def _member_router(service: Service, demo: bool) -> APIRouter:
    """The member app's calls, authenticated by the member's own token (Guard)."""
    r = APIRouter(prefix="/v1/member", tags=["member"])

    @r.post("/pass", response_model=schemas.MemberPassOut,
            summary="The member's current pass for a tower (read-only, single use)")
    def member_pass(request: Request, body: schemas.MemberPassIn) -> JSONResponse:
        member_id = request.state.member
        if body.expired and not demo:
            raise ApiError(422, "REQUEST_INVALID", "Expired passes exist only in the demo.")
        p = (service.stale_pass(member_id, body.tower) if body.expired
             else service.current_pass(member_id, body.tower))
        if p is None:
            # Deactivated since the Guard looked, or no such tower: say no
            # more than the Guard would have.
            raise ApiError(404, "NOT_FOUND", "No pass for this tower.")
        return _answer(200, {"pass_text": p.text, "tower": p.tower_id,
                             "expires_at": p.expires_at})

    @r.get("/payments/{payment_id}", response_model=schemas.PaymentOut,
           summary="One of the member's payments (what the app shows before paying)")
    def member_payment(request: Request, payment_id: schemas.Ident) -> JSONResponse:
        return _answer(200, service.member_payment(request.state.member, payment_id,
                                                   str(request.base_url)))

    @r.post("/payments/{payment_id}/pay", response_model=schemas.PaymentOut,
            summary="The member pays a paid drive in the app (paying twice changes nothing)")
    def member_pay(request: Request, payment_id: schemas.Ident) -> JSONResponse:
        return _answer(200, service.member_settle(request.state.member, payment_id, True,
                                                  str(request.base_url)))

    @r.post("/payments/{payment_id}/cancel", response_model=schemas.PaymentOut,
            summary="The member declines the payment in the app")
    def member_decline(request: Request, payment_id: schemas.Ident) -> JSONResponse:
        return _answer(200, service.member_settle(request.state.member, payment_id, False,
                                                  str(request.base_url)))

    return r


async def _warm(judge: JudgePool) -> None:
    try:
        await judge.warm_up()
    except Exception:  # noqa: BLE001 - the first selfie will try again
        log.exception("judge warm-up failed")


def _kiosk_router(service: Service, desk: SelfieDesk, auth_throttle: bool = True,
                  throttles: ThrottleStore | None = None) -> APIRouter:
    # Auth is the Guard middleware's; _openapi documents it (security
    # dependencies here would run on every request for nothing).
    r = APIRouter(prefix="/v1", tags=["kiosk"], responses=_ERRORS)

    run_write = write_runner(service.db)

    async def write(request: Request, payload: Any, op: Any,
                    raw_op: bool = False) -> JSONResponse:
        # The Idempotency-Key header is read here rather than declared as a
        # FastAPI Header parameter: that costs ~0.05 ms of dependency solving
        # on every call. _openapi() documents it on every POST.
        key = request.headers.get("idempotency-key")
        ctx = _ctx(request)
        body = payload.model_dump(mode="json") if payload is not None else None
        fp = fingerprint(request.method, request.url.path, body)
        key = check_key(key)
        status, answer = await run_write(lambda: idempotent(
            service.db, ctx.kiosk_id, key, fp, service.now(), lambda s: op(s, ctx), raw_op))
        return _answer(status, answer)

    # Book changes by staff need a staff session too (backend.staff_routes).
    staff = StaffDesk(StaffBook(service.db, service.now), run_write, write,
                      throttle=auth_throttle, store=throttles)

    @r.post("/sessions", response_model=schemas.SessionOut, summary="Redeem a member pass")
    async def redeem(request: Request, body: schemas.RedeemIn) -> JSONResponse:
        return await write(request, body,
                           lambda s, ctx: service.op_redeem(s, ctx, body.pass_text))

    @r.get("/inventory", response_model=schemas.InventoryOut)
    def inventory(request: Request) -> JSONResponse:
        return _answer(200, service.inventory(_ctx(request)))

    @r.post("/reservations", response_model=schemas.ReservationOut)
    async def reserve(request: Request, body: schemas.ReserveIn) -> JSONResponse:
        return await write(request, body, lambda raw, ctx: service.op_reserve(
            raw, ctx, body.session_id, body.model, body.colour), raw_op=True)

    @r.post("/reservations/{reservation_id}/release", response_model=schemas.ReleaseOut)
    async def release(request: Request, reservation_id: schemas.Ident) -> JSONResponse:
        return await write(request, None,
                           lambda s, ctx: service.op_release(s, ctx, reservation_id))

    @r.post("/verify", response_model=schemas.AuthorisationOut,
            summary="Liveness, face, member rules, then authorise the lift job")
    async def verify(request: Request, body: schemas.VerifyIn) -> JSONResponse:
        return await write(request, body, lambda raw, ctx: service.op_verify(
            raw, ctx, body.session_id, body.reservation_id, body.selfie_id,
            body.payment_id), raw_op=True)

    @r.post("/payments", response_model=schemas.PaymentOut,
            summary="A paid drive below the credit threshold: open (or get) the payment")
    async def open_payment(request: Request, body: schemas.PaymentIn) -> JSONResponse:
        base = str(request.base_url)
        return await write(request, body, lambda raw, ctx: service.op_open_payment(
            raw, ctx, body.session_id, base), raw_op=True)

    @r.get("/payments/{payment_id}", response_model=schemas.PaymentOut)
    def payment(request: Request, payment_id: schemas.Ident) -> JSONResponse:
        return _answer(200, service.payment(_ctx(request), payment_id, str(request.base_url)))

    @r.post("/payments/{payment_id}/cancel", response_model=schemas.PaymentOut,
            summary="Cancel a pending payment (a paid, unused one is refunded)")
    async def cancel_payment(request: Request, payment_id: schemas.Ident) -> JSONResponse:
        base = str(request.base_url)
        return await write(request, None, lambda raw, ctx: service.op_cancel_payment(
            raw, ctx, payment_id, base), raw_op=True)

    @r.post("/jobs/{job_id}/report", response_model=schemas.JobOut)
    async def report_job(request: Request, job_id: schemas.Ident,
                         body: schemas.ReportIn) -> JSONResponse:
        return await write(request, body,
                           lambda s, ctx: service.op_report_job(s, ctx, job_id, body.outcome))

    @r.post("/returns", response_model=schemas.ReturnOut)
    async def start_return(request: Request, body: schemas.ReturnIn) -> JSONResponse:
        return await write(request, body, lambda s, ctx: service.op_start_return(
            s, ctx, body.session_id, body.from_bay))

    @r.post("/orders", response_model=schemas.OrderOut)
    async def buy(request: Request, body: schemas.OrderIn) -> JSONResponse:
        base = str(request.base_url)
        return await write(request, body, lambda s, ctx: service.op_buy(
            s, ctx, body.session_id, body.model, base))

    @r.get("/bays", response_model=schemas.BaysOut, tags=["staff"])
    def bays(request: Request) -> JSONResponse:
        return _answer(200, service.bays(_ctx(request)))

    @r.post("/bays/{bay}/maintenance", response_model=schemas.BayOut, tags=["staff"],
            **GUARDED_DOC)
    async def maintenance(request: Request, bay: schemas.BayNo,
                          body: schemas.MaintenanceIn) -> JSONResponse:
        return await staff.book_change(request, body, "bay_maintenance", lambda s, ctx: (
            service.op_set_maintenance(s, ctx, bay, body.in_maintenance, body.note)),
            bay=bay, on=body.in_maintenance)

    @r.post("/bays/{bay}/move", response_model=schemas.MoveOut, tags=["staff"],
            summary="Record a staff move of the car in a storage bay to another",
            **GUARDED_DOC)
    async def move_car(request: Request, bay: schemas.BayNo, body: schemas.MoveIn) -> JSONResponse:
        return await staff.book_change(request, body, "bay_move", lambda s, ctx: (
            service.op_move_car(s, ctx, bay, body.to_bay)), bay=bay, to_bay=body.to_bay)

    @r.post("/heartbeat", response_model=schemas.HeartbeatOut, tags=["staff"])
    async def heartbeat(request: Request, body: schemas.HeartbeatIn) -> JSONResponse:
        return await write(request, body, lambda s, ctx: service.op_heartbeat(
            s, ctx, body.status, body.health))

    @r.get("/kiosks", response_model=schemas.KiosksOut, tags=["staff"])
    def kiosks(request: Request) -> JSONResponse:
        return _answer(200, service.kiosks(_ctx(request)))

    add_routes(r, desk, write, _ctx)
    add_staff_routes(r, staff)
    return r


_IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"},
    "description": "Required on every state-changing call; a repeat with the same key "
                   "returns the stored answer and changes nothing."}


def _openapi(app: FastAPI) -> Any:
    """The generated schema plus the kiosk credentials every guarded path needs."""
    def build_schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            from backend.guard import MEMBER_PREFIX, PUBLIC_PATHS

            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            frames = schemas.FramesIn.model_json_schema(
                ref_template="#/components/schemas/{model}")
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            comps.update(frames.pop("$defs", {}))
            comps["FramesIn"] = frames
            schema.setdefault("components", {})["securitySchemes"] = {
                "kioskKey": {"type": "http", "scheme": "bearer",
                             "description": "The kiosk's key"},
                "kioskId": {"type": "apiKey", "in": "header", "name": "X-Kiosk-Id"},
                "memberToken": {"type": "http", "scheme": "bearer",
                                "description": "The member app's token"}}
            for path, ops in schema["paths"].items():
                if path.startswith(MEMBER_PREFIX):
                    for op in ops.values():
                        op["security"] = [{"memberToken": []}]
                elif path.startswith("/v1/") and path not in PUBLIC_PATHS:
                    for method, op in ops.items():
                        op["security"] = [{"kioskKey": [], "kioskId": []}]
                        if method == "post":
                            op.setdefault("parameters", []).append(_IDEMPOTENCY_PARAM)
            app.openapi_schema = schema
        return app.openapi_schema

    return build_schema
