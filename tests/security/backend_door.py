"""A real service on loopback with the door as shipped: the auth throttle
on, and the demo pages off unless asked for. Shared by the tests of passes,
kiosk credentials and hardening."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from backend.server import BackendServer
from sim.member_app import member_token

KIOSK_HEADERS = {"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1"}


@contextlib.contextmanager
def service(tmp: Path, *, demo: bool, name: str = "door.db") -> Iterator[BackendServer]:
    """The demo data always (its members and kiosks), the demo pages only with
    ``demo`` (as ``kiosk-backend --seed demo`` vs ``--seed none`` on a seeded file).

    The service's worker threads come and go with its load (AnyIO retires
    idle ones after 10 s, and starts new ones in whichever test comes
    next), so tests using it are marked ``allow_threads``; that the service
    leaves no thread behind when stopped is tests/backend/conftest.py's check."""
    db = f"sqlite:///{tmp / name}"
    if not demo:
        with BackendServer(db, seed="demo"):
            pass  # seed the file, as an operator's earlier demo run would have
    with BackendServer(db, seed="demo" if demo else None) as srv:
        yield srv


class _From(HTTPAdapter):
    """Connections from one loopback address (127.0.0.0/8 is all ours)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kw: Any) -> None:
        kw["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kw)


def client_from(address: str) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    http.mount("http://", _From(address))
    return http


def member_pass(url: str, token: str, tower: str = "T1", http: Any = requests,
                **body: Any) -> requests.Response:
    return http.post(f"{url}/v1/member/pass", json={"tower": tower, **body},
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)


def post(url: str, path: str, body: Any, headers: dict[str, str] | None = None,
         http: Any = requests) -> requests.Response:
    h = {**(headers or KIOSK_HEADERS), "Idempotency-Key": secrets.token_hex(8)}
    return http.post(url + path, json=body, headers=h, timeout=10)


__all__ = ["KIOSK_HEADERS", "client_from", "member_pass", "member_token", "post", "service"]
