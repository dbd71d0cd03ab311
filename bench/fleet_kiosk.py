"""The kiosks of ``kiosk bench fleet``: long-lived clients doing journeys.

Each kiosk is a thread with its own kiosk key and keep-alive connection,
alive for the whole bench; the kiosks are spread over a few load processes
(one per core: their client work must not queue behind one GIL). A kiosk
serves its members in turn; a member without a car out takes one, a member
with a car out brings it back:

- out: the member's pass (the phone's call), session, inventory, reserve
  (with ``race_share`` of journeys the tower's single Comet/red, which the
  tower's other kiosk may be after too: the loser takes another car),
  selfie, verify, the lift job reported delivered (the drive starts);
- back: pass, session, return, the lift job reported delivered;
- every ``heartbeat_s`` a heartbeat with the kiosk-side figures.

The selfie: ``selfie_share`` of the out journeys upload a real selfie's
frames (pre-rendered, replayed at capture pace) for the backend's judge;
the others' selfie is written to the database as judged (untimed, as
``bench backend`` does), because the judge's CPU on this 2-core machine
would otherwise measure the judge, which ``bench liveness`` does.

``think_s`` between calls stands for the member reading and tapping.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

_COUNT_LOCK = threading.Lock()
RACE = ("Comet", "red")  # one per tower (backend.seed's T1 stock)
# Refusals a journey expects and carries on after; anything else is an error.
EXPECTED = {"reserve": {"CAR_UNAVAILABLE"}, "verify": {"LIVENESS_FAILED", "FACE_MISMATCH"}}
UNTIMED = ("selfie_frames", "selfie_finish")  # the judge's pace, reported apart


@dataclass
class KioskSpec:
    kiosk_id: str
    tower_id: str
    key: str
    members: list[str]


@dataclass
class Tally:
    """What one load process saw in one timed window."""

    calls: dict[str, list[float]] = field(default_factory=dict)  # name -> ms
    journeys: int = 0
    races_lost: int = 0
    no_car: int = 0
    selfies_real: int = 0
    selfies_not_live: int = 0
    errors: list[str] = field(default_factory=list)
    # (monotonic time, car id, +1 out / -1 back): checked for double allocations
    moves: list[tuple[float, str, int]] = field(default_factory=list)

    def count(self, what: str) -> None:
        with _COUNT_LOCK:  # kiosk threads share the tally
            setattr(self, what, getattr(self, what) + 1)


class _Refused(Exception):
    def __init__(self, call: str, status: int, reason: str, text: str) -> None:
        super().__init__(f"{call} answered {status} {reason}: {text[:160]}")
        self.call, self.status, self.reason = call, status, reason


class Kiosk:
    def __init__(self, spec: KioskSpec, url: str, db: Any, opts: dict[str, Any],
                 sequences: dict[tuple[str, ...], Any], stop: threading.Event,
                 tally: Any, seed: int) -> None:
        import requests

        self.spec, self.url, self.db, self.opts = spec, url, db, opts
        self.sequences, self.stop, self.tally_of = sequences, stop, tally
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.http.trust_env = False
        self.headers = {"Authorization": f"Bearer {spec.key}", "X-Kiosk-Id": spec.kiosk_id,
                        "Content-Type": "application/json"}
        self.next_beat = 0.0
        self.turn = self.rng.randrange(len(spec.members))

    # -- calls -----------------------------------------------------------------------
    def _timed(self, name: str, method: str, path: str, body: Any = None,
               headers: dict[str, str] | None = None) -> Any:
        h = dict(headers or self.headers)
        if method == "POST":
            h["Idempotency-Key"] = uuid.uuid4().hex
        data = json.dumps(body if body is not None else {}) if method == "POST" else None
        t0 = time.perf_counter()
        r = self.http.request(method, self.url + path, data=data, headers=h, timeout=60)
        ms = (time.perf_counter() - t0) * 1000
        self.tally_of().calls.setdefault(name, []).append(ms)
        if r.status_code != 200:
            try:
                reason = r.json()["error"]["reason"]
            except (ValueError, KeyError, TypeError):
                reason = "?"
            raise _Refused(name, r.status_code, reason, r.text)
        return r.json()

    def _think(self) -> None:
        if self.opts["think_s"] > 0:
            self.stop.wait(self.opts["think_s"] * (0.5 + self.rng.random()))

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while not self.stop.is_set():
                now = time.monotonic()
                if now >= self.next_beat:
                    self.next_beat = now + self.opts["heartbeat_s"]
                    self._guarded(self._heartbeat)
                member = self.spec.members[self.turn % len(self.spec.members)]
                self.turn += 1
                if self._guarded(lambda m=member: self._journey(m)):
                    self.tally_of().count("journeys")
        finally:
            self.http.close()

    def _guarded(self, fn: Any) -> bool:
        try:
            fn()
            return True
        except _Refused as exc:
            self.tally_of().errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - counted and reported; the kiosk goes on
            self.tally_of().errors.append(f"{type(exc).__name__}: {exc}"[:200])
        return False

    def _heartbeat(self) -> None:
        figures = {"gui_stall_ms": round(self.rng.uniform(5, 40), 1),
                   "vision_fps": round(self.rng.uniform(12, 20), 1),
                   "lift_round_trip_ms": round(self.rng.uniform(15, 30), 1)}
        self._timed("heartbeat", "POST", "/v1/heartbeat",
                    {"status": "in_service", "health": {"figures": figures},
                     "version": "bench-fleet"})

    def _journey(self, member: str) -> None:
        from backend.seed import demo_member_token

        tower = self.spec.tower_id
        phone = {"Authorization": f"Bearer {demo_member_token(member)}",
                 "Content-Type": "application/json"}
        pass_text = self._timed("member_pass", "POST", "/v1/member/pass", {"tower": tower},
                                headers=phone)["pass_text"]
        self._think()
        session = self._timed("session", "POST", "/v1/sessions", {"pass_text": pass_text})
        sid = session["session_id"]
        self._think()
        if session["has_open_drive"]:
            self._bring_back(sid)
        else:
            self._take_out(sid)

    def _bring_back(self, sid: str) -> None:
        job = self._timed("return", "POST", "/v1/returns", {"session_id": sid})
        self._think()
        self.tally_of().moves.append((time.monotonic(), job["car_id"], -1))
        self._timed("report", "POST", f"/v1/jobs/{job['job_id']}/report",
                    {"outcome": "delivered"})

    def _take_out(self, sid: str) -> None:
        options = self._timed("inventory", "GET", "/v1/inventory")["options"]
        self._think()
        held = None
        if self.rng.random() < self.opts["race_share"]:
            held = self._reserve(sid, *RACE)
        for _ in range(2):
            if held is not None:
                break
            free = [o for o in options if o["available_count"] > 0
                    and (o["model"], o["colour"]) != RACE]
            if not free:
                break
            pick = self.rng.choice(free)
            held = self._reserve(sid, pick["model"], pick["colour"])
            if held is None:
                options = self._timed("inventory", "GET", "/v1/inventory")["options"]
        if held is None:
            self.tally_of().count("no_car")
            return
        self._think()
        selfie_id = self._selfie(sid)
        if selfie_id is None:
            self._timed("release", "POST", f"/v1/reservations/{held['reservation_id']}/release")
            return
        try:
            auth = self._timed("verify", "POST", "/v1/verify", {
                "session_id": sid, "reservation_id": held["reservation_id"],
                "selfie_id": selfie_id})
        except _Refused as exc:
            if exc.reason not in EXPECTED["verify"]:
                raise
            self.tally_of().count("selfies_not_live")
            return
        self.tally_of().moves.append((time.monotonic(), auth["car_id"], +1))
        self._think()
        self._timed("report", "POST", f"/v1/jobs/{auth['job_id']}/report",
                    {"outcome": "delivered"})

    def _reserve(self, sid: str, model: str, colour: str) -> dict[str, Any] | None:
        try:
            return self._timed("reserve", "POST", "/v1/reservations",
                               {"session_id": sid, "model": model, "colour": colour})
        except _Refused as exc:
            if exc.reason not in EXPECTED["reserve"]:
                raise
            if (model, colour) == RACE:
                self.tally_of().count("races_lost")
            return None

    def _selfie(self, sid: str) -> str | None:
        """A judged selfie of the session: real frames through the judge for
        ``selfie_share`` of journeys, else written as judged. None: not live."""
        if self.sequences and self.rng.random() < self.opts["selfie_share"]:
            return self._real_selfie(sid)
        from backend.seed import add_judged_selfie

        with self.db.write() as s:  # untimed: stands for a selfie the judge passed
            return add_judged_selfie(s, sid, self.spec.kiosk_id, time.time())

    def _real_selfie(self, sid: str) -> str | None:
        from bench.selfie_stream import play_selfie

        ticket = self._timed("selfie_open", "POST", "/v1/selfies", {"session_id": sid})
        opened = time.monotonic()
        frames = self.sequences.get(tuple(ticket["challenges"]))
        if frames is None:  # not pre-rendered (3 challenges): an honest miss
            self._timed("selfie_finish", "POST", f"/v1/selfies/{ticket['selfie_id']}/finish")
            self.tally_of().count("selfies_not_live")
            return None
        play_selfie(lambda path, body: self._timed("selfie_frames", "POST", path, body),
                    ticket["selfie_id"], frames, opened, chunk=6)
        verdict = self._timed("selfie_finish", "POST",
                              f"/v1/selfies/{ticket['selfie_id']}/finish")
        self.tally_of().count("selfies_real")
        if not verdict["live"]:
            self.tally_of().count("selfies_not_live")
            return None
        return ticket["selfie_id"]


def load_process(url: str, db_url: str, specs: list[KioskSpec], opts: dict[str, Any],
                 sequences: dict[tuple[str, ...], Any], windows: Any, results: Any,
                 seed: int) -> None:
    """One load process: its kiosks run from the first window's start to the
    end; at each window boundary the tally is swapped and sent home.

    ``windows``: a queue of ("run", seconds) / ("stop", 0) commands."""
    from backend.db import Database

    db = Database(db_url, pool_size=2)
    stop = threading.Event()
    current = [Tally()]
    kiosks = [Kiosk(s, url, db, opts, sequences, stop, lambda: current[0], seed * 1000 + i)
              for i, s in enumerate(specs)]
    threads = [threading.Thread(target=k.run, name=f"fleet-{k.spec.kiosk_id}", daemon=True)
               for k in kiosks]
    started = False
    try:
        while True:
            cmd, seconds = windows.get(timeout=3600)
            if cmd == "stop":
                break
            if not started:
                for t in threads:
                    t.start()
                started = True
            current[0] = Tally()
            t0 = time.monotonic()
            time.sleep(seconds)  # the window: the kiosks work meanwhile
            done, current[0] = current[0], Tally()
            results.put((time.monotonic() - t0, done))
    finally:
        stop.set()
        for t in threads:
            if t.is_alive():
                t.join(90)
        db.dispose()
