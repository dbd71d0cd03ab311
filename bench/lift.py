"""``kiosk bench lift``: STATUS round trips over a pty, then jobs through a noisy line.

1. The tower simulator, in its own process like the real controller, serves a
   pseudo-terminal; a LiftClient at 115200 baud times STATUS round trips
   (request, ACK, reply, ACK). Several runs; the figures are the medians of
   the runs' percentiles. A pty moves bytes instantly, so ``wire_ms_at_baud``
   says what a real 115200 line would add for shifting those bytes.
2. An in-process simulator (so the bench can count what it really moved)
   corrupts a fraction of the bytes in both directions while the Dispatcher
   (journal in a temporary directory) runs N jobs, alternating deliveries and
   returns, with 32-character job ids like the backend's. Every job must
   arrive exactly once: ``jobs_doubled`` counts a car picked up twice for one
   job or a job reported twice.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from common.errors import KioskError, LiftError, Reason
from drivers.lift_client import LiftClient
from drivers.lift_frame import OVERHEAD
from drivers.lift_proto import encode_status
from kiosk.dispatch import Dispatcher, DispatchJournal
from sim.lift.simulator import FaultConfig, TowerSimulator

BAUD = 115200
FAST = {"travel_s_per_level": 0.002, "door_s": 0.002, "transfer_s": 0.002}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=500, help="STATUS round trips per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--corrupt", type=float, default=0.05,
                        help="fraction of bytes corrupted, each direction, during the jobs")
    parser.add_argument("--ack-timeout-s", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)


class _CountingReporter:
    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.jobs: Counter[str] = Counter()

    def report_job(self, job_id: str, outcome: str, idempotency_key: str) -> None:
        if self.keys[idempotency_key] == 0:
            self.jobs[job_id] += 1  # the backend learns once per key
        self.keys[idempotency_key] += 1


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rtt(client: LiftClient, samples: int) -> tuple[float, float]:
    for _ in range(20):  # warm-up: first calls pay for imports and caches
        client.status()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        client.status()
        times.append((time.perf_counter() - t0) * 1000.0)
    return _percentile(times, 0.50), _percentile(times, 0.99)


def _wire_ms(sim: TowerSimulator) -> float:
    with sim.locked() as tower:
        reply = len(encode_status(tower.status())) + 2  # + req seq and result
    frames = OVERHEAD * 4 + reply  # request, ACK, reply, ACK
    return frames * 10 * 1000.0 / BAUD  # 8N1: ten bit times per byte


def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"baudrate": BAUD, "runs": args.runs, "samples": args.samples}
    out.update(_rtt_runs(args))
    with TowerSimulator(faults=FaultConfig(seed=args.seed), ack_timeout_s=args.ack_timeout_s,
                        **FAST) as sim:
        client = LiftClient(sim.serve_pty(), baudrate=BAUD, ack_timeout_s=args.ack_timeout_s,
                            reply_timeout_s=1.0).open(wait_s=5.0)
        try:
            out["wire_ms_at_baud"] = round(_wire_ms(sim), 2)
            out.update(_jobs(sim, client, args))
        finally:
            client.close()
    return out


def _rtt_runs(args: argparse.Namespace) -> dict[str, Any]:
    # The controller is another device: the simulator runs in its own process
    # so the figures do not include sharing this interpreter's GIL with it.
    cmd = [sys.executable, "-m", "sim.lift", "--pty",
           *(f"--{k.replace('_s_per_level', '-s').replace('_', '-')}={v}"
             for k, v in FAST.items())]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().strip()
        if not path:
            raise LiftError("the simulator did not start", reason=Reason.LIFT_LINK_DOWN)
        client = LiftClient(path, baudrate=BAUD, ack_timeout_s=args.ack_timeout_s,
                            reply_timeout_s=1.0).open(wait_s=5.0)
        try:
            per_run = [_rtt(client, args.samples) for _ in range(args.runs)]
        finally:
            client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"rtt_p50_ms": round(statistics.median(r[0] for r in per_run), 3),
            "rtt_p99_ms": round(statistics.median(r[1] for r in per_run), 3),
            "rtt_runs_ms": [[round(a, 3), round(b, 3)] for a, b in per_run]}


def _jobs(sim: TowerSimulator, client: LiftClient, args: argparse.Namespace) -> dict[str, Any]:
    sim.set_line(corrupt=args.corrupt)
    stats0 = Counter(vars(client.link.stats))
    reporter = _CountingReporter()
    outcomes: Counter[str] = Counter()
    durations: list[float] = []
    job_ids: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-lift-") as tmp:
        journal = DispatchJournal(Path(tmp) / "journal.db")
        dispatcher = Dispatcher(journal, client, reporter, poll_s=0.2, stall_timeout_s=10.0,
                                move_timeout_s=60.0)
        with sim.locked() as tower:
            bays = sorted(b for b in tower.occupied if b not in tower.delivery_bays)
            delivery = tower.delivery_bays[0]
        started = time.monotonic()
        for i in range(args.jobs):
            bay = bays[(i // 2) % len(bays)]
            job_id = uuid.uuid4().hex
            job_ids.append(job_id)
            src, dst, kind = ((bay, delivery, "delivery") if i % 2 == 0
                              else (delivery, bay, "return"))
            t0 = time.monotonic()
            try:
                outcome = dispatcher.run_job(job_id, src, dst, kind).outcome
            except KioskError as exc:
                outcome = f"error:{exc.reason.value}"
            durations.append(time.monotonic() - t0)
            outcomes[outcome] += 1
        elapsed = time.monotonic() - started
        dispatcher.close()
        journal.close()
    sim.set_line(corrupt=0.0)
    with sim.locked() as tower:
        loads = Counter(tower.loads)
        arrivals = Counter(job for job, _, _ in tower.arrivals)
    doubled = sum(1 for j in job_ids
                  if loads[j] > 1 or arrivals[j] > 1 or reporter.jobs[j] > 1)
    stats = Counter(vars(client.link.stats))
    stats.subtract(stats0)
    return {
        "jobs": args.jobs,
        "jobs_ok": outcomes["delivered"],
        "jobs_failed": args.jobs - outcomes["delivered"],
        "jobs_doubled": doubled,
        "jobs_reported_once": sum(1 for j in job_ids if reporter.jobs[j] == 1),
        "job_outcomes": dict(outcomes),
        "corrupt": args.corrupt,
        "jobs_elapsed_s": round(elapsed, 2),
        "job_p50_s": round(statistics.median(durations), 3) if durations else None,
        "link_resends": stats["resent"],
        "link_naks_received": stats["naks_received"],
        "link_failures": stats["link_failures"],
        "ack_timeout_s": args.ack_timeout_s,
    }
