"""The soak's process figures: RSS, threads, fds at start, after 50 journeys
and at the end, and the event loop's latency (the worker's 50 ms probe)."""

from __future__ import annotations

from collections import Counter
from typing import Any

AFTER = 50  # "after the first 50 journeys"


def percentile(hist: Counter[int], q: float) -> int | None:
    total = sum(hist.values())
    if not total:
        return None
    rank, seen = q * (total - 1), 0
    for value in sorted(hist):
        seen += hist[value]
        if seen > rank:
            return value
    return max(hist)


class Figures:
    def __init__(self) -> None:
        self.points: dict[str, dict[str, Any]] = {}
        self.stalls: Counter[int] = Counter()
        self.generation = 0  # kiosk processes started
        self.last: dict[str, Any] = {}

    def _take(self, e: dict[str, Any]) -> dict[str, Any]:
        for k, v in (e.get("stalls") or {}).items():
            self.stalls[int(k)] += v
        return {"rss_mb": e.get("rss_mb"), "threads": e.get("threads"), "fds": e.get("fds"),
                "process": self.generation}

    def ready(self, e: dict[str, Any], first: bool) -> None:
        self.generation += 1
        point = self._take(e)
        if first:
            self.points["start"] = point

    def journey_end(self, i: int, e: dict[str, Any]) -> None:
        point = self._take(e)
        if i + 1 == AFTER:
            self.points["after_50"] = point
        self.points["end"] = point

    def summary(self) -> dict[str, Any]:
        keys = ("start", "after_50", "end")
        out: dict[str, Any] = {
            name: {k: self.points[k][name] for k in keys if k in self.points}
            for name in ("rss_mb", "threads", "fds")}
        a, b = self.points.get("after_50"), self.points.get("end")
        # Growth only within one kiosk process: a restart starts from scratch.
        out["rss_growth_mb"] = (round(b["rss_mb"] - a["rss_mb"], 1)
                                if a and b and a["process"] == b["process"] else None)
        out["gui_stall_ms"] = {"p50": percentile(self.stalls, 0.5),
                               "p99": percentile(self.stalls, 0.99),
                               "max": max(self.stalls) if self.stalls else None,
                               "samples": sum(self.stalls.values()),
                               "over_50": sum(v for k, v in self.stalls.items() if k > 50)}
        return out
