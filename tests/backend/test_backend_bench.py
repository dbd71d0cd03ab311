"""``kiosk bench backend`` end to end on a small load (figures are not checked:
tests check behaviour, the benchmark reports speed)."""

from __future__ import annotations

import argparse
import multiprocessing

import pytest

from bench import backend as bench


@pytest.mark.parametrize("client", ["kiosk", "raw"])
def test_bench_backend_small_load_allocates_each_car_once(client: str) -> None:
    args = argparse.Namespace(clients=6, rounds=2, cars=2, procs=2, in_process=False,
                              client=client)
    out = bench.run(args)
    assert out["double_allocations"] == 0
    # Every round: 6 reserves, and a verify by each of the 2 winners.
    assert out["requests"] == 2 * (6 + 2)
    assert out["load_procs"] == 2 and out["client"] == client
    for key in ("p50_ms", "p99_ms", "requests_per_s", "burst_ms_median"):
        assert out[key] > 0
    # CPU is read in clock ticks (10 ms): a run this small may read as 0.
    assert out["server_cpu_ms_per_call"] >= 0 and out["client_cpu_ms_per_call"] >= 0
    assert not multiprocessing.active_children()  # the load processes are gone


def test_bench_backend_with_a_selfie_being_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import backend_selfies

    # Render each challenge order when drawn instead of all 20 up front (~1 min).
    monkeypatch.setattr(backend_selfies, "pre_render", lambda: {})
    args = argparse.Namespace(clients=4, rounds=2, cars=1, procs=1, in_process=False,
                              client="kiosk", selfies=1)
    out = bench.run(args)
    assert out["double_allocations"] == 0
    assert out["selfies"] == 1 and out["selfies_judged"] >= 1
    assert out["selfie_errors"] == 0 and out["selfies_live"] == out["selfies_judged"]
    assert out["selfie_decision_ms_median"] > 0
    assert not multiprocessing.active_children()
