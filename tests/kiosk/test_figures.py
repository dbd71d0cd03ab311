"""Kiosk-side figures sent with the heartbeat (issue #17): the worst GUI stall
since the last heartbeat, the latest selfie's analysed fps, the lift's round
trip measured on the real serial client against the simulator."""

from __future__ import annotations

import math
import time

import pytest

from drivers.lift_client import LiftClient
from kiosk.app import Kiosk
from kiosk.figures import KioskFigures
from kiosk.tasks import CallbackQueue, TaskRunner
from sim.lift.simulator import TowerSimulator
from tests.kiosk.fakes import FakeServices, settle


def test_the_stall_is_the_worst_since_the_last_take_and_the_rest_the_latest():
    f = KioskFigures()
    assert f.take() == {}
    f.gui_stall(12.0)
    f.gui_stall(80.04)
    f.gui_stall(3.0)
    f.vision_fps(14.25)
    f.lift_round_trip(21.0)
    assert f.take() == {"gui_stall_ms": 80.0, "vision_fps": 14.2, "lift_round_trip_ms": 21.0}
    assert f.take() == {"vision_fps": 14.2, "lift_round_trip_ms": 21.0}  # stall starts over


@pytest.mark.parametrize("bad", [None, "12", True, -1.0, math.nan, math.inf])
def test_what_is_not_a_figure_is_dropped(bad):
    f = KioskFigures()
    f.gui_stall(bad)
    f.vision_fps(bad)
    f.lift_round_trip(bad)
    assert f.take() == {}


def test_the_heartbeat_carries_the_figures():
    q = CallbackQueue()
    services = FakeServices()
    kiosk = Kiosk(services, TaskRunner(q), clock=services.clock)
    try:
        kiosk.figures.gui_stall(55.0)
        kiosk._selfie_done("S-1", {"analysed_fps": 13.5, "live": True})
        kiosk.health.detail["lift_round_trip_ms"] = 19.5
        kiosk.send_heartbeat()
        settle(q, lambda: any(c[0] == "heartbeat" for c in services.backend.calls))
        _status, health = [c[1] for c in services.backend.calls if c[0] == "heartbeat"][0]
        assert health["figures"] == {"gui_stall_ms": 55.0, "vision_fps": 13.5,
                                     "lift_round_trip_ms": 19.5}
    finally:
        kiosk.shutdown()


def test_the_lift_round_trip_is_measured_on_requests_and_keep_alives():
    sim = TowerSimulator(levels=2, bays_per_level=4, delivery_bays=(101,), occupied={1})
    lift = None
    try:
        lift = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
        lift.status()
        assert lift.last_round_trip_ms is not None and lift.last_round_trip_ms >= 0
        # The link's keep-alive STATUS (every second while idle) is timed too:
        # nothing else asks the controller anything now.
        lift.last_round_trip_ms = None
        deadline = time.monotonic() + 10
        while lift.last_round_trip_ms is None:
            assert time.monotonic() < deadline, "no keep-alive round trip measured"
            time.sleep(0.05)  # polling the client's state, not waiting for time
        assert lift.last_round_trip_ms >= 0
    finally:
        if lift is not None:
            lift.close()
        sim.stop()
