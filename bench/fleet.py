"""``kiosk bench fleet``: many towers' kiosks on replicas of the service sharing one PostgreSQL.

    kiosk bench fleet --db postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
        --replicas 2 --towers 50 --kiosks-per-tower 2

A scratch database is created on that server (and dropped at the end), the
towers are seeded on the fly (each: 30 storage bays, two delivery bays, the
demo tower's stock of 20 cars with exactly one Comet/red, ``--members``
members per kiosk, a key per kiosk), then ``kiosk-backend --workers
REPLICAS`` serves it and the kiosks (``bench/fleet_kiosk.py``) run journeys:
member pass, session, inventory, reserve (races for each tower's last
Comet/red), selfie, verify, the lift job's report, returns, heartbeats.
After an untimed warm-up, ``--runs`` windows of ``--duration-s`` are timed.

Reported (last line, JSON): ``p50_ms``/``p99_ms`` over every timed call as
the kiosk saw it (client work included) except a real selfie's frame
uploads and finish, which wait for the judge and are reported apart
(``selfie_finish_p50_ms``); medians over the windows. ``journeys_per_s``:
journeys completed per second (median). ``double_allocations``: a car
handed out by verify while the kiosks' own record says it is out (from the
answer that authorised it to the report that brought it back), plus cars
with two open drives in the database at the end; it must be 0. ``errors``:
every answer that was not a 200 or an expected refusal (CAR_UNAVAILABLE on
a race; LIVENESS_FAILED on a real selfie the synthetic member missed).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
from typing import Any

from bench.fleet_kiosk import UNTIMED, KioskSpec, Tally, load_process

_PG_ENV = "KIOSK_TEST_PG_URL"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=os.environ.get(_PG_ENV),
                        help=f"PostgreSQL server URL (a scratch database is made there); "
                             f"default ${_PG_ENV}")
    parser.add_argument("--replicas", type=int, default=2, help="service processes")
    parser.add_argument("--towers", type=int, default=50)
    parser.add_argument("--kiosks-per-tower", type=int, default=2)
    parser.add_argument("--members", type=int, default=4, help="members per kiosk")
    parser.add_argument("--duration-s", type=float, default=20.0, help="each timed window")
    parser.add_argument("--runs", type=int, default=3, help="timed windows (medians)")
    parser.add_argument("--warmup-s", type=float, default=5.0)
    parser.add_argument("--think-ms", type=float, default=2000.0,
                        help="mean pause between a kiosk's calls (the member reading)")
    parser.add_argument("--heartbeat-s", type=float, default=10.0)
    parser.add_argument("--race-share", type=float, default=0.3,
                        help="share of journeys going for the tower's single Comet/red")
    parser.add_argument("--selfie-share", type=float, default=0.0,
                        help="share of journeys uploading a real selfie to the judge "
                             "(pre-renders 20 selfies first, ~1 min on 2 cores)")
    parser.add_argument("--judge-workers", type=int, default=1, help="per replica")
    parser.add_argument("--procs", type=int, default=2, help="load processes")
    parser.add_argument("--service-log", default=None, metavar="FILE",
                        help="the service's stderr (warnings) to this file")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def seed_fleet(db_url: str, towers: int, per_tower: int, members: int) -> list[KioskSpec]:
    """Towers F001.., their kiosks (a random key each) and members."""
    from backend.db import Database
    from backend.guard import hash_key
    from backend.models import Car, Member, Offering
    from backend.seed import (
        COLOURS,
        MODELS,
        T1_BAYS,
        T1_STOCK,
        add_catalog,
        add_kiosk,
        add_tower,
        demo_member_token,
        load_templates,
    )

    template = load_templates()["astronaut"]
    db = Database(db_url)
    specs: list[KioskSpec] = []
    try:
        db.migrate()
        with db.write() as s:
            add_catalog(s)
            for t in range(towers):
                tower_id = f"F{t + 1:03d}"
                # The quota and the repeat-model rule would stop a member
                # after a few journeys; the bench measures the calls.
                add_tower(s, tower_id, f"Fleet {t + 1}", levels=5, bays_per_level=6,
                          delivery_bays=[101, 102], quota_drives=100_000,
                          repeat_model_days=0)
                s.add_all(Offering(tower_id=tower_id, model_id=m, colour_id=c)
                          for m in MODELS for c in COLOURS)
                bays = iter(T1_BAYS)
                n = 0
                for (m, c), count in T1_STOCK.items():
                    for _ in range(count):
                        n += 1
                        s.add(Car(id=f"{tower_id}-{n:02d}", tower_id=tower_id, model_id=m,
                                  colour_id=c, bay=next(bays), state="stored"))
                for k in range(per_tower):
                    kiosk_id, key = f"{tower_id}-K{k + 1}", secrets.token_urlsafe(24)
                    add_kiosk(s, kiosk_id, tower_id, key)
                    ids = [f"{kiosk_id}-m{j}" for j in range(members)]
                    s.add_all(Member(id=m, name="Fleet", credit_score=800, template=template,
                                     token_hash=hash_key(demo_member_token(m))) for m in ids)
                    specs.append(KioskSpec(kiosk_id, tower_id, key, ids))
    finally:
        db.dispose()
    return specs


def count_double(moves: list[tuple[float, str, int]]) -> int:
    """Cars handed out while out, from the kiosks' own record of out/back."""
    out: dict[str, int] = {}
    double = 0
    for _t, car, step in sorted(moves):
        out[car] = out.get(car, 0) + step
        if out[car] > 1:
            double += 1
            out[car] = 1
    return double


