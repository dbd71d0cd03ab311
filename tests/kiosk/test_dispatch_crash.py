"""SIGKILL the kiosk at every journal state of a dispatch, restart, reconcile.

A child process runs one delivery through the real Dispatcher and LiftClient
against the simulator served by this test, and kills itself with SIGKILL at a
chosen point (the dispatcher's ``on_journal`` hook). A fresh Dispatcher then
reconciles: the car must arrive exactly once and the backend (a file the
child and the parent append to, deduplicated by idempotency key as the real
backend does) must learn the outcome exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.lift_client import LiftClient
from kiosk.dispatch import DELIVERED, Dispatcher, DispatchJournal, JobStep
from sim.lift.simulator import TowerSimulator

REPO = Path(__file__).resolve().parents[2]
JOB = "5e1c0d7a9b3f4e2a8c6d1f0b7a9e3c5d"

CHILD = r"""
import json, os, signal, sys
from drivers.lift_client import LiftClient
from kiosk.dispatch import DispatchJournal, Dispatcher

url, journal_path, report_path, crash_at, job = sys.argv[1:6]


class FileBackend:
    def report_job(self, job_id, outcome, idempotency_key):
        with open(report_path, "a") as f:
            f.write(json.dumps([job_id, outcome, idempotency_key]) + "\n")
            f.flush()
            os.fsync(f.fileno())


def hook(job_id, point):
    if point == crash_at:
        os.kill(os.getpid(), signal.SIGKILL)


client = LiftClient(url, reply_timeout_s=5.0).open(wait_s=30)
dispatcher = Dispatcher(DispatchJournal(journal_path), client, FileBackend(), poll_s=0.05,
                        on_journal=hook)
print(dispatcher.run_job(job, 25, 101).outcome, flush=True)
"""


class FileBackend:
    """The parent's side of the same backend: appends, and learns each key once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def report_job(self, job_id: str, outcome: str, idempotency_key: str) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps([job_id, outcome, idempotency_key]) + "\n")

    def calls(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def learned(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for job_id, outcome, key in self.calls():
            out.setdefault(key, (job_id, outcome))
        return out


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[TowerSimulator, str]]:
    s = TowerSimulator(travel_s_per_level=0.02, door_s=0.02, transfer_s=0.02)
    url = s.serve_pty(str(tmp_path / "ttyLIFT"))
    yield s, url
    s.stop()
    assert not s.running


def run_child(url: str, tmp_path: Path, crash_at: str) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script), url, str(tmp_path / "dispatch.db"),
         str(tmp_path / "backend.jsonl"), crash_at, JOB],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


def reconcile_and_check(sim: TowerSimulator, url: str, tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "backend.jsonl")
    journal = DispatchJournal(tmp_path / "dispatch.db")
    client = LiftClient(url, reply_timeout_s=5.0).open(wait_s=30)
    dispatcher = Dispatcher(journal, client, backend, poll_s=0.05)
    try:
        outcomes = dispatcher.reconcile()
        assert all(o.outcome == DELIVERED and o.reported for o in outcomes), outcomes
        entry = journal.get(JOB)
        assert entry is not None and entry.state is JobStep.REPORTED, entry
        assert entry.outcome == DELIVERED and dispatcher.pending() == []
        # Starting again is a no-op: nothing left to settle, nothing reported twice.
        assert dispatcher.reconcile() == []
    finally:
        dispatcher.close()
        client.close()
        journal.close()
    with sim.locked() as tower:
        assert tower.loads[JOB] == 1, "the car was picked up more than once"
        assert [a[0] for a in tower.arrivals] == [JOB], "the car did not arrive exactly once"
        assert 101 in tower.occupied and 25 not in tower.occupied
    assert list(backend.learned().values()) == [(JOB, DELIVERED)]
    assert len(backend.calls()) <= 2  # a resend after a crash reuses the idempotency key


POINTS = ["PLANNED", "SENT", "move_sent", "ACCEPTED", "MOVING", "ARRIVED", "reported",
          "REPORTED"]


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_journal_state(sim: tuple[TowerSimulator, str], tmp_path: Path,
                                       point: str) -> None:
    s, url = sim
    code, out, err = finish(run_child(url, tmp_path, point))
    assert code == -signal.SIGKILL, f"child did not die at {point}: {code} {out} {err}"
    reconcile_and_check(s, url, tmp_path)


def test_sigkill_with_the_car_half_way(sim: tuple[TowerSimulator, str], tmp_path: Path) -> None:
    s, url = sim
    s.trigger("stall_mid_move")  # hold the car between levels until we have pulled the plug
    proc = run_child(url, tmp_path, "never")
    deadline = time.monotonic() + 30
    tick = threading.Event()
    while not (s.tower.activity is not None and s.tower.activity.paused_at):
        assert time.monotonic() < deadline and proc.poll() is None, "the move never started"
        tick.wait(0.005)
    proc.send_signal(signal.SIGKILL)
    code, _, _ = finish(proc)
    assert code == -signal.SIGKILL
    s.trigger("unstall")
    reconcile_and_check(s, url, tmp_path)


def test_child_runs_to_completion_without_a_crash(sim: tuple[TowerSimulator, str],
                                                  tmp_path: Path) -> None:
    s, url = sim
    code, out, err = finish(run_child(url, tmp_path, "never"))
    assert (code, out.strip()) == (0, DELIVERED), err
    reconcile_and_check(s, url, tmp_path)
