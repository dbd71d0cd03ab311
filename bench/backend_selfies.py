"""``kiosk bench backend --selfies N``: selfies judged while the hot path is timed.

The issue (#12) asks that the judge stays off the event loop: reserve and
verify keep p99 <= 50 ms while selfies are being judged. ``SelfieLoad`` keeps
N selfies in flight on the same service, each as a kiosk's: a fresh member's
pass is redeemed, a selfie opened (the backend draws its challenges), the
frames uploaded at capture pace in chunks of 6 and the selfie finished; then
the next one, until the load stops. Each selfie has a member of its own
within the lockout window, so a failed one never locks anybody out.

A kiosk renders nothing, it only uploads: the frames of every challenge
order the backend can draw are rendered before the service starts
(``pre_render``: the synthetic astronaut, live, guided by a local
``LivenessSession`` and picked by the kiosk's own ``SelfieUploader``,
``bench.selfie_stream``) and replayed. An order that was not rendered
(a tower drawing 3 challenges) is rendered when drawn and counted in
``selfies_rendered_during_run``: rendering then competes for the CPU.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

Frames = list[tuple[int, bytes]]
SeqKey = tuple[str, ...]

# Members per selfie thread, used in turn: a selfie takes >= 3 s, so a member
# comes back after >= 5 minutes, past the lockout window (180 s).
MEMBERS_PER_THREAD = 100
WARM_MEMBERS = ("bench-warm-0", "bench-warm-1")
CHUNK = 6  # frames per upload, as the kiosk's SelfieUploader sends them
_TIMEOUT_S = 120.0


def member_ids(n: int) -> list[list[str]]:
    """The members of each of the ``n`` selfie threads."""
    return [[f"bench-selfie-{i}-{k:03d}" for k in range(MEMBERS_PER_THREAD)] for i in range(n)]


def add_members(db_url: str, ids: list[str]) -> None:
    """Members enrolled with the astronaut's face (before the service starts)."""
    from backend.db import Database
    from backend.guard import hash_key
    from backend.models import Member
    from backend.seed import demo_member_token, load_templates

    template = load_templates()["astronaut"]
    db = Database(db_url)
    try:
        with db.write() as s:
            s.add_all(Member(id=m, name="Bench selfie", credit_score=800, template=template,
                             token_hash=hash_key(demo_member_token(m))) for m in ids)
    finally:
        db.dispose()


def _render(key: SeqKey, seed: int) -> tuple[SeqKey, Frames]:
    from bench.selfie_stream import LIVE, render_selfie
    from vision.synth.face import SyntheticMember, astronaut_bgr

    return key, render_selfie(list(key), LIVE, SyntheticMember(astronaut_bgr()), seed=seed)


def pre_render(n_challenges: int = 2, workers: int | None = None,
               keys: list[SeqKey] | None = None) -> dict[SeqKey, Frames]:
    """The frames of a live selfie for every order of ``n_challenges`` of the
    backend's challenges (20 for 2), rendered in ``workers`` processes."""
    import multiprocessing

    from backend.identity import CHALLENGES

    keys = keys if keys is not None else list(itertools.permutations(CHALLENGES, n_challenges))
    if not keys:
        return {}
    workers = max(1, min(len(keys), workers or os.cpu_count() or 1))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_render, k, 1000 + i) for i, k in enumerate(keys)]
        return dict(f.result() for f in futures)


def warm_judge(url: str, key: str, members: tuple[str, ...] = WARM_MEMBERS) -> None:
    """Wait until the judge workers have loaded their models: the service
    warms them in the background at start, and a worker opens a selfie only
    after that. One selfie per worker is held open (a selfie goes to the
    least busy worker), then each is finished (judged incomplete: untimed)."""
    from kiosk.backend_client import BackendClient
    from sim.member_app import fetch_member_pass

    with BackendClient(url, "K1", key, timeout_s=_TIMEOUT_S, retries=0) as client:
        opened = []
        for m in members:
            text = fetch_member_pass(url, m, "T1")
            opened.append(client.open_selfie(client.redeem_pass(text).session_id).selfie_id)
        for selfie_id in opened:
            client.finish_selfie(selfie_id)


class _Stopped(Exception):
    pass


@dataclass(frozen=True)
class _Judged:
    finished_mono: float
    decision_s: float  # from the last frame's answer to the verdict
    live: bool


