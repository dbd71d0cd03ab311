"""``kiosk bench fleet`` with tiny numbers: it runs, its kiosks journey
without errors and no car is handed out twice (no timing assertions: the
figures are measured and written in the README)."""

from __future__ import annotations

import argparse
import os

import pytest

from bench.fleet import add_arguments, count_double, run
from tests.backend.pg import PG_ENV

REQUIRED = {"towers", "kiosks", "replicas", "p50_ms", "p99_ms", "journeys_per_s",
            "double_allocations", "errors"}


@pytest.mark.parametrize("moves, double", [
    ([], 0),
    ([(1.0, "c1", +1), (2.0, "c1", -1), (3.0, "c1", +1)], 0),  # out, back, out again
    ([(1.0, "c1", +1), (2.0, "c2", +1), (3.0, "c1", -1)], 0),  # two cars
    ([(1.0, "c1", +1), (2.0, "c1", +1)], 1),  # handed out while out
    ([(2.0, "c1", +1), (1.0, "c1", +1), (3.0, "c1", -1), (4.0, "c1", +1)], 1),
])
def test_double_allocations_are_counted_from_the_kiosks_record(moves, double):
    assert count_double(moves) == double


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs PostgreSQL: set {PG_ENV}")
def test_fleet_bench_runs_with_two_replicas():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--db", os.environ[PG_ENV], "--replicas", "2", "--towers", "2",
                              "--kiosks-per-tower", "2", "--members", "3", "--runs", "1",
                              "--duration-s", "3", "--warmup-s", "1", "--think-ms", "50",
                              "--race-share", "0.5", "--procs", "1"])
    result = run(args)
    assert REQUIRED <= set(result)
    assert (result["towers"], result["kiosks"], result["replicas"]) == (2, 4, 2)
    assert result["errors"] == 0, result.get("first_error")
    assert result["double_allocations"] == 0
    assert result["calls"] > 0 and result["journeys"] > 0


def test_fleet_bench_needs_a_database(monkeypatch):
    monkeypatch.delenv(PG_ENV, raising=False)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit, match="needs --db"):
        run(parser.parse_args([]))
