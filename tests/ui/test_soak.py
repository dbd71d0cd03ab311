"""A tiny soak through the real parts: one kiosk process, journeys played by
touches, one fault (the E-stop mid-move, then staff acknowledge it), and the
report's shape: nothing unexpected, stuck, lost or moved twice."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_tiny_soak_with_one_fault_reports_nothing_lost(tmp_path):
    cmd = [sys.executable, "-m", "cli", "soak", "--journeys", "3", "--only-fault",
           "estop", "--seed", "2", "--workdir", str(tmp_path)]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["journeys"] == 3, report
    assert (report["unexpected"], report["stuck"], report["lost_jobs"],
            report["double_moves"]) == (0, 0, 0, 0), report
    assert proc.returncode == 0
    for key in ("start", "end"):
        for figure in ("rss_mb", "threads", "fds"):
            assert report[figure][key] > 0, report
    assert set(report["gui_stall_ms"]) >= {"p50", "p99", "max"}
    assert report["gui_stall_ms"]["samples"] > 0
    assert report["journeys_per_hour"] > 0
    # The E-stop journey ended on the lift error screen; staff then acknowledged it.
    assert report["outcomes"].get("staff_ok", 0) >= 1, report
    # Seed 2's first journey takes a selfie: its journey line says what the
    # kiosk's own check said and how fast its vision ran.
    assert re.search(r"journey 0 bad-pass fault=estop -> \S+ selfie local=\S+ fps=[\d.]+",
                     proc.stderr), proc.stderr[-2000:]


def test_killing_the_simulator_removes_its_link_first(tmp_path):
    # A SIGKILLed simulator cannot remove its --link; left behind, it names
    # a pty number the kernel gives to the next program that opens one, and
    # the kiosk's link followed it to a test run's simulator.
    import os

    from ui.soak.stack import SoakStack

    stack = SoakStack(tmp_path)
    stack._occupied_bays = lambda: [1, 2]  # no backend here: only the simulator runs
    stack._start_sim()
    assert os.path.islink(stack.lift_link)
    sim = stack.sim
    stack.kill_sim()
    assert not os.path.lexists(stack.lift_link)
    sim.proc.wait(10)
    assert sim.proc.returncode is not None
