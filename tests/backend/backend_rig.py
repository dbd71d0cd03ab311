"""Shared pieces of the backend tests: demo face templates and ``TowerRig``."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from backend.clock import SettableClock
from backend.guard import hash_key
from backend.models import Bay, Car, Member
from backend.seed import add_drive, add_judged_selfie
from backend.server import BackendServer
from kiosk.backend_client import BackendClient, PassSession
from sim.member_app import fetch_member_pass, member_token

TEMPLATES = {k: v for k, v in json.loads(
    (Path(__file__).resolve().parents[2] / "backend" / "seed_templates.json").read_text()).items()
    if not k.startswith("_")}
ASTRONAUT: list[float] = TEMPLATES["astronaut"]
OTHER: list[float] = TEMPLATES["other_person"]
T0 = 1_900_000_000.0  # 2030-03-17: far from any real "now", so nothing depends on it


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
               preselected: str | None = None, drive_model: str = "Comet") -> str:
        """A new member; ``drives`` are (started_at, returned_at) in clock time,
        of ``drive_model`` (by default one the test towers do not carry, so
        only the tests of the repeat rule meet it)."""
        member_id = f"m-{secrets.token_hex(6)}"
        cars = [self.add_car(drive_model, "white", bay=None) for _ in drives]
        with self.server.db.write() as s:
            s.add(Member(id=member_id, name="Test", credit_score=credit, template=template,
                         preselected_model=preselected, active=active,
                         token_hash=hash_key(member_token(member_id))))
            s.flush()
            for i, ((started, returned), car_id) in enumerate(zip(drives, cars, strict=True)):
                add_drive(s, f"D-{member_id}-{i}", member_id, car_id, self.tower_id, started,
                          returned_at=returned)
        return member_id

    def settings(self, **columns: Any) -> None:
        """Change this tower's settings (``repeat_model_days=0``, ``paid_drive_fee=...``)."""
        from backend.models import Tower

        with self.server.db.write() as s:
            tower = s.get(Tower, self.tower_id)
            for name, value in columns.items():
                setattr(tower, name, value)

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

    def pass_text(self, member_id: str, tower: str | None = None, expired: bool = False) -> str:
        """The pass as the member app gets it, with the member's own token."""
        return fetch_member_pass(self.url, member_id, tower or self.tower_id, expired=expired)

    def staff_token(self) -> str:
        """A fresh staff session of this kiosk (book changes need one), made in
        the database directly: no scrypt per test."""
        from backend.models import Staff, StaffSession
        from backend.staff_service import SESSION_IDLE_S, token_hash

        name, token, now = f"staff-{self.kiosk_id.lower()}", secrets.token_urlsafe(16), self.now()
        with self.server.db.write() as s:
            if s.get(Staff, name) is None:
                s.add(Staff(name=name, pin_hash="-", active=True, created_at=now, failures=0,
                            lock_level=0, locked_until=None))
                s.flush()
            s.add(StaffSession(token_hash=token_hash(token), staff_name=name,
                               kiosk_id=self.kiosk_id, created_at=now,
                               expires_at=now + SESSION_IDLE_S))
        return token

    def session(self, member_id: str) -> PassSession:
        return self.client.redeem_pass(self.pass_text(member_id))

    def judged_selfie(self, session_id: str, live: bool = True, face_match: bool | None = True,
                      kiosk_id: str | None = None) -> str:
        """A selfie of this session already judged, written straight to the
        database: for tests of the rules after identity. The judge itself is
        tested on real frames (test_backend_selfies.py)."""
        with self.server.db.write() as s:
            return add_judged_selfie(s, session_id, kiosk_id or self.kiosk_id, self.now(),
                                     live, face_match)

    def verify(self, session_id: str, reservation_id: str, live: bool = True,
               face_match: bool | None = True) -> Any:
        """The kiosk client's verify with a selfie judged ``live``/``face_match``."""
        selfie_id = self.judged_selfie(session_id, live, face_match)
        return self.client.verify(session_id, reservation_id, selfie_id)

    def post(self, path: str, body: Any = None, key: str | None = None,
             **kw: Any) -> requests.Response:
        headers = dict(self.headers)
        headers["Idempotency-Key"] = key or secrets.token_hex(8)
        headers.update(kw.pop("headers", {}))
        return requests.post(self.url + path, json=body, headers=headers, timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers, timeout=10, **kw)
