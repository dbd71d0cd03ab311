"""The soak's memory figures: growth inside one process, or (when the
kiosk-kill fault restarted it) the slope fitted within each process."""

from __future__ import annotations

import json

import pytest

from common.redact import redact
from ui.soak.report import Figures, pooled_slope


def _run(start: float, per_journey: float, n: int) -> list[tuple[int, float]]:
    return [(k, start + per_journey * k) for k in range(1, n + 1)]


@pytest.mark.parametrize(("series", "expected"), [
    ({}, None),
    ({1: _run(200, 0.0, 30)}, 0.0),
    ({1: _run(200, 0.5, 30)}, 0.5),
    # Different heights per process do not read as growth.
    ({1: _run(180, 0.0, 20), 2: _run(300, 0.0, 20)}, 0.0),
    ({1: _run(180, 0.2, 20), 2: _run(300, 0.2, 40)}, 0.2),
    # Too short to say anything (warm-up only).
    ({1: _run(180, 5.0, 12)}, None),
    # Warm-up growth (models loading) in the first half is not a leak.
    ({1: [(k, 180.0 + min(k, 8) * 15) for k in range(1, 31)]}, 0.0),
])
def test_pooled_slope(series, expected):
    got = pooled_slope(series)
    assert got == expected if expected is None else got == pytest.approx(expected)


def _feed(fig: Figures, rss: list[float | None], restart_at: set[int]) -> None:
    fig.ready({"rss_mb": rss[0]}, first=True)
    for i, r in enumerate(rss):
        if i in restart_at:
            fig.ready({"rss_mb": 150.0}, first=False)
        fig.journey_end(i, {"rss_mb": r})


def test_growth_within_one_process_is_end_minus_after_50():
    fig = Figures()
    _feed(fig, [200.0 + 0.1 * i for i in range(120)], set())
    out = fig.summary()
    assert out["rss_growth_basis"] == "one process"
    assert out["rss_growth_mb"] == pytest.approx(7.0)


def test_a_restart_between_the_points_falls_back_to_the_slope():
    fig = Figures()
    # A leak of 1 MB a journey in every process; each restart starts low.
    rss = [200.0 + (i % 40) for i in range(120)]
    _feed(fig, rss, {40, 80})
    out = fig.summary()
    assert out["kiosk_processes"] == 3
    # The longest process (40 journeys) grew 1 MB a journey from its 10th.
    assert out["rss_growth_mb"] == pytest.approx(30.0)
    assert "longest" in out["rss_growth_basis"]
    assert out["rss_slope_kb_per_journey"] == pytest.approx(1024.0)
    assert len(out["rss_mb_process_ends"]) == 3


def test_the_progress_line_survives_the_log_redactor():
    # A long run logs its figures every 25 journeys through the redacting
    # filter; 40 process ends in decimals were masked as "<vector redacted>".
    fig = Figures()
    _feed(fig, [250.37 + 0.01 * i for i in range(400)], set(range(10, 400, 10)))
    line = json.dumps(fig.summary())
    assert redact(line) == line
    assert len(json.loads(redact(line))["rss_mb_process_ends"]) == 40


def test_a_flat_kiosk_restarted_at_another_height_shows_no_growth():
    fig = Figures()
    rss = [200.0] * 40 + [260.0] * 80
    _feed(fig, rss, {40})
    assert fig.summary()["rss_growth_mb"] == pytest.approx(0.0)
