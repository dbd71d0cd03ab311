"""How heavy the ops console's auto-refresh is for a large fleet.

    python -m backend.tools.ops_scale --towers 500 --kiosks-per-tower 2 [--all]

Seeds that many towers and kiosks (all sending heartbeats, so all OK) into a
fresh SQLite service with a settable clock, logs an operator in over HTTP,
and times ``GET /ops?fragment=1`` (what the page fetches every 10 s) across
all towers and for one tower. The last line is JSON: p50/max milliseconds and
kilobytes of each. ``--all`` lists every kiosk (``?all=1``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

import requests

from backend.clock import SettableClock
from backend.models import Kiosk
from backend.ops.accounts import add_operator
from backend.seed import add_kiosk, add_tower
from backend.server import BackendServer

PASSWORD = "ops-scale-password"


def _login(url: str) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    form = http.get(f"{url}/ops/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = http.post(f"{url}/ops/login", data={"csrf": csrf, "name": "scale",
                                             "password": PASSWORD},
                  allow_redirects=False, timeout=30)
    if r.status_code != 303:
        raise SystemExit(f"login failed: {r.status_code}")
    return http


def _time(http: requests.Session, url: str, params: dict[str, str], n: int) -> dict[str, float]:
    times, size = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        r = http.get(f"{url}/ops", params={**params, "fragment": "1"},
                     headers={"X-Ops-Refresh": "1"}, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        size = len(r.content)
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "kb": round(size / 1024)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m backend.tools.ops_scale")
    p.add_argument("--towers", type=int, default=500)
    p.add_argument("--kiosks-per-tower", type=int, default=2)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--all", action="store_true", help="list every kiosk (?all=1)")
    args = p.parse_args(argv)
    if args.towers < 1 or args.kiosks_per_tower < 1 or args.repeats < 1:
        p.error("--towers, --kiosks-per-tower and --repeats are at least 1")
    with tempfile.TemporaryDirectory() as tmp, BackendServer(
            f"sqlite:///{Path(tmp) / 'scale.db'}", seed=None,
            clock=SettableClock(time.time())) as srv:
        now = srv.clock.now()
        with srv.db.write() as s:
            for t in range(args.towers):
                add_tower(s, f"F{t:04d}", f"Fleet {t}", levels=5, bays_per_level=6,
                          delivery_bays=[101])
            s.flush()
            for t in range(args.towers):
                for k in range(args.kiosks_per_tower):
                    add_kiosk(s, f"F{t:04d}-K{k}", f"F{t:04d}", f"scale-key-{t}-{k}")
            s.flush()
            for kiosk in s.query(Kiosk).all():
                kiosk.last_seen_at, kiosk.status, kiosk.health = now, "ok", {"version": "0"}
        add_operator(srv.db, "scale", PASSWORD, now)
        with _login(srv.url) as http:
            result = {"towers": args.towers,
                      "kiosks": args.towers * args.kiosks_per_tower,
                      "all_towers": _time(http, srv.url, {"all": "1"} if args.all else {},
                                          args.repeats),
                      "one_tower": _time(http, srv.url, {"tower": "F0000"}, args.repeats)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