def _open_drives_twice(db_url: str) -> int:
    from sqlalchemy import text

    from backend.db import Database

    db = Database(db_url)
    try:
        with db.read() as s:
            return len(s.execute(text(
                "SELECT car_id FROM drives WHERE returned_at IS NULL "
                "GROUP BY car_id HAVING count(*) > 1")).all())
    finally:
        db.dispose()


def _service_pids(proc: subprocess.Popen, replicas: int) -> list[int]:
    """The replica processes: the supervisor's children, or the one process."""
    if replicas == 1:
        return [proc.pid]
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children", encoding="ascii") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _cpu(pids: list[int]) -> float | None:
    from bench.backend import _cpu_s

    values = [_cpu_s(p) for p in pids]
    return None if not values or None in values else sum(values)


def _merge(parts: list[tuple[float, Tally]]) -> tuple[float, Tally]:
    total = Tally()
    for _s, t in parts:
        for name, ms in t.calls.items():
            total.calls.setdefault(name, []).extend(ms)
        for what in ("journeys", "races_lost", "no_car", "selfies_real", "selfies_not_live"):
            setattr(total, what, getattr(total, what) + getattr(t, what))
        total.errors += t.errors
        total.moves += t.moves
    return max(s for s, _ in parts), total


def run(args: argparse.Namespace) -> dict[str, Any]:
    import multiprocessing

    from backend.db import scratch_database
    from backend.server import spawn

    if not args.db:
        raise SystemExit(f"kiosk bench fleet needs --db postgresql+psycopg://... (or ${_PG_ENV})")
    if min(args.replicas, args.towers, args.kiosks_per_tower, args.members, args.runs) < 1:
        raise SystemExit("--replicas, --towers, --kiosks-per-tower, --members and --runs "
                         "must be at least 1")
    sequences: dict[tuple[str, ...], Any] = {}
    if args.selfie_share > 0:
        from bench.backend_selfies import pre_render

        sequences = pre_render(2)  # before the service starts: untimed
    opts = {"think_s": args.think_ms / 1000.0, "heartbeat_s": args.heartbeat_s,
            "race_share": args.race_share, "selfie_share": args.selfie_share}
    with scratch_database(args.db) as db_url:
        specs = seed_fleet(db_url, args.towers, args.kiosks_per_tower, args.members)
        log = open(args.service_log, "ab") if args.service_log else subprocess.DEVNULL  # noqa: SIM115
        proc, url = spawn(db_url, seed="none", stderr=log, extra_args=[
            "--workers", str(args.replicas), "--judge-workers", str(args.judge_workers)])
        ctx = multiprocessing.get_context("spawn")
        procs_n = max(1, min(args.procs, len(specs)))
        results = ctx.Queue()
        windows = [ctx.Queue() for _ in range(procs_n)]
        loads = [ctx.Process(target=load_process, name=f"fleet-load-{i}", args=(
            url, db_url, specs[i::procs_n], opts, sequences, windows[i], results, i))
            for i in range(procs_n)]
        pids = _service_pids(proc, args.replicas)
        cpu0 = None
        try:
            for p in loads:
                p.start()
            figures, moves = [], []
            for i in range(args.runs + 1):  # window 0: the warm-up, not reported
                seconds = args.warmup_s if i == 0 else args.duration_s
                if i == 1:
                    cpu0 = _cpu(pids)
                for q in windows:
                    q.put(("run", seconds))
                parts = [results.get(timeout=seconds + 600) for _ in loads]
                moves += [m for _s, t in parts for m in t.moves]  # warm-up's too
                if i:
                    figures.append(_merge(parts))
            cpu1 = _cpu(pids)
        finally:
            for q in windows:
                q.put(("stop", 0))
            for p in loads:
                p.join(120)
                if p.is_alive():
                    p.kill()
                    p.join()
            proc.terminate()
            proc.wait(timeout=60)
            proc.stdout.close()
            if log is not subprocess.DEVNULL:
                log.close()
        double_db = _open_drives_twice(db_url)
    result = _report(args, specs, figures, double_db + count_double(moves))
    if cpu0 is not None and cpu1 is not None and result["calls"]:
        # The replicas' own CPU per call (PostgreSQL's is not counted):
        # unlike latency it does not depend on how busy the machine is.
        result["server_cpu_ms_per_call"] = round((cpu1 - cpu0) * 1000 / result["calls"], 2)
    return result


