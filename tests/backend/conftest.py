"""One real backend per test module, over real HTTP on loopback.

The database is SQLite in a temp folder, and also PostgreSQL when
``KIOSK_TEST_PG_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1/postgres``):
each module then gets a fresh database created on that server and dropped
after. Every test gets its own tower and kiosk (``tower`` fixture), so tests
share a server without sharing stock, and can move the shared clock forward.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator

import pytest

from backend.clock import SettableClock
from backend.models import Offering
from backend.seed import add_kiosk, add_tower
from backend.server import BackendServer
from kiosk.backend_client import BackendClient
from tests.backend.backend_rig import T0, TowerRig

_PG_ENV = "KIOSK_TEST_PG_URL"


def _db_params() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(_PG_ENV) else ["sqlite"]


@pytest.fixture(scope="module", params=_db_params())
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('backend') / 'backend.db'}"
        return
    from tests.backend.pg import fresh_pg_database

    with fresh_pg_database(os.environ[_PG_ENV]) as url:
        yield url


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[BackendServer]:
    before = set(threading.enumerate())
    # The suites here make many deliberate 401s from loopback; the throttle
    # has its own tests (tests/security/test_kiosk_credentials.py).
    srv = BackendServer(db_url, seed="demo", clock=SettableClock(T0), auth_throttle=False)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        # The server's worker threads end with its event loop: wait for them,
        # then fail if anything this module started is still running.
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
            if not left:
                break
            left[0].join(0.1)
        else:
            pytest.fail(f"backend left threads: {sorted(t.name for t in left)}")


@pytest.fixture
def tower(server: BackendServer) -> Iterator[TowerRig]:
    """Tower with 2 levels x 6 bays, delivery bay 101; stock: Aurora/white 2,
    Aurora/black 1; carries Breeze/red with none in stock."""
    suffix = secrets.token_hex(5)
    tower_id, kiosk_id, key = f"TT{suffix}", f"KT{suffix}", secrets.token_urlsafe(24)
    with server.db.write() as s:
        add_tower(s, tower_id, "Test tower", levels=2, bays_per_level=6, delivery_bays=[101])
        for m, c in (("Aurora", "white"), ("Aurora", "black"), ("Breeze", "red")):
            s.add(Offering(tower_id=tower_id, model_id=m, colour_id=c))
        add_kiosk(s, kiosk_id, tower_id, key)
    client = BackendClient(server.url, kiosk_id, key, timeout_s=10, retries=0)
    rig = TowerRig(server, tower_id, kiosk_id, key, client,
                   {"Authorization": f"Bearer {key}", "X-Kiosk-Id": kiosk_id})
    rig.add_car("Aurora", "white")
    rig.add_car("Aurora", "white")
    rig.add_car("Aurora", "black")
    yield rig
    client.close()
