"""The soak's ledger: a job the books call delivered must have moved once in
this tower (the simulator's moves log)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from ui.soak.ledger import GRACE, Ledger


class Stack:
    """The ledger's three sources but the journal: the backend's jobs and the
    simulator's physical moves, as the test sets them."""

    def __init__(self) -> None:
        self.jobs: dict[str, str] = {}
        self.loads: Counter[str] = Counter()
        self.unloads: Counter[str] = Counter()

    def backend_jobs(self) -> dict[str, str]:
        return dict(self.jobs)

    def physical_moves(self) -> tuple[Counter[str], Counter[str]]:
        return Counter(self.loads), Counter(self.unloads)


def journal(data_dir: Path, rows: list[tuple[str, str, str]]) -> None:
    with sqlite3.connect(data_dir / "dispatch.sqlite") as db:
        db.execute("CREATE TABLE IF NOT EXISTS jobs (job_id TEXT, state TEXT, outcome TEXT)")
        db.executemany("INSERT INTO jobs VALUES (?, ?, ?)", rows)


def test_a_delivery_this_tower_never_moved_is_lost(tmp_path):
    stack = Stack()
    stack.jobs = {"J-moved": "delivered", "J-phantom": "delivered", "J-failed": "failed_in_bay"}
    stack.loads.update(["J-moved"])
    stack.unloads.update(["J-moved"])
    journal(tmp_path, [("J-moved", "REPORTED", "delivered"),
                       ("J-phantom", "REPORTED", "delivered"),
                       ("J-failed", "REPORTED", "failed_in_bay")])
    ledger = Ledger(stack, tmp_path)
    for i in range(GRACE + 1):
        ledger.check(i)
    assert ledger.lost() == 1 and ledger.double_moves() == 0
    assert any("J-phantom" in note and "picked it up 0x" in note for note in ledger.notes)
