"""The soak's seeded plan: which faults ``--faults`` draws, and ``--skip-fault``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from ui.soak.plan import FAULTS, Planner

ROOT = Path(__file__).resolve().parents[2]


def _faults(planner: Planner, n: int = 2000) -> Counter[str]:
    # drivers_out=1 leaves every script possible, so every fault fits somewhere.
    return Counter(j.fault for j in (planner.next(i, 1) for i in range(n)) if j.fault)


def test_the_full_mix_draws_every_fault():
    assert set(_faults(Planner(7, True))) == set(FAULTS)


def test_a_skipped_fault_is_never_drawn_and_the_others_still_are():
    drawn = _faults(Planner(7, True, skip=["kiosk-kill"]))
    assert "kiosk-kill" not in drawn
    assert set(drawn) == set(FAULTS) - {"kiosk-kill"}


def test_skipping_nothing_keeps_the_seeded_plan():
    # A run's seed must mean the same journeys before and after --skip-fault
    # existed (the README's runs name their seed): the first 300 journeys of
    # seed 7, fingerprinted on the planner before the option.
    planner = Planner(7, True, skip=())
    plan = [(j.script, j.fault) for j in (planner.next(i, 1) for i in range(300))]
    assert [p for p in plan if p[1]][:3] == [
        ("drive", "lift-noise"), ("return", "backend-kill"), ("return", "backend-slow")]
    assert hashlib.sha256(repr(plan).encode()).hexdigest()[:16] == "a341b45fcb4cc631"


def test_the_skip_list_may_be_any_iterable():
    # A generator is read once: the planner must not go back to it per fault.
    drawn = _faults(Planner(7, True, skip=(n for n in ["kiosk-kill"])))
    assert "kiosk-kill" not in drawn


def test_skipping_every_fault_plans_none():
    assert not _faults(Planner(7, True, skip=list(FAULTS)), 300)


def test_an_unknown_fault_name_is_refused_before_anything_starts(tmp_path):
    cmd = [sys.executable, "-m", "cli", "soak", "--journeys", "1", "--faults",
           "--skip-fault", "kiosk-kil", "--workdir", str(tmp_path)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {
        "error": "unknown fault 'kiosk-kil'"}
    assert not list(tmp_path.iterdir())
