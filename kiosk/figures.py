"""Kiosk-side figures the heartbeat carries to the backend (``health.figures``),
which exports them per kiosk on ``/metrics`` (backend/metrics.py).

- ``gui_stall_ms``: the longest the UI's event loop was late since the last
  heartbeat. The UI measures it (the lateness of its own tick timer; the
  core has no Qt) and hands it in with ``gui_stall``.
- ``vision_fps``: frames the liveness guide analysed per second of capture
  time in the latest selfie (``SelfieStep.timing``).
- ``lift_round_trip_ms``: the lift controller's latest request/reply round
  trip (``drivers.lift_client.LiftClient.last_round_trip_ms``), read at each
  health probe.

Cheap: a few floats under a lock, written from whichever thread measured.
"""

from __future__ import annotations

import math
import threading
from typing import Any


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


class KioskFigures:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stall_ms: float | None = None
        self._vision_fps: float | None = None
        self._lift_ms: float | None = None

    def gui_stall(self, late_ms: float) -> None:
        """The UI's event loop was ``late_ms`` late once (the worst is kept)."""
        late = _number(late_ms)
        if late is None:
            return
        with self._lock:
            self._stall_ms = late if self._stall_ms is None else max(self._stall_ms, late)

    def vision_fps(self, fps: Any) -> None:
        value = _number(fps)
        if value is not None:
            with self._lock:
                self._vision_fps = value

    def lift_round_trip(self, ms: Any) -> None:
        value = _number(ms)
        if value is not None:
            with self._lock:
                self._lift_ms = value

    def take(self) -> dict[str, float]:
        """The figures for one heartbeat; the stall starts over (it is the
        worst *since the last heartbeat*), the others are the latest."""
        with self._lock:
            out = {"gui_stall_ms": self._stall_ms, "vision_fps": self._vision_fps,
                   "lift_round_trip_ms": self._lift_ms}
            self._stall_ms = None
        return {k: round(v, 1) for k, v in out.items() if v is not None}
