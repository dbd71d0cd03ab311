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


WARM = 10  # journeys a fresh kiosk needs to have loaded everything (QR, FaceMesh, embedder)
MIN_RUN = 16  # a process that lived fewer journeys says little about a slope


def pooled_slope(series: dict[int, list[tuple[int, float]]]) -> float | None:
    """MB per journey: the least-squares slope of RSS against journeys, fitted
    inside each process (each its own intercept: processes start at different
    heights) over the second half of its life (the first is warm-up: models
    load on first use), pooled. None without a long enough run."""
    sxy = sxx = 0.0
    for run in series.values():
        if len(run) < MIN_RUN:
            continue
        warm = [p for p in run if p[0] > max(WARM, len(run) // 2)]
        mk = sum(k for k, _ in warm) / len(warm)
        mr = sum(r for _, r in warm) / len(warm)
        sxy += sum((k - mk) * (r - mr) for k, r in warm)
        sxx += sum((k - mk) ** 2 for k, _ in warm)
    return sxy / sxx if sxx else None


class Figures:
    def __init__(self) -> None:
        self.points: dict[str, dict[str, Any]] = {}
        self.stalls: Counter[int] = Counter()
        self.generation = 0  # kiosk processes started
        self.last: dict[str, Any] = {}
        # RSS after each journey, per kiosk process: (journeys in it so far, MB).
        self.series: dict[int, list[tuple[int, float]]] = {}
        self.journeys_done = 0

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
        self.journeys_done = i + 1
        if point["rss_mb"] is not None:
            run = self.series.setdefault(self.generation, [])
            run.append((len(run) + 1, float(point["rss_mb"])))
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
        slope = pooled_slope(self.series)
        out["rss_slope_kb_per_journey"] = None if slope is None else round(slope * 1024, 1)
        if a and b and a["process"] == b["process"]:
            out["rss_growth_mb"] = round(b["rss_mb"] - a["rss_mb"], 1)
            out["rss_growth_basis"] = "one process"
        elif b and (longest := max(self.series.values(), key=len, default=None)) \
                and len(longest) > WARM:
            # The kiosk-kill fault restarted the process between the two
            # points, so their difference says nothing about a leak. The
            # longest-lived process does: its RSS once warm against its end.
            warm_rss = longest[WARM - 1][1]
            out["rss_growth_mb"] = round(longest[-1][1] - warm_rss, 1)
            out["rss_growth_basis"] = (f"longest kiosk process ({len(longest)} journeys): "
                                       f"journey {WARM} to its end")
        else:
            out["rss_growth_mb"] = None
            out["rss_growth_basis"] = None
        # Each process's last RSS: a leak would show as later or longer-lived
        # processes ending higher. Whole megabytes: finer says nothing here,
        # and a long list of decimals is the shape the log redactor masks as
        # an embedding, which blanked this list in the progress log lines.
        out["rss_mb_process_ends"] = [round(run[-1][1]) for run in self.series.values()
                                      if run]
        out["kiosk_processes"] = len(self.series)
        out["gui_stall_ms"] = {"p50": percentile(self.stalls, 0.5),
                               "p99": percentile(self.stalls, 0.99),
                               "max": max(self.stalls) if self.stalls else None,
                               "samples": sum(self.stalls.values()),
                               "over_50": sum(v for k, v in self.stalls.items() if k > 50)}
        return out