class SelfieLoad:
    """``len(members)`` threads, each judging one selfie after another."""

    def __init__(self, url: str, key: str, members: list[list[str]],
                 sequences: dict[SeqKey, Frames]) -> None:
        self.url, self.key = url, key
        self.sequences = dict(sequences)
        self._seq_lock = threading.Lock()
        self._stop = threading.Event()
        self._judged: list[_Judged] = []
        self._errors: list[str] = []
        self._first = [threading.Event() for _ in members]
        self.rendered_during_run = 0
        self.timed_from: float | None = None
        self._threads = [threading.Thread(target=self._loop, args=(i, m), daemon=True,
                                          name=f"bench-selfie-{i}")
                         for i, m in enumerate(members)]
        for t in self._threads:
            t.start()

    def wait_warm(self, timeout_s: float = _TIMEOUT_S) -> None:
        """Until every thread has had a selfie judged (or one failed)."""
        deadline = time.monotonic() + timeout_s
        for ev in self._first:
            if not ev.wait(max(0.0, deadline - time.monotonic())):
                raise RuntimeError("no selfie judged in time before the timed rounds")
        if self._errors:
            raise RuntimeError(f"selfie load failed: {self._errors[0]}")

    def timing_starts(self) -> None:
        self.timed_from = time.monotonic()

    def _frames_of(self, challenges: SeqKey, n: int) -> Frames:
        with self._seq_lock:
            frames = self.sequences.get(challenges)
        if frames is None:  # not pre-rendered: render now (counted)
            frames = _render(challenges, 5000 + n)[1]
            with self._seq_lock:
                self.sequences[challenges] = frames
                self.rendered_during_run += 1
        return frames

    def _loop(self, i: int, members: list[str]) -> None:
        import requests

        from bench.selfie_stream import play_selfie
        from kiosk.backend_client import BackendClient
        from sim.member_app import fetch_member_pass

        http = requests.Session()
        headers = {"Authorization": f"Bearer {self.key}", "X-Kiosk-Id": "K1",
                   "Content-Type": "application/json"}

        def post(path: str, body: dict[str, Any]) -> Any:
            r = http.post(self.url + path, data=json.dumps(body), timeout=_TIMEOUT_S,
                          headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            if r.status_code != 200:
                raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:200]}")
            return r

        def paced_sleep(s: float) -> None:
            end = time.monotonic() + s
            if self._stop.wait(s) and self.timed_from is None:
                raise _Stopped  # stopped before timing (an error): drop this selfie
            rest = end - time.monotonic()  # stopped after: this selfie completes
            if rest > 0:
                time.sleep(rest)

        client = BackendClient(self.url, "K1", self.key, timeout_s=_TIMEOUT_S, retries=0)
        try:
            for n in itertools.count():
                if self._stop.is_set():
                    return
                member = members[n % len(members)]
                text = fetch_member_pass(self.url, member, "T1", http=http)
                session_id = client.redeem_pass(text).session_id
                ticket = client.open_selfie(session_id)
                opened = time.monotonic()
                frames = self._frames_of(tuple(ticket.challenges), n)
                try:
                    play_selfie(post, ticket.selfie_id, frames, opened, chunk=CHUNK,
                                sleep=paced_sleep)
                except _Stopped:
                    client.finish_selfie(ticket.selfie_id)  # the worker drops its frames
                    return
                t_last = time.monotonic()
                verdict = client.finish_selfie(ticket.selfie_id)
                now = time.monotonic()
                self._judged.append(_Judged(now, now - t_last, verdict.live))
                self._first[i].set()
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            self._errors.append(f"{type(exc).__name__}: {exc}")
            self._first[i].set()
        finally:
            client.close()
            http.close()

    def stop(self) -> dict[str, Any]:
        """No new selfie; the ones in flight are uploaded and finished (they
        were judged during the timed rounds). Returns the figures."""
        self._stop.set()
        for t in self._threads:
            t.join(_TIMEOUT_S)
        t0 = self.timed_from if self.timed_from is not None else float("inf")
        judged = [j for j in self._judged if j.finished_mono >= t0]
        decisions = [j.decision_s * 1000 for j in judged]
        return {"selfies": len(self._threads), "selfies_judged": len(judged),
                "selfies_live": sum(j.live for j in judged),
                "selfie_decision_ms_median": (round(statistics.median(decisions), 1)
                                              if decisions else None),
                "selfies_rendered_during_run": self.rendered_during_run,
                "selfie_errors": len(self._errors),
                **({"selfie_first_error": self._errors[0]} if self._errors else {})}
