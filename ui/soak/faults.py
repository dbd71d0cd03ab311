"""How each fault of ``ui.soak.plan.FAULTS`` is struck, on the supervisor's side.

``strike(name, soak)`` runs in its own thread from the moment the kiosk
reports the state the fault is aimed at, and returns once the world has
healed (restarted, released, replugged), so the journey's end and the ledger
see the defined outcome, not a fault still in progress.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

log = logging.getLogger(__name__)

_rng = random.Random(7)


def _pause(lo: float, hi: float) -> None:
    time.sleep(_rng.uniform(lo, hi))


def strike(name: str, soak: Any) -> None:
    """Strike fault ``name`` now; return when it has healed."""
    stack = soak.stack
    log.info("fault %s strikes", name)
    try:
        if name == "backend-kill":
            _pause(0.0, 1.5)
            stack.kill_backend()
            _pause(2.0, 5.0)  # systemd's restart delay, then the service's start-up
            stack.restart_backend()
        elif name == "backend-slow":
            stack.proxy.delay_s = _rng.uniform(3.0, 6.0)
            _pause(6.0, 10.0)
            stack.proxy.delay_s = 0.0
            stack.proxy.refuse()
            _pause(3.0, 8.0)
            stack.proxy.start()
        elif name == "lift-kill":
            _pause(0.5, 2.0)  # the car is on its way
            stack.kill_sim()
            _pause(1.0, 3.0)
            stack.restart_sim()
        elif name == "lift-noise":
            _pause(0.2, 1.5)
            stack.sim_send("line corrupt 0.05")
            time.sleep(3.0)
            stack.sim_send("line corrupt 0")
        elif name == "estop":
            _pause(0.5, 2.0)
            stack.sim_send("estop")
            time.sleep(3.0)  # a person walks to the tower and releases the button
            stack.sim_send("estop-release")
        elif name == "camera-unplug":
            _pause(0.3, 2.0)
            soak.kiosk.send({"cmd": "camera-unplug", "seconds": 3.0})
        elif name == "kiosk-kill":
            _pause(0.3, 2.5)  # mid-dispatch: the journal has the job, the car moves
            soak.kiosk.kill()
        else:
            raise ValueError(f"unknown fault {name!r}")
    except Exception:  # noqa: BLE001 - a fault that failed to strike is logged, the soak goes on
        log.exception("fault %s could not be struck", name)