def _report(args: argparse.Namespace, specs: list[KioskSpec],
            figures: list[tuple[float, Tally]], double: int) -> dict[str, Any]:
    p50s, p99s, rates, per_call = [], [], [], {}
    errors: list[str] = []
    totals = {"journeys": 0, "races_lost": 0, "no_car": 0, "selfies_real": 0,
              "selfies_not_live": 0, "calls": 0}
    finish: list[float] = []
    for seconds, t in figures:
        timed = [ms for name, v in t.calls.items() if name not in UNTIMED for ms in v]
        p50s.append(_percentile(timed, 0.5))
        p99s.append(_percentile(timed, 0.99))
        rates.append(t.journeys / seconds)
        errors += t.errors
        finish += t.calls.get("selfie_finish", [])
        totals["calls"] += len(timed)
        for k in totals:
            if k != "calls":
                totals[k] += getattr(t, k)
        for name, v in t.calls.items():
            per_call.setdefault(name, []).append(_percentile(v, 0.99))
    return {"towers": args.towers, "kiosks": len(specs), "replicas": args.replicas,
            "p50_ms": round(statistics.median(p50s), 2),
            "p99_ms": round(statistics.median(p99s), 2),
            "journeys_per_s": round(statistics.median(rates), 2),
            "double_allocations": double, "errors": len(errors),
            **({"first_error": errors[0]} if errors else {}),
            "p99_ms_per_run": [round(x, 2) for x in p99s],
            "p99_ms_by_call": {k: round(statistics.median(v), 2)
                               for k, v in sorted(per_call.items())},
            "selfie_finish_p50_ms": round(_percentile(finish, 0.5), 1) if finish else None,
            "runs": args.runs, "duration_s": args.duration_s, "think_ms": args.think_ms,
            "selfie_share": args.selfie_share, "race_share": args.race_share, **totals,
            "load_avg_1m": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    add_arguments(ap)
    print(json.dumps(run(ap.parse_args()), sort_keys=True))
