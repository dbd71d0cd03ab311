"""``--seed demo``: a stocked tower, kiosks and one demo member per refusal.

Idempotent: a database that already has tower T1 is left alone. Times are
relative to the service clock, so drives "10 days ago" are 10 days before
start-up (or before a test's settable clock).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from backend.clock import SystemClock
from backend.db import Database
from backend.guard import hash_key
from backend.models import (
    Bay,
    Car,
    CarModel,
    CarState,
    Colour,
    Drive,
    Kiosk,
    KioskSession,
    Member,
    Offering,
    Selfie,
    Staff,
    Tower,
)
from backend.rules import DAY_S, HOUR_S
from backend.util import new_id
from common.pins import hash_pin

TEMPLATES_FILE = Path(__file__).with_name("seed_templates.json")
DEMO_KIOSK_KEY = "demo-kiosk-key"
# Staff accounts of the demo (name: PIN), documented in backend/README.md; the
# demo kiosk logs in as the first (sim.demo.DEMO_STAFF_NAME/PIN).
DEMO_STAFF = {"sam": "246813", "lee": "135792"}


def demo_member_token(member_id: str) -> str:
    """The documented member-app token of a demo member (backend/README.md).
    Stored hashed like any other; known only because this is the demo."""
    return f"demo-token-{member_id}"

MODELS = {"Aurora": "极光", "Breeze": "微风", "Comet": "彗星"}
# Key facts the dispatch screen shows while the lift runs: range km, seats,
# 0-100 km/h in seconds.
MODEL_FACTS = {"Aurora": (520, 5, 6.9), "Breeze": (410, 5, 8.4), "Comet": (610, 4, 3.9)}
COLOURS = {"white": ("White", "白色"), "black": ("Black", "黑色"), "red": ("Red", "红色"),
           "blue": ("Blue", "蓝色")}
# Stock of tower T1 per model x colour. Comet/blue is carried but out of stock
# (shown greyed); Comet/red has exactly one car (two kiosks can race for it).
T1_STOCK = {("Aurora", "white"): 3, ("Aurora", "black"): 2, ("Aurora", "red"): 2,
            ("Aurora", "blue"): 1, ("Breeze", "white"): 2, ("Breeze", "black"): 2,
            ("Breeze", "red"): 1, ("Breeze", "blue"): 2, ("Comet", "white"): 2,
            ("Comet", "black"): 2, ("Comet", "red"): 1, ("Comet", "blue"): 0}
T1_BAYS = [1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 16, 17, 19, 20, 22, 24, 25, 27]
T1_MAINTENANCE_BAY = 30

# id: (name, credit score, template name, preselected model, active, what it shows)
DEMO_MEMBERS: dict[str, tuple[str, int, str | None, str | None, bool, str]] = {
    "demo-ok": ("Ada", 760, "astronaut", None, True, "authorised (test drive)"),
    "demo-pick": ("Ben", 720, "astronaut", "Breeze", True,
                  "authorised; the pass preselects Breeze"),
    "demo-credit": ("Cai", 699, "astronaut", None, True, "NOT_SUPER_MEMBER (score 699)"),
    "demo-quota": ("Dan", 780, "astronaut", None, True,
                   "QUOTA_EXCEEDED (5 drives in the last 60 days)"),
    "demo-open": ("Eve", 740, "astronaut", None, True, "DRIVE_OPEN (a drive started 1 day ago)"),
    "demo-overdue": ("Fay", 710, "astronaut", None, True,
                     "DRIVE_OVERDUE (a drive started 4 days ago)"),
    "demo-face": ("Gus", 800, "other_person", None, True,
                  "FACE_MISMATCH (enrolled with another person's face)"),
    "demo-return": ("Hal", 750, "astronaut", None, True,
                    "Return: an open drive of an Aurora, started 3 hours ago"),
    "demo-buy": ("Ivy", 730, "astronaut", None, True, "Buy (ordered); one past drive"),
    "demo-gone": ("Jon", 720, "astronaut", None, False,
                  "MEMBER_UNKNOWN (membership deactivated)"),
    "demo-repeat": ("Kim", 770, "astronaut", None, True,
                    "MODEL_ALREADY_DRIVEN for the Breeze (driven 12 days ago); others authorised"),
}


def load_templates() -> dict[str, list[float]]:
    data = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def add_tower(s: Session, tower_id: str, name: str, levels: int, bays_per_level: int,
              delivery_bays: list[int], **policy: Any) -> Tower:
    tower = Tower(id=tower_id, name=name, levels=levels, bays_per_level=bays_per_level,
                  delivery_bays=delivery_bays, **{
                      "credit_min": 700, "quota_drives": 5, "quota_window_days": 60,
                      "drive_max_h": 72, "face_max_distance": 0.5, "reservation_s": 300,
                      "pass_lifetime_s": 60, "session_s": 600, **policy})
    s.add(tower)
    s.flush()  # no ORM relationships: parents are flushed before children
    for n in range(1, levels * bays_per_level + 1):
        s.add(Bay(tower_id=tower_id, bay=n, level=(n - 1) // bays_per_level + 1,
                  maintenance=False))
    s.flush()
    return tower


def add_kiosk(s: Session, kiosk_id: str, tower_id: str, key: str) -> None:
    s.add(Kiosk(id=kiosk_id, tower_id=tower_id, key_hash=hash_key(key)))


def add_catalog(s: Session) -> None:
    for m, zh in MODELS.items():
        if s.get(CarModel, m) is None:
            rng, seats, accel = MODEL_FACTS.get(m, (None, None, None))
            s.add(CarModel(id=m, name_en=m, name_zh=zh, range_km=rng, seats=seats,
                           accel_s=accel))
    for c, (en, zh) in COLOURS.items():
        if s.get(Colour, c) is None:
            s.add(Colour(id=c, name_en=en, name_zh=zh))
    s.flush()


def add_drive(s: Session, drive_id: str, member_id: str, car_id: str, tower_id: str,
              started_at: float, max_h: float = 72, returned_at: float | None = None) -> None:
    s.add(Drive(id=drive_id, member_id=member_id, car_id=car_id, tower_id=tower_id,
                started_at=started_at, due_at=started_at + max_h * HOUR_S,
                returned_at=returned_at))


def add_judged_selfie(s: Session, session_id: str, kiosk_id: str, now: float,
                      live: bool = True, face_match: bool | None = True) -> str:
    """A selfie of the session already judged, as if the judge had decided:
    for the rule tests and ``bench backend``, which measure what comes after
    identity (the judge itself is tested and measured on real frames)."""
    selfie_id = new_id("S", 12)
    s.add(Selfie(id=selfie_id, session_id=session_id, kiosk_id=kiosk_id,
                 member_id=s.get(KioskSession, session_id).member_id,
                 challenges="blink,turn_left", opened_at=now, expires_at=now + 60,
                 state="judged", live=live, face_match=face_match if live else None,
                 reason=None if live else "timeout", judged_at=now))
    return selfie_id


def seed_demo(db: Database, clock: Any = None) -> bool:
    """Create the demo data unless tower T1 exists. True when it seeded."""
    now = (clock or SystemClock()).now()
    templates = load_templates()
    with db.write() as s:
        if s.get(Tower, "T1") is not None:
            return False
        add_catalog(s)
        add_tower(s, "T1", "Demo tower", levels=5, bays_per_level=6, delivery_bays=[101, 102])
        add_tower(s, "T2", "Second tower", levels=2, bays_per_level=4, delivery_bays=[201])
        for tower_id, models in (("T1", MODELS), ("T2", ("Aurora",))):
            for m in models:
                for c in COLOURS:
                    s.add(Offering(tower_id=tower_id, model_id=m, colour_id=c))
        add_kiosk(s, "K1", "T1", DEMO_KIOSK_KEY)
        add_kiosk(s, "K2", "T1", DEMO_KIOSK_KEY + "-2")
        add_kiosk(s, "T2-K1", "T2", DEMO_KIOSK_KEY + "-t2")
        s.flush()
        bays = iter(T1_BAYS)
        n = 0
        for (m, c), count in T1_STOCK.items():
            for _ in range(count):
                n += 1
                s.add(Car(id=f"T1-{n:02d}", tower_id="T1", model_id=m, colour_id=c,
                          bay=next(bays), state=CarState.STORED.value))
        s.add(Car(id="T2-01", tower_id="T2", model_id="Aurora", colour_id="white", bay=1,
                  state=CarState.STORED.value))
        for car_id, (m, c) in {"T1-90": ("Breeze", "white"), "T1-91": ("Comet", "black"),
                               "T1-92": ("Aurora", "red")}.items():
            s.add(Car(id=car_id, tower_id="T1", model_id=m, colour_id=c, bay=None,
                      state=CarState.OUT.value))
        for name, pin in DEMO_STAFF.items():
            s.add(Staff(name=name, pin_hash=hash_pin(pin), active=True, created_at=now,
                        failures=0, lock_level=0, locked_until=None))
        maint = s.get(Bay, ("T1", T1_MAINTENANCE_BAY))
        maint.maintenance, maint.note = True, "demo: sensor check"
        for member_id, (name, credit, tpl, pre, active, _what) in DEMO_MEMBERS.items():
            s.add(Member(id=member_id, name=name, credit_score=credit,
                         template=templates.get(tpl) if tpl else None,
                         preselected_model=pre, active=active,
                         token_hash=hash_key(demo_member_token(member_id))))
        s.flush()
        for i, days in enumerate((50, 40, 30, 20, 10)):
            start = now - days * DAY_S
            add_drive(s, f"D-quota-{i}", "demo-quota", "T1-01", "T1", start,
                      returned_at=start + DAY_S)
        add_drive(s, "D-open", "demo-open", "T1-90", "T1", now - DAY_S)
        add_drive(s, "D-overdue", "demo-overdue", "T1-91", "T1", now - 4 * DAY_S)
        add_drive(s, "D-return", "demo-return", "T1-92", "T1", now - 3 * HOUR_S)
        buy_start = now - 20 * DAY_S
        add_drive(s, "D-buy", "demo-buy", "T1-04", "T1", buy_start,
                  returned_at=buy_start + 2 * DAY_S)
        repeat_start = now - 12 * DAY_S
        add_drive(s, "D-repeat", "demo-repeat", "T1-09", "T1", repeat_start,
                  returned_at=repeat_start + DAY_S)
    return True
