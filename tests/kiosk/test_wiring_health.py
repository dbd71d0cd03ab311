"""The health probe takes the kiosk out of service while the lift controller
holds a fault (#16 soak: after an E-stop the kiosk kept taking members, whose
cars were then refused after the selfie). Real simulator, real serial client."""

from __future__ import annotations

import time
from types import SimpleNamespace

from drivers.lift_client import LiftClient
from drivers.lift_proto import LiftState
from kiosk.config import parse_config
from kiosk.wiring import RealServices
from sim.lift.simulator import TowerSimulator


class _NoBackend:
    def health(self):
        return SimpleNamespace(ok=True, version="test")


def _camera():
    return SimpleNamespace(stats=lambda: SimpleNamespace(state=SimpleNamespace(value="live"),
                                                         fps=25.0))


def _until(pred, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling the simulator's state, not waiting for time


def test_a_lift_holding_a_fault_puts_the_kiosk_out_of_service():
    sim = TowerSimulator(levels=2, bays_per_level=4, delivery_bays=(101,), occupied={1})
    lift = None
    try:
        lift = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
        services = RealServices(parse_config({}), backend=_NoBackend(), camera=_camera(),
                                lift=lift, dispatcher=None, pass_key=b"")
        lift.status()
        assert services.probe_health().service_ok
        assert sim.control("estop").startswith("ok")
        _until(lambda: lift.status().state is LiftState.FAULT, "the E-stop")
        snap = services.probe_health()
        assert not snap.lift_ok and not snap.service_ok
        assert snap.detail["lift_faults"] == ["ESTOP"]
        assert sim.control("estop-release").startswith("ok")
        lift.ack_fault()
        _until(lambda: not lift.status().faults, "the reset")
        assert services.probe_health().service_ok
    finally:
        if lift is not None:
            lift.close()
        sim.stop()
