"""``kiosk bench backend``: the reserve-and-check path at 50 concurrent kiosks.

The service runs as its own process (``python -m backend``) on a temp SQLite
file, as in demo mode. Each round, every client reserves the same
model x colour at once (``--cars`` of them in stock), and each winner goes on
to verify (face, rules, reservation) like a kiosk would. After the round the
winners' jobs are reported ``failed_in_bay`` (untimed), which puts the cars
back. Latency is per HTTP call as the kiosk sees it (client included).

Reported: ``p50_ms``/``p99_ms`` over all timed calls of all rounds (and the
median of the rounds' p99), ``requests_per_s`` (median over rounds), and the
CPU each call costs the server and the client process: unlike latency, CPU
per call does not depend on how busy the machine is, and a burst of N calls
cannot finish before N x server CPU. ``double_allocations`` counts rounds'
winners beyond the stock plus any car handed to two winners; it must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

MODEL, COLOUR = "Comet", "blue"  # carried by demo tower T1, none in the demo stock


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=50, help="concurrent kiosks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cars", type=int, default=5, help="cars in stock per round")
    parser.add_argument("--in-process", action="store_true",
                        help="run the service in this process (shares the GIL with clients)")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def _prepare(db_url: str, clients: int, cars: int) -> list[str]:
    """Migrate, seed the demo, add bench members and the contended stock."""
    from backend.db import Database
    from backend.models import Bay, Car, Member
    from backend.seed import load_templates, seed_demo

    db = Database(db_url)
    try:
        db.migrate()
        seed_demo(db)
        template = load_templates()["astronaut"]
        members = [f"bench-{i:03d}" for i in range(clients)]
        with db.write() as s:
            for m in members:
                s.add(Member(id=m, name="Bench", credit_score=800, template=template))
            taken = {b for (b,) in s.query(Car.bay).filter(Car.tower_id == "T1")}
            free = [b for (b,) in s.query(Bay.bay).filter(Bay.tower_id == "T1",
                                                          Bay.maintenance.is_(False))
                    if b not in taken]
            if len(free) < cars:
                raise SystemExit(f"only {len(free)} free bays for {cars} cars")
            for i, bay in enumerate(sorted(free)[:cars]):
                s.add(Car(id=f"bench-car-{i}", tower_id="T1", model_id=MODEL,
                          colour_id=COLOUR, bay=bay, state="stored"))
        return members
    finally:
        db.dispose()


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _round(client: Any, sessions: list[str], embedding: list[float],
           latencies: list[float]) -> tuple[list[Any], float]:
    from kiosk.errors import RefusedError

    live = {"live": True, "challenges": ["blink", "turn_left"], "reason": None}
    barrier = threading.Barrier(len(sessions) + 1)
    won: list[Any] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def kiosk(session_id: str) -> None:
        barrier.wait(timeout=60)
        try:
            t0 = time.perf_counter()
            try:
                res = client.reserve(session_id, MODEL, COLOUR)
            except RefusedError:
                res = None
            t1 = time.perf_counter()
            auth = None
            if res is not None:
                auth = client.verify(session_id, res.reservation_id, embedding, live)
            t2 = time.perf_counter()
            with lock:
                latencies.append(t1 - t0)
                if res is not None:
                    latencies.append(t2 - t1)
                    won.append((res, auth))
        except BaseException as exc:  # noqa: BLE001 - reported after the round
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=kiosk, args=(s,), name=f"bench-kiosk-{i}")
               for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return won, wall


def run(args: argparse.Namespace) -> dict[str, Any]:
    import requests

    from backend.seed import DEMO_KIOSK_KEY, load_templates
    from backend.server import BackendServer, spawn
    from kiosk.backend_client import BackendClient

    clients = getattr(args, "clients", 50)
    rounds = getattr(args, "rounds", 7)
    cars = getattr(args, "cars", 5)
    in_process = getattr(args, "in_process", False)
    embedding = load_templates()["astronaut"]
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        members = _prepare(db_url, clients, cars)
        proc = srv = None
        if in_process:
            srv = BackendServer(db_url, seed=None).start()
            url = srv.url
        else:
            proc, url = spawn(db_url, seed="none", port=0)
        client = BackendClient(url, "K1", DEMO_KIOSK_KEY, timeout_s=30, retries=0)
        try:
            sessions = []
            for m in members:
                text = requests.get(f"{url}/member/{m}/pass.txt", timeout=30).text
                sessions.append(client.redeem_pass(text).session_id)
            latencies: list[float] = []
            rates: list[float] = []
            round_p99: list[float] = []
            double = reports = 0
            server_cpu0 = _cpu_s(proc.pid) if proc is not None else None
            client_cpu0 = time.process_time()
            for _ in range(rounds):
                before = len(latencies)
                won, wall = _round(client, sessions, embedding, latencies)
                rates.append((len(latencies) - before) / wall)
                round_p99.append(_percentile(latencies[before:], 0.99) * 1000)
                car_ids = [res.car_id for res, _ in won]
                double += max(0, len(won) - cars) + len(car_ids) - len(set(car_ids))
                for _res, auth in won:
                    client.report_job(auth.job_id, "failed_in_bay")
                    reports += 1
            ms = [x * 1000 for x in latencies]
            server_cpu1 = _cpu_s(proc.pid) if proc is not None else None
            # CPU per call (reports included) does not depend on how busy the
            # machine is, unlike the latencies: burst x CPU bounds the p99.
            calls = len(ms) + reports
            cpu = ({"server_cpu_ms_per_call": round(
                (server_cpu1 - server_cpu0) * 1000 / calls, 2)}
                if server_cpu0 is not None and server_cpu1 is not None else {})
            cpu["client_cpu_ms_per_call"] = round(
                (time.process_time() - client_cpu0) * 1000 / calls, 2)
            return {**cpu, "p50_ms": round(_percentile(ms, 0.50), 2),
                    "p99_ms": round(_percentile(ms, 0.99), 2),
                    "p99_ms_median_of_rounds": round(statistics.median(round_p99), 2),
                    "max_ms": round(max(ms), 2),
                    "requests_per_s": round(statistics.median(rates), 1),
                    "double_allocations": double, "clients": clients, "rounds": rounds,
                    "cars": cars, "requests": len(ms), "db": "sqlite",
                    "server": "thread" if in_process else "process"}
        finally:
            client.close()
            if srv is not None:
                srv.stop()
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
                proc.stdout.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    add_arguments(ap)
    print(json.dumps(run(ap.parse_args()), sort_keys=True))
