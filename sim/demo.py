"""Demo mode: every part of the tower on one machine, for real.

``DemoStack`` starts the reference backend (a child process on loopback with
a fresh SQLite file and the demo seed), the tower simulator (a child process
on a pseudo-terminal, with the backend's bay occupancy), and a demo camera
(``demo:``, ``sim.demo_camera``) in which ``DemoActor`` plays the member:
it shows a phone with the member's current pass when the kiosk scans, and a
synthetic face that performs the challenges the selfie screen asks for,
rendered in the camera's own process at real-time pace. The kiosk talks to
all of them through the same code paths as in a tower: HTTP, pyserial, a
``CameraSource``.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from common.errors import KioskError
from kiosk.config import Config, parse_config
from kiosk.procs import Child, spawn_cli
from sim.demo_camera import DemoActor, add_actor, remove_actor

log = logging.getLogger(__name__)

DEMO_KIOSK_ID = "K1"
DEMO_TOWER = "T1"
DEMO_KIOSK_KEY = "demo-kiosk-key"
# A staff account of the demo seed (backend.seed.DEMO_STAFF): the backend checks
# this PIN for an online login; the demo config's offline PIN is the same.
DEMO_STAFF_NAME, DEMO_STAFF_PIN = "sam", "246813"
# Levels x bays of the demo tower; the backend seed stocks bays 1..30.
DEMO_LEVELS, DEMO_BAYS_PER_LEVEL, DEMO_DELIVERY = 5, 6, (101, 102)

# Which seeded member the actor plays when a person drives the demo by hand.
MEMBER_FOR_FLOW = {"test_drive": "demo-ok", "return": "demo-return", "buy": "demo-buy"}


class DemoStack:
    """Backend + simulator + demo camera; a context manager that cleans up."""

    def __init__(self, workdir: Path | None = None, *, sim_args: tuple[str, ...] = (),
                 travel_s: float = 1.2, actor_seed: int = 0) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="kiosk-demo-"))
        self.sim_args = sim_args
        self.travel_s = travel_s
        self.actor = DemoActor(seed=actor_seed)
        self.backend: Child | None = None
        self.sim: Child | None = None
        self.backend_url = ""
        self.pty_path = ""
        self.config: Config | None = None

    def __enter__(self) -> DemoStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> DemoStack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.actor.start()  # its process builds the member while the rest starts
        db = self.workdir / "backend.sqlite"
        self.backend = spawn_cli("backend", ["serve-backend", "--db", f"sqlite:///{db}",
                                             "--seed", "demo", "--port", "0"],
                                 stderr_path=self.workdir / "backend.log")
        self.backend_url = json.loads(self.backend.first_line)["listening"]
        occupied = self._occupied_bays()
        self.sim = spawn_cli("liftsim", ["liftsim", "--pty", "--levels", str(DEMO_LEVELS),
                                         "--bays", str(DEMO_BAYS_PER_LEVEL),
                                         "--delivery", ",".join(map(str, DEMO_DELIVERY)),
                                         "--occupied", ",".join(map(str, occupied)) or "none",
                                         "--travel-s", str(self.travel_s), "--control-stdin",
                                         *self.sim_args],
                             stderr_path=self.workdir / "liftsim.log", control=True)
        self.pty_path = self.sim.first_line
        add_actor("default", self.actor)
        from kiosk.staff.gate import hash_pin

        self.config = parse_config({
            "kiosk": {"id": DEMO_KIOSK_ID, "tower_id": DEMO_TOWER, "kiosk_mode": False,
                      "data_dir": str(self.workdir / "data"),
                      "log_dir": str(self.workdir / "logs")},
            "backend": {"url": self.backend_url, "kiosk_key": DEMO_KIOSK_KEY,
                        "heartbeat_s": 30.0},
            "camera": {"url": "demo:default"},
            "lift": {"url": self.pty_path},
            "staff": {"pin_hash": hash_pin(DEMO_STAFF_PIN)},
        }, env={})
        if not self.actor.wait_ready(60.0):
            log.warning("the demo camera shows nothing yet")
        log.info("demo stack up: backend %s, lift %s", self.backend_url, self.pty_path)
        return self

    def _occupied_bays(self) -> list[int]:
        r = requests.get(f"{self.backend_url}/v1/bays", timeout=10,
                         headers={"Authorization": f"Bearer {DEMO_KIOSK_KEY}",
                                  "X-Kiosk-Id": DEMO_KIOSK_ID})
        r.raise_for_status()
        bays = r.json()["bays"]
        return sorted(b["bay"] for b in bays if b.get("car_id") and b["bay"] < 100)

    def car_arrives(self, bay: int = DEMO_DELIVERY[0]) -> None:
        """A member drives a car into a delivery bay (the simulator's sensor sees it)."""
        assert self.sim is not None
        self.sim.send(f"arrive {bay}")

    def car_leaves(self, bay: int) -> None:
        """The member drives off from a delivery bay."""
        assert self.sim is not None
        self.sim.send(f"depart {bay}")

    def member_pass(self, member_id: str, expired: bool = False) -> str:
        """The member's current pass, as their phone app would show it
        (``expired``: an old screenshot of one)."""
        from sim.member_app import fetch_member_pass

        return fetch_member_pass(self.backend_url, member_id, DEMO_TOWER, expired=expired,
                                 timeout_s=10)

    def stop(self) -> None:
        for child in (self.sim, self.backend):
            if child is not None:
                child.stop()
        self.sim = self.backend = None
        remove_actor("default")
        self.actor.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class DemoDirector:
    """Plays the member in ``kiosk run --demo`` while a person taps the screen.

    It watches the journey like a person in front of the kiosk would watch the
    screen: shows the right member's pass when asked to scan, steps in for the
    selfie and does what the screen asks, drives off after the handover. It
    never touches the screen; the person does.
    """

    def __init__(self, kiosk: Any, stack: DemoStack) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.kiosk = kiosk
        self.stack = stack
        self.actor = stack.actor
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-director")
        self._last_driver: str | None = None
        self._member: str | None = None
        self._trip = 0
        self._closed = threading.Event()
        kiosk.subscribe("state", self._on_state)
        kiosk.subscribe("selfie", self._on_selfie)

    def _on_state(self, old: Any, new: Any, event: Any, session: Any) -> None:
        from kiosk.journey import Flow, State

        if new is State.SCAN:
            flow = session.flow
            member = MEMBER_FOR_FLOW[flow.value]
            if flow is Flow.RETURN and self._last_driver:
                member = self._last_driver  # bring back the car taken earlier in this demo
            self._member = member
            if flow is Flow.RETURN:
                self._trip += 1  # back already: no drive-off still pending
                self.stack.car_arrives()  # they parked in the delivery bay first
            self._pool.submit(self._hold_up_pass, member, flow is Flow.RETURN)
        elif new is State.SELFIE:
            self.actor.show_member()
        elif new is State.HANDOVER:
            self._last_driver = self._member
            self.actor.show_idle()
            bay = getattr(session.authorisation, "delivery_bay", None)
            if bay is not None:
                self._pool.submit(self._drive_off, bay, self._trip)
        elif new in (State.ATTRACT, State.OUT_OF_SERVICE):
            self.actor.show_idle()
        elif new is State.CHOOSE:
            self.actor.show_idle()  # the phone goes back in the pocket

    def _hold_up_pass(self, member: str, returning: bool) -> None:
        from kiosk.journey import State

        try:
            time.sleep(1.0)  # a person takes a moment to get the phone out
            text = self.stack.member_pass(member)
            # Only while the screen still asks to scan: a late phone must not
            # appear in the middle of the selfie.
            if self.kiosk.journey.state is State.SCAN:
                self.actor.show_pass(text)
        except (requests.RequestException, KioskError) as exc:
            log.warning("demo member could not show a pass: %s", exc)

    def _drive_off(self, bay: int, trip: int) -> None:
        deadline = time.monotonic() + 8.0  # the member checks the car over, then drives away
        while time.monotonic() < deadline:
            if self._closed.wait(0.2) or trip != self._trip:
                return  # closing, or they came straight back to return it
        try:
            self.stack.car_leaves(bay)
        except KioskError as exc:
            log.warning("demo car could not leave bay %s: %s", bay, exc)

    def _on_selfie(self, update: Any) -> None:
        self.actor.ask(getattr(update, "challenge", None))

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
