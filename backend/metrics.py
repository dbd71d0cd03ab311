"""``GET /metrics``: the service and its kiosks in the Prometheus text format.

What is counted in the process (``prometheus_client`` counters/histograms):
requests by route *template* (``/v1/selfies/{selfie_id}/frames``, never the
raw path: ids would make a series per selfie) and status, their latency,
reservations won (200) and lost (409), identity failures (by kind) and
lockouts. With ``kiosk-backend --workers N`` every worker process writes
these to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor) and a
scrape, whichever worker answers it, sums all of them (``prometheus_client``'s
multiprocess mode). Replicas on several machines are scraped one by one.

What is read from the database at each scrape (the same on every replica):
kiosks by status (``silent`` when no heartbeat for ``SILENT_AFTER_S``), each
kiosk's heartbeat age and the figures its heartbeat carried (GUI stall,
vision fps, lift round trip), members locked out now, replicas alive.

Who may scrape: an address in the allow-list (CIDRs, default loopback) or a
caller with ``Authorization: Bearer <token>`` (the token from
``--metrics-token-file`` or ``KIOSK_METRICS_TOKEN``). Anyone else: 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import text
from starlette.routing import Match

from backend.db import Database
from backend.errors import StartupError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_ENV = "KIOSK_METRICS_TOKEN"
DEFAULT_ALLOW = "127.0.0.0/8,::1/128"
SILENT_AFTER_S = 120.0  # a kiosk beats every 30 s: four missed beats is silent
# Kiosk-side figures a heartbeat may carry in health["figures"], and their names here.
KIOSK_FIGURES = {
    "gui_stall_ms": ("kiosk_gui_stall_ms",
                     "Longest stall of the kiosk's GUI event loop since its last heartbeat"),
    "vision_fps": ("kiosk_vision_fps", "Frames per second the kiosk's vision analysed lately"),
    "lift_round_trip_ms": ("kiosk_lift_round_trip_ms",
                           "Round trip of the kiosk's last lift status query"),
}
_LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


@dataclass(frozen=True)
class MetricsAccess:
    allow: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    token: str | None

    @classmethod
    def parse(cls, allow: str | None = DEFAULT_ALLOW, token_file: str | None = None
              ) -> MetricsAccess:
        """From ``--metrics-allow`` (comma-separated CIDRs, ``none``) and the
        token file (else ``KIOSK_METRICS_TOKEN``); a clear ``StartupError``
        for a bad CIDR or an unreadable or too short token."""
        nets = []
        for part in (allow or "").split(","):
            part = part.strip()
            if not part or part == "none":
                continue
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise StartupError(f"--metrics-allow: {part!r} is not an address or "
                                   "CIDR (e.g. 10.0.0.0/8)") from None
        token = os.environ.get(TOKEN_ENV) or None
        if token_file:
            try:
                with open(token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError as exc:
                raise StartupError(f"--metrics-token-file {token_file}: {exc.strerror}"
                                   ) from None
        if token is not None and len(token) < 16:
            raise StartupError("the metrics token must be at least 16 characters")
        return cls(tuple(nets), token)

    def permits(self, address: str, authorization: str) -> bool:
        scheme, _, offered = authorization.partition(" ")
        if self.token and scheme.lower() == "bearer" and hmac.compare_digest(
                offered.strip().encode(), self.token.encode()):
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.allow)


class FleetCollector:
    """Gauges read from the database at scrape time (shared by all replicas)."""

    def __init__(self, db: Database, now: Callable[[], float]) -> None:
        self.db, self.now = db, now

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        with self.db.read() as s:
            kiosks = s.execute(text("SELECT id, tower_id, status, last_seen_at, health "
                                    "FROM kiosks WHERE revoked_at IS NULL")).all()
            (locked,) = s.execute(text("SELECT count(*) FROM identity_locks WHERE until > :now"),
                                  {"now": now}).one()
            (replicas,) = s.execute(text("SELECT count(*) FROM replicas WHERE seen_at > :since"),
                                    {"since": now - 120.0}).one()
        by_status = GaugeMetricFamily("kiosk_backend_kiosks", "Kiosks by reported status "
                                      "(silent: no heartbeat lately)", labels=["status"])
        age = GaugeMetricFamily("kiosk_heartbeat_age_seconds", "Seconds since the kiosk's "
                                "last heartbeat", labels=["kiosk", "tower"])
        figures = {key: GaugeMetricFamily(name, doc, labels=["kiosk", "tower"])
                   for key, (name, doc) in KIOSK_FIGURES.items()}
        counts: dict[str, int] = {}
        for kiosk_id, tower_id, status, seen, health in kiosks:
            silent = seen is None or now - seen > SILENT_AFTER_S
            key = "silent" if silent else (status or "unknown")
            counts[key] = counts.get(key, 0) + 1
            if seen is not None:
                age.add_metric([kiosk_id, tower_id], max(0.0, now - seen))
            for name, value in _figures(health):
                figures[name].add_metric([kiosk_id, tower_id], value)
        for status, n in sorted(counts.items()):
            by_status.add_metric([status], n)
        yield by_status
        yield age
        yield from figures.values()
        yield GaugeMetricFamily("kiosk_backend_identity_locked_members",
                                "Members locked out of the identity check now", value=locked)
        yield GaugeMetricFamily("kiosk_backend_replicas", "Service replicas seen in the "
                                "last 2 minutes", value=replicas)


def _figures(health: Any) -> Iterable[tuple[str, float]]:
    if isinstance(health, str):  # a JSON column read through text() on SQLite
        import json

        try:
            health = json.loads(health)
        except ValueError:
            return
    figures = health.get("figures") if isinstance(health, dict) else None
    if not isinstance(figures, dict):
        return
    for name in KIOSK_FIGURES:
        value = figures.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and value >= 0:
            yield name, float(value)


class Metrics:
    """The service's counters and the scrape (one per app)."""

    def __init__(self, db: Database, now: Callable[[], float],
                 access: MetricsAccess | None = None) -> None:
        self.access = access or MetricsAccess.parse()
        self.registry = CollectorRegistry()
        reg = self.registry
        self.requests = Counter("kiosk_backend_requests", "Requests answered, by route "
                                "template, method and status", ["route", "method", "status"],
                                registry=reg)
        self.latency = Histogram("kiosk_backend_request_duration_seconds",
                                 "Time from a request's arrival to its answer, by route",
                                 ["route", "method"], buckets=_LATENCY_BUCKETS_S, registry=reg)
        self.reservations = Counter("kiosk_backend_reservations", "Reservation answers: won "
                                    "(a car held) or lost (409, mostly CAR_UNAVAILABLE)",
                                    ["outcome"], registry=reg)
        self.identity_failures = Counter("kiosk_backend_identity_failures", "Selfies judged "
                                         "failed (counted towards a lockout), by kind",
                                         ["kind"], registry=reg)
        self.lockouts = Counter("kiosk_backend_identity_lockouts", "Members locked out of "
                                "the identity check", registry=reg)
        self.fleet = FleetCollector(db, now)
        reg.register(self.fleet)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)
        if route == "/v1/reservations" and method == "POST" and status in (200, 409):
            self.reservations.labels("won" if status == 200 else "lost").inc()

    def exposition(self) -> tuple[bytes, str]:
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            reg = CollectorRegistry()
            multiprocess.MultiProcessCollector(reg)  # every worker process's files
            reg.register(self.fleet)
            return generate_latest(reg), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Outermost ASGI layer: times every request and labels it by the route
    template it matched (the Guard's 401/429 included, matched here)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics
        self._paths: dict[Any, str] | None = None

    def _route(self, scope: dict[str, Any]) -> str:
        router_app = scope.get("app")
        routes = getattr(router_app, "routes", ())
        if self._paths is None and routes:
            self._paths = {getattr(r, "endpoint", None): r.path for r in routes
                           if hasattr(r, "path")}
        endpoint = scope.get("endpoint")
        if endpoint is not None and self._paths and endpoint in self._paths:
            return self._paths[endpoint]
        for r in routes:  # answered before routing (the Guard): match it here
            if hasattr(r, "path") and r.matches(scope)[0] is Match.FULL:
                return r.path
        return "<unmatched>"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe(self._route(scope), scope.get("method", "?"), status,
                                 time.perf_counter() - t0)


def mount_metrics(app: Any, metrics: Metrics) -> None:
    """``GET /metrics`` and the timing middleware (added last: outermost)."""
    @app.get("/metrics", include_in_schema=False)
    def scrape(request: Request) -> Response:
        address = request.client.host if request.client else ""
        if not metrics.access.permits(address, request.headers.get("authorization", "")):
            return JSONResponse(status_code=403, content={"error": {
                "reason": "METRICS_FORBIDDEN",
                "message": "Metrics are for the operators' network or their token."}})
        body, ctype = metrics.exposition()
        return Response(body, media_type=ctype)

    app.add_middleware(MetricsMiddleware, metrics=metrics)
