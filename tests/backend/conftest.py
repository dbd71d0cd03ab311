"""One real backend per test module, over real HTTP on loopback.

The database is SQLite in a temp folder, and also PostgreSQL when
``KIOSK_TEST_PG_URL`` is set (e.g. ``postgresql+psycopg://postgres@127.0.0.1/postgres``):
each module then gets a fresh database created on that server and dropped
after. Every test gets its own tower and kiosk (``tower`` fixture), so tests
share a server without sharing stock, and can move the shared clock forward.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from backend.clock import SettableClock
from backend.models import Bay, Car, Member, Offering
from backend.seed import add_drive, add_kiosk, add_tower
from backend.server import BackendServer
from kiosk.backend_client import BackendClient, PassSession

TEMPLATES = {k: v for k, v in json.loads(
    (Path(__file__).resolve().parents[2] / "backend" / "seed_templates.json").read_text()).items()
    if not k.startswith("_")}
ASTRONAUT: list[float] = TEMPLATES["astronaut"]
OTHER: list[float] = TEMPLATES["other_person"]
T0 = 1_900_000_000.0  # 2030-03-17: far from any real "now", so nothing depends on it
LIVE = {"live": True, "challenges": ["blink", "turn_left"], "reason": None}

_PG_ENV = "KIOSK_TEST_PG_URL"


def _db_params() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(_PG_ENV) else ["sqlite"]


@pytest.fixture(scope="module", params=_db_params())
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('backend') / 'backend.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ[_PG_ENV])
    name = f"kiosk_test_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[BackendServer]:
    before = set(threading.enumerate())
    srv = BackendServer(db_url, seed="demo", clock=SettableClock(T0))
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


@dataclass
class TowerRig:
    """A fresh tower with one kiosk, and helpers that act on it."""

    server: BackendServer
    tower_id: str
    kiosk_id: str
    key: str
    client: BackendClient
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def clock(self) -> SettableClock:
        return self.server.clock

    def now(self) -> float:
        return self.server.clock.now()

    def member(self, credit: int = 760, template: list[float] | None = ASTRONAUT,
               drives: list[tuple[float, float | None]] = (), active: bool = True,
               preselected: str | None = None) -> str:
        """A new member; ``drives`` are (started_at, returned_at) in clock time."""
        member_id = f"m-{secrets.token_hex(6)}"
        cars = [self.add_car("Aurora", "white", bay=None) for _ in drives]
        with self.server.db.write() as s:
            s.add(Member(id=member_id, name="Test", credit_score=credit, template=template,
                         preselected_model=preselected, active=active))
            s.flush()
            for i, ((started, returned), car_id) in enumerate(zip(drives, cars, strict=True)):
                add_drive(s, f"D-{member_id}-{i}", member_id, car_id, self.tower_id, started,
                          returned_at=returned)
        return member_id

    def add_car(self, model: str, colour: str, bay: int | None = -1) -> str:
        """A car in the lowest free bay (bay=-1), a given bay, or out (None)."""
        car_id = f"C-{secrets.token_hex(5)}"
        with self.server.db.write() as s:
            if bay == -1:
                taken = {b for (b,) in s.query(Car.bay).filter(Car.tower_id == self.tower_id)}
                bay = min(b for (b,) in s.query(Bay.bay).filter(Bay.tower_id == self.tower_id)
                          if b not in taken)
            s.add(Car(id=car_id, tower_id=self.tower_id, model_id=model, colour_id=colour,
                      bay=bay, state="stored" if bay is not None else "out"))
        return car_id

    def pass_text(self, member_id: str, tower: str | None = None) -> str:
        r = requests.get(f"{self.url}/member/{member_id}/pass.txt",
                         params={"tower": tower or self.tower_id}, timeout=10)
        r.raise_for_status()
        return r.text

    def session(self, member_id: str) -> PassSession:
        return self.client.redeem_pass(self.pass_text(member_id))

    def post(self, path: str, body: Any = None, key: str | None = None,
             **kw: Any) -> requests.Response:
        headers = dict(self.headers)
        headers["Idempotency-Key"] = key or secrets.token_hex(8)
        headers.update(kw.pop("headers", {}))
        return requests.post(self.url + path, json=body, headers=headers, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers, timeout=10, **kw)


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
