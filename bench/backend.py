"""``kiosk bench backend``: the reserve-and-check path at 50 concurrent kiosks.

The service runs as its own process (``python -m backend``) on a temp SQLite
file, as in demo mode. The kiosks are threads of ``--procs`` load processes
(one per core), each with its own keep-alive connection through the kiosk's
own client (``kiosk.backend_client``, requests), alive for the whole run.
Each round, every kiosk reserves the same model x colour at once (``--cars``
of them in stock), and each winner goes on to verify (its selfie, rules,
reservation) like a kiosk would. The selfies are written to the database
already judged before the timing starts, one per session and round (verify
uses each selfie once): this measures the reserve-and-verify path, not the
judge (``kiosk bench liveness`` measures that). After the round the
winners' jobs are reported ``failed_in_bay`` (untimed), which puts the cars
back. Round 0 is an untimed warm-up. The judge workers, which the service
warms up in the background at start, are warm before it.

``--selfies N``: meanwhile N selfies are being judged by the same service,
one after another, uploaded at capture pace (``backend_selfies``): the judge
must not slow the hot path (issue #12).

Reported:
- ``p50_ms``/``p99_ms``: per HTTP call as the kiosk sees it, from the moment
  its thread starts the call (client work included), over all rounds; also
  the median of the rounds' p99;
- ``burst_ms_median``: from the release of a round to its last answer. On
  this machine the 50 kiosks share 2 cores with the service, so the load
  processes themselves spread a burst over this time; the calls' latencies
  above are what each kiosk waited;
- ``requests_per_s`` (median over rounds) and the CPU each call costs the
  service and the load processes: unlike latency, CPU per call does not
  depend on how busy the machine is, and N calls arriving at once cannot be
  answered before N x service CPU;
- ``double_allocations``: rounds' winners beyond the stock plus any car
  handed to two winners; it must be 0;
- with ``--selfies N``: ``selfies_judged`` (finished by the selfie load
  after the timed rounds began, the ones in flight at their end included),
  ``selfies_live`` and ``selfie_decision_ms_median`` (last frame's answer to
  the verdict). The service's CPU per call then includes its selfie work.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MODEL, COLOUR = "Comet", "blue"  # carried by demo tower T1, none in the demo stock
_ROUND_TIMEOUT_S = 120.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=50, help="concurrent kiosks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cars", type=int, default=5, help="cars in stock per round")
    parser.add_argument("--procs", type=int, default=2,
                        help="load processes the kiosks are spread over (one per core)")
    parser.add_argument("--client", choices=("kiosk", "raw"), default="kiosk",
                        help="kiosk: the kiosk's own client (requests); raw: requests built "
                             "before the burst, so they arrive at once")
    parser.add_argument("--selfies", type=int, default=0,
                        help="selfies being judged by the service throughout the timed rounds")
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
    from backend.guard import hash_key
    from backend.models import Bay, Car, Member
    from backend.seed import demo_member_token, load_templates, seed_demo

    db = Database(db_url)
    try:
        db.migrate()
        seed_demo(db)
        template = load_templates()["astronaut"]
        members = [f"bench-{i:03d}" for i in range(clients)]
        with db.write() as s:
            for m in members:
                s.add(Member(id=m, name="Bench", credit_score=800, template=template,
                             token_hash=hash_key(demo_member_token(m))))
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


def _seed_selfies(db_url: str, sessions: list[str], per_session: int) -> list[list[str]]:
    """``per_session`` judged, unused selfies of each session (kiosk K1),
    written straight to the database as if the judge had passed them."""
    from backend.db import Database
    from backend.seed import add_judged_selfie

    now = time.time()  # the spawned service runs on the system clock
    db = Database(db_url)
    try:
        with db.write() as s:
            return [[add_judged_selfie(s, session_id, "K1", now) for _ in range(per_session)]
                    for session_id in sessions]
    finally:
        db.dispose()


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class _RawKiosk:
    """A kiosk that speaks HTTP/1.1 itself on a kept socket, with each request's
    bytes built before it is timed (``--client raw``).

    The kiosk's own client costs ~0.6 ms of CPU per call; with 50 kiosks on
    the 2 cores the service also runs on, that spreads a "simultaneous" burst
    over ~35 ms and the service sees a queue far shorter than 50 real kiosks
    would make. These requests leave within ~1 ms of each other, so this mode
    measures the service under the burst itself.
    """

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        self.host = f"{parts.hostname}:{parts.port}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = (f"Host: {self.host}\r\nAuthorization: Bearer {key}\r\n"
                     "X-Kiosk-Id: K1\r\nContent-Type: application/json\r\n")

    def request(self, path: str, body: dict[str, Any]) -> bytes:
        data = json.dumps(body).encode()
        return (f"POST {path} HTTP/1.1\r\n{self.head}Idempotency-Key: {uuid.uuid4().hex}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode() + data

    def send(self, request: bytes) -> tuple[int, dict[str, Any]]:
        self.sock.sendall(request)
        resp = http.client.HTTPResponse(self.sock)
        resp.begin()
        return resp.status, json.loads(resp.read())

    def close(self) -> None:
        self.sock.close()


def _kiosk_process(url: str, key: str, sessions: list[tuple[str, list[str]]],
                   mode: str, start: Any, done: Any, stop: Any, results: Any) -> None:
    """A load process: one thread per kiosk, for the whole bench, as real kiosks
    stay connected (a thread per round would measure TCP connects instead).

    Every round each thread waits on ``start`` (shared by all processes),
    reserves, verifies with its session's next judged selfie if it won, puts
    ``(latencies, car_id, job_id, error)`` on ``results`` and waits on
    ``done``. ``sessions``: (session id, its selfie ids). ``mode``: ``kiosk``
    (the kiosk's client) or ``raw`` (``_RawKiosk``).
    """
    from common.errors import RefusedError
    from kiosk.backend_client import BackendClient

    client = BackendClient(url, "K1", key, timeout_s=30, retries=0)

    def with_client(session_id: str, selfie_id: str,
                    lat: list[float]) -> tuple[str, str] | None:
        t0 = time.perf_counter()
        try:
            res = client.reserve(session_id, MODEL, COLOUR)
        except RefusedError:
            res = None
        t1 = time.perf_counter()
        lat.append(t1 - t0)
        if res is None:
            return None
        auth = client.verify(session_id, res.reservation_id, selfie_id)
        lat.append(time.perf_counter() - t1)
        return res.car_id, auth.job_id

    def with_raw(kiosk: _RawKiosk, session_id: str, selfie_id: str,
                 lat: list[float]) -> tuple[str, str] | None:
        req = kiosk.request("/v1/reservations",
                            {"session_id": session_id, "model": MODEL, "colour": COLOUR})
        t0 = time.perf_counter()
        status, res = kiosk.send(req)
        lat.append(time.perf_counter() - t0)
        if status == 409:
            return None
        if status != 200:
            raise RuntimeError(f"reserve answered {status}: {res}")
        req = kiosk.request("/v1/verify", {
            "session_id": session_id, "reservation_id": res["reservation_id"],
            "selfie_id": selfie_id})
        t1 = time.perf_counter()
        status, auth = kiosk.send(req)
        lat.append(time.perf_counter() - t1)
        if status != 200:
            raise RuntimeError(f"verify answered {status}: {auth}")
        return res["car_id"], auth["job_id"]

    def kiosk(session_id: str, selfie_ids: list[str]) -> None:
        raw = _RawKiosk(url, key) if mode == "raw" else None
        selfies = iter(selfie_ids)
        try:
            while True:
                start.wait(timeout=_ROUND_TIMEOUT_S)
                if stop.is_set():
                    return
                lat: list[float] = []
                won = error = None
                try:
                    selfie_id = next(selfies)  # one per round: a win uses it up
                    won = (with_raw(raw, session_id, selfie_id, lat) if raw is not None
                           else with_client(session_id, selfie_id, lat))
                except Exception as exc:  # noqa: BLE001 - reported by the main process
                    error = f"{type(exc).__name__}: {exc}"
                car_id, job_id = won or (None, None)
                results.put((lat, car_id, job_id, error))
                done.wait(timeout=_ROUND_TIMEOUT_S)
        finally:
            if raw is not None:
                raw.close()

    threads = [threading.Thread(target=kiosk, args=s, name=f"bench-kiosk-{i}")
               for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()


class _Load:
    """``clients`` kiosks spread over ``procs`` processes.

    Fifty kiosks are fifty machines; fifty threads in one process would make
    their client work (requests: ~0.6 ms of CPU per call) queue behind one
    GIL, a bottleneck no tower has. One process per core is what this
    machine can give them.
    """

    def __init__(self, url: str, key: str, sessions: list[tuple[str, list[str]]],
                 procs: int, mode: str = "kiosk") -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self.n = len(sessions)
        self.start = ctx.Barrier(self.n + 1)
        self.done = ctx.Barrier(self.n + 1)
        self.stop = ctx.Event()
        self.results = ctx.Queue()
        groups = [sessions[i::procs] for i in range(procs)]
        self.procs = [ctx.Process(target=_kiosk_process, name=f"bench-load-{i}",
                                  args=(url, key, g, mode, self.start,
                                        self.done, self.stop, self.results))
                      for i, g in enumerate(groups) if g]
        for p in self.procs:
            p.start()

    def cpu_s(self) -> float | None:
        values = [_cpu_s(p.pid) for p in self.procs]
        return None if None in values else sum(values)

    def round(self) -> tuple[list[tuple[str, str]], list[float], float]:
        """One burst: every kiosk reserves at once; returns (won, latencies, wall_s)."""
        self.start.wait(timeout=_ROUND_TIMEOUT_S)
        t0 = time.perf_counter()
        self.done.wait(timeout=_ROUND_TIMEOUT_S)
        wall = time.perf_counter() - t0
        won: list[tuple[str, str]] = []
        latencies: list[float] = []
        errors = []
        for _ in range(self.n):
            lat, car_id, job_id, error = self.results.get(timeout=_ROUND_TIMEOUT_S)
            latencies += lat
            if error:
                errors.append(error)
            elif car_id is not None:
                won.append((car_id, job_id))
        if errors:
            raise RuntimeError(f"{len(errors)} kiosk(s) failed, first: {errors[0]}")
        return won, latencies, wall

    def close(self) -> None:
        self.stop.set()
        try:
            self.start.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a broken barrier: the processes are killed below
            pass
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
        self.results.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from backend.seed import DEMO_KIOSK_KEY
    from backend.server import BackendServer, spawn
    from bench import backend_selfies as bs
    from kiosk.backend_client import BackendClient
    from sim.member_app import fetch_member_pass

    clients = getattr(args, "clients", 50)
    rounds = getattr(args, "rounds", 7)
    cars = getattr(args, "cars", 5)
    in_process = getattr(args, "in_process", False)
    procs = max(1, getattr(args, "procs", 2))
    mode = getattr(args, "client", "kiosk")
    n_selfies = max(0, getattr(args, "selfies", 0))
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        members = _prepare(db_url, clients, cars)
        selfie_members = bs.member_ids(n_selfies)
        bs.add_members(db_url, [*bs.WARM_MEMBERS, *(m for ms in selfie_members for m in ms)])
        sequences = bs.pre_render() if n_selfies else {}  # before the service: untimed
        proc = srv = selfie_load = None
        if in_process:
            srv = BackendServer(db_url, seed=None).start()
            srv.built.judge.start()
            url = srv.url
        else:
            proc, url = spawn(db_url, seed="none", port=0)
        client = BackendClient(url, "K1", DEMO_KIOSK_KEY, timeout_s=30, retries=0)
        try:
            sessions = []
            for m in members:
                text = fetch_member_pass(url, m, "T1")
                sessions.append(client.redeem_pass(text).session_id)
            # Untimed: one selfie per session and round (warm-up included).
            selfies = _seed_selfies(db_url, sessions, rounds + 1)
            bs.warm_judge(url, DEMO_KIOSK_KEY)
            if n_selfies:
                selfie_load = bs.SelfieLoad(url, DEMO_KIOSK_KEY, selfie_members, sequences)
                selfie_load.wait_warm()
            load = _Load(url, DEMO_KIOSK_KEY, list(zip(sessions, selfies, strict=True)),
                         procs, mode)
            latencies: list[float] = []
            rates: list[float] = []
            round_p99: list[float] = []
            walls: list[float] = []
            double = reports = 0
            server_cpu0 = server_cpu1 = client_cpu0 = client_cpu1 = None
            try:
                # Round 0 is a warm-up, not reported: every kiosk opens its
                # connection, as a kiosk in service already has.
                for i in range(rounds + 1):
                    if i == 1:
                        if selfie_load is not None:
                            selfie_load.timing_starts()
                        server_cpu0 = _cpu_s(proc.pid) if proc is not None else None
                        client_cpu0 = load.cpu_s()
                    won, lat, wall = load.round()
                    car_ids = [car_id for car_id, _ in won]
                    double += max(0, len(won) - cars) + len(car_ids) - len(set(car_ids))
                    for _car, job_id in won:
                        client.report_job(job_id, "failed_in_bay")
                    if i == 0:
                        continue
                    reports += len(won)
                    latencies += lat
                    rates.append(len(lat) / wall)
                    walls.append(wall * 1000)
                    round_p99.append(_percentile(lat, 0.99) * 1000)
                client_cpu1 = load.cpu_s()
                server_cpu1 = _cpu_s(proc.pid) if proc is not None else None
            finally:
                load.close()
                selfie_figures = (selfie_load.stop() if selfie_load is not None
                                  else {"selfies": 0, "selfies_judged": 0,
                                        "selfie_decision_ms_median": None})
            ms = [x * 1000 for x in latencies]
            # CPU per call (reports included) does not depend on how busy the
            # machine is, unlike the latencies: burst x CPU bounds the p99.
            calls = len(ms) + reports
            cpu = ({"server_cpu_ms_per_call": round(
                (server_cpu1 - server_cpu0) * 1000 / calls, 2)}
                if server_cpu0 is not None and server_cpu1 is not None else {})
            if client_cpu0 is not None and client_cpu1 is not None:
                cpu["client_cpu_ms_per_call"] = round(
                    (client_cpu1 - client_cpu0) * 1000 / len(ms), 2)
            return {**cpu, "p50_ms": round(_percentile(ms, 0.50), 2),
                    "p99_ms": round(_percentile(ms, 0.99), 2),
                    "p99_ms_median_of_rounds": round(statistics.median(round_p99), 2),
                    "max_ms": round(max(ms), 2),
                    "burst_ms_median": round(statistics.median(walls), 2),
                    "requests_per_s": round(statistics.median(rates), 1),
                    "double_allocations": double, "clients": clients, "rounds": rounds,
                    "cars": cars, "requests": len(ms), "db": "sqlite", "load_procs": procs,
                    "client": mode, "server": "thread" if in_process else "process",
                    **selfie_figures}
        finally:
            if selfie_load is not None:
                selfie_load.stop()  # again, if the rounds failed: the threads end
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
