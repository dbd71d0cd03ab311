"""Nothing lost, nothing moved twice: the journal, the backend's jobs and the
simulator's physical moves, compared after every journey.

* lost: a backend job the journal never planned, a journal job not settled
  and reported, a report the backend did not learn (states differ), or a
  job delivered by the books that this tower's lift never moved (once, the
  kiosk's link had followed a stale port path to another simulator). A
  job may be in flight at one check (a report retried, a reconcile running);
  it counts as lost when it is still out of step ``GRACE`` checks later, or
  at the last check.
* double: a job whose car the simulator picked up (or set down) more than
  once across restarts, or a car moved for a job nobody asked for.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ui.soak.stack import journal_jobs

log = logging.getLogger(__name__)

GRACE = 3


class Ledger:
    def __init__(self, stack: Any, data_dir: Path) -> None:
        self.stack = stack
        self.data_dir = data_dir
        self.open: dict[str, tuple[int, str]] = {}  # job -> (first check seen, why)
        self._lost: dict[str, str] = {}
        self._double: dict[str, str] = {}
        self._jobs = 0
        self.notes: list[str] = []
        self._last = -1

    def check(self, i: int) -> None:
        self._last = i
        journal = journal_jobs(self.data_dir)
        backend = self.stack.backend_jobs()
        loads, unloads = self.stack.physical_moves()
        self._jobs = len(set(journal) | set(backend))
        wrong: dict[str, str] = {}
        for job, state in backend.items():
            entry = journal.get(job)
            if entry is None:
                wrong[job] = f"backend {state}, not in the journal"
            elif entry[0] != "REPORTED":
                wrong[job] = f"journal {entry[0]}"
            elif entry[1] != state:
                wrong[job] = f"journal {entry[1]}, backend {state}"
            elif state == "delivered" and (loads[job], unloads[job]) != (1, 1):
                wrong[job] = (f"delivered, but the tower picked it up {loads[job]}x and "
                              f"set it down {unloads[job]}x")
        for job, entry in journal.items():
            if job not in backend:
                wrong[job] = f"journal {entry[0]}, unknown to the backend"
        for job in loads + unloads:
            if loads[job] > 1 or unloads[job] > 1:
                self._double[job] = f"picked up {loads[job]}x, set down {unloads[job]}x"
            elif job not in backend:
                self._double[job] = "moved for a job the backend never made"
        for job, why in wrong.items():
            first, _ = self.open.get(job, (i, why))
            self.open[job] = (first, why)
            if i - first >= GRACE:
                self._lost[job] = why
        for job in list(self.open):
            if job not in wrong:
                del self.open[job]
        if wrong:
            log.info("ledger after journey %d: %s", i, wrong)

    def lost(self) -> int:
        lost = dict(self._lost)
        lost.update({j: why for j, (_, why) in self.open.items()})  # still open at the end
        for job, why in lost.items():
            note = f"lost {job}: {why}"
            if note not in self.notes:
                self.notes.append(note)
        return len(lost)

    def double_moves(self) -> int:
        for job, why in self._double.items():
            note = f"double {job}: {why}"
            if note not in self.notes:
                self.notes.append(note)
        return len(self._double)

    def jobs_seen(self) -> int:
        return self._jobs
