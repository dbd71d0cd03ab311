"""Wall-clock time for the service, injectable so tests can place drives at
day 59/60/61 or hour 72 without waiting."""

from __future__ import annotations

import threading
import time


class SystemClock:
    def now(self) -> float:
        """Unix seconds, UTC."""
        return time.time()


class SettableClock:
    """A clock the tests move by hand (never used in production)."""

    def __init__(self, start: float | None = None) -> None:
        self._lock = threading.Lock()
        self._now = time.time() if start is None else float(start)

    def now(self) -> float:
        with self._lock:
            return self._now

    def set(self, t: float) -> None:
        with self._lock:
            self._now = float(t)

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now
