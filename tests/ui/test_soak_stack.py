"""What the soak reads from the backend's own database to explain an
unexpected refusal: the judge's verdict on the member's latest selfie."""

from __future__ import annotations

import sqlite3

from backend.db import Database
from ui.soak.stack import SoakStack


def _selfie(db: sqlite3.Connection, sid: str, member: str, opened_at: float,
            live: bool | None, reason: str | None) -> None:
    db.execute("INSERT INTO selfies (id, session_id, kiosk_id, member_id, challenges,"
               " opened_at, expires_at, state, live, reason) VALUES"
               " (?, 'S-x', 'K1', ?, 'turn_left,blink', ?, ?, 'used', ?, ?)",
               (sid, member, opened_at, opened_at + 60, live, reason))


def test_the_latest_selfie_verdict_of_the_member(tmp_path):
    stack = SoakStack(tmp_path)
    database = Database(f"sqlite:///{stack.db_path}")
    database.migrate()
    database.engine.dispose()
    with sqlite3.connect(stack.db_path) as db:
        _selfie(db, "S-1", "soak-demo-ok-00455", 100.0, True, None)
        _selfie(db, "S-2", "soak-demo-ok-00455", 200.0, False, "incomplete")
        _selfie(db, "S-3", "soak-demo-ok-00456", 300.0, None, None)
    assert stack.last_selfie_verdict("soak-demo-ok-00455") == {
        "challenges": "turn_left,blink", "live": False, "reason": "incomplete"}
    # Opened, never judged (the kiosk gave up first): no verdict either way.
    assert stack.last_selfie_verdict("soak-demo-ok-00456") == {
        "challenges": "turn_left,blink", "live": None, "reason": None}
    assert stack.last_selfie_verdict("soak-nobody") is None
