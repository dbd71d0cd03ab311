"""``kiosk bench liveness --path backend``: the evaluation set judged by the backend.

The same generated set as the local path (``bench.evaluation``: synthetic
members from real photos, live and four attack kinds), but each sequence goes
the way a kiosk's selfie goes: a member with a template enrolled from the
photo by ``backend.enroll``, a pass, a session, a reservation, ``POST
/v1/selfies`` (the backend draws the challenges), the frames rendered as the
selfie screen would guide the member, uploaded at capture pace (640 px JPEG,
10 fps, ``bench.selfie_stream``), ``finish``, and for live members
``verify``. The service is the real one (in this process, uvicorn in a
thread; judge workers in their own processes).

Reported: APCER per attack kind and BPCER from the backend's verdicts, face
refusals of live members, the time from the last frame's answer to the
decision (``finish``), and the bytes uploaded per selfie (request bodies).
``reasons`` are the judge's own (read from its database: the API gives
spoofers only "not_live").
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

KIOSK_KEY = "bench-liveness-key"


def _setup(server: Any, n_cars: int) -> None:
    """A bench tower with one kiosk and ``n_cars`` Aurora/white in stock."""
    from backend.models import Car, Offering
    from backend.seed import add_catalog, add_kiosk, add_tower

    with server.db.write() as s:
        add_catalog(s)
        levels = max(2, (n_cars + 5) // 6 + 1)
        add_tower(s, "TB", "Bench tower", levels=levels, bays_per_level=6, delivery_bays=[901])
        s.add(Offering(tower_id="TB", model_id="Aurora", colour_id="white"))
        add_kiosk(s, "KB", "TB", KIOSK_KEY)
        s.flush()
        for i in range(n_cars):
            s.add(Car(id=f"TB-{i:03d}", tower_id="TB", model_id="Aurora", colour_id="white",
                      bay=i + 1, state="stored"))


def _one(server: Any, item: tuple[str, int], members: list[Any], seed: int,
         local: threading.local) -> dict[str, Any]:
    import requests

    from bench.selfie_stream import play_selfie, render_selfie

    kind, i = item
    session = getattr(local, "session", None)
    if session is None:
        session = local.session = requests.Session()
    headers = {"Authorization": f"Bearer {KIOSK_KEY}", "X-Kiosk-Id": "KB"}
    sent = [0]

    def post(path: str, body: dict[str, Any]) -> Any:
        import json

        data = json.dumps(body).encode()
        sent[0] += len(data)
        return session.post(server.url + path, data=data, timeout=60,
                            headers={**headers, "Idempotency-Key": secrets.token_hex(8),
                                     "Content-Type": "application/json"})

    member_index = i if kind == "live" else 10_000 + i
    name, member = members[i % len(members)]
    member_id = f"bm-{member_index}"
    text = server.service.current_pass(member_id, "TB").text
    ps = post("/v1/sessions", {"pass_text": text}).json()
    res = post("/v1/reservations", {"session_id": ps["session_id"], "model": "Aurora",
                                    "colour": ""}).json() if kind == "live" else None
    opened = post("/v1/selfies", {"session_id": ps["session_id"]})
    t_open = time.monotonic()
    selfie = opened.json()
    frames = render_selfie(selfie["challenges"], kind, member,
                           seed=seed * 100_003 + i * 7 + len(kind))
    sent[0] = 0
    answers = play_selfie(post, selfie["selfie_id"], frames, t_open)
    upload_bytes = sent[0]
    t_last = time.monotonic()
    verdict = post(f"/v1/selfies/{selfie['selfie_id']}/finish", {}).json()
    decision_s = time.monotonic() - t_last
    with server.db.read() as s:  # the judge's own reason, which the API does not say
        from sqlalchemy import text

        judge_reason = s.execute(text("SELECT reason FROM selfies WHERE id = :id"),
                                 {"id": selfie["selfie_id"]}).scalar()
    out = {"kind": kind, "member": name, "live": verdict["live"], "reason": judge_reason,
           "decision_s": decision_s, "upload_bytes": upload_bytes, "frames": len(frames),
           "rejected": any(a.status_code != 200 for a in answers), "authorised": None}
    if kind == "live" and res is not None and "reservation_id" in res:
        v = post("/v1/verify", {"session_id": ps["session_id"],
                                "reservation_id": res["reservation_id"],
                                "selfie_id": selfie["selfie_id"]})
        out["authorised"] = v.status_code == 200
        out["refusal"] = None if v.status_code == 200 else v.json()["error"]["reason"]
    return out


def run_backend_path(n_live: int, n_attack: int, *, size: tuple[int, int],
                     include_shared: bool, seed: int, kinds: tuple[str, ...] | None,
                     streams: int = 3, judge_workers: int = 2) -> dict[str, Any]:
    from backend.enroll import EnrolError, template_from_image
    from backend.server import BackendServer
    from bench import evaluation as ev

    items = ev.plan(n_live, n_attack, kinds)
    photos = list(ev.photo_variants(include_shared))
    templates: list[list[float] | None] = []
    for _name, photo in photos:
        try:
            templates.append(template_from_image(photo))
        except EnrolError:
            templates.append(None)
    members = ev.build_members(size, include_shared, seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        server = BackendServer(f"sqlite:///{Path(tmp) / 'bench.db'}", seed="none",
                               judge_workers=judge_workers)
        server.start()
        try:
            _setup_members(server, templates, items, n_live)
            server.built.judge.start()
            local = threading.local()
            with ThreadPoolExecutor(max_workers=max(1, streams)) as pool:
                results = list(pool.map(lambda it: _one(server, it, members, seed, local),
                                        items))
        finally:
            server.stop()
    return summarise(results, time.perf_counter() - t0)


def _setup_members(server: Any, templates: list[list[float] | None],
                   items: list[tuple[str, int]], n_live: int) -> None:
    """Members bm-<i> for live sequences (template of their photo variant)
    and bm-<10000+i> for attacks (the same identities: only liveness can stop them)."""
    from backend.models import Member

    n_attack = max((i for k, i in items if k != "live"), default=-1) + 1
    _setup(server, n_live + 5)
    with server.db.write() as s:
        for i in range(n_live):
            s.add(Member(id=f"bm-{i}", name="Bench", credit_score=760,
                         template=templates[i % len(templates)], active=True))
        for i in range(n_attack):
            s.add(Member(id=f"bm-{10_000 + i}", name="Bench", credit_score=760,
                         template=templates[i % len(templates)], active=True))


def summarise(results: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_kind.setdefault(r["kind"], []).append(r)
    apcer = {k: sum(1 for r in rs if r["live"]) / len(rs)
             for k, rs in by_kind.items() if k != "live"}
    live = by_kind.get("live", [])
    decisions = [r["decision_s"] for r in results]
    live_decisions = [r["decision_s"] for r in live if r["live"]]
    uploads = [r["upload_bytes"] for r in results]
    live_uploads = [r["upload_bytes"] for r in live]
    return {
        "path": "backend",
        "apcer": apcer,
        "bpcer": (sum(1 for r in live if not r["live"]) / len(live)) if live else None,
        "live_refused_at_verify": (sum(1 for r in live if r["live"] and not r["authorised"])
                                   / len(live)) if live else None,
        "decision_s_median": round(statistics.median(decisions), 3) if decisions else None,
        "decision_s_max": round(max(decisions), 3) if decisions else None,
        # A live verdict includes embedding the best frame: the member's wait.
        "decision_s_median_live": (round(statistics.median(live_decisions), 3)
                                   if live_decisions else None),
        "upload_bytes_median_live": int(statistics.median(live_uploads)) if live_uploads else None,
        "upload_bytes_max": max(uploads) if uploads else None,
        "n": {k: len(v) for k, v in by_kind.items()},
        "reasons": {k: dict(Counter(r["reason"] or "live" for r in rs))
                    for k, rs in by_kind.items()},
        "refusals": dict(Counter(r.get("refusal") or "authorised" for r in live)),
        "eval_wall_s": round(wall_s, 1),
    }
