"""``kiosk bench liveness --load N``: its busy processes never outlive it, the
plan interleaves the kinds, the summary counts right, and one real-time
selfie runs end to end (the member in the camera process, the kiosk's own
selfie step, the local verdict)."""

from __future__ import annotations

import pytest

from bench import liveness_realtime as rt


def test_busy_processes_are_killed_even_when_the_bench_fails():
    with pytest.raises(RuntimeError), rt.busy_processes(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs)
        raise RuntimeError("the bench broke")
    assert all(p.poll() is not None for p in procs)


def test_the_plan_interleaves_kinds():
    assert rt.plan(3, 1, ("live", "replay")) == [("live", 0), ("replay", 0), ("live", 1),
                                                 ("live", 2)]


def result(kind: str, live: bool, lags: list[float], reason: str | None = None) -> dict:
    return {"kind": kind, "live": live, "reason": reason, "lags_ms": lags, "seconds": 4.0,
            "analysed_fps": 20.0, "camera_fps": 25.0, "preview_fps": 24.0, "decision_s": 0.5,
            "load_average": 3.0}


def test_the_summary_counts_errors_and_lags():
    results = [result("live", True, [10.0, 20.0]), result("live", False, [400.0], "timeout"),
               result("replay", False, [30.0], "wrong_challenge"),
               result("still_photo", True, [40.0])]
    s = rt.summarise(results, load=2, wall_s=10.0)
    assert s["bpcer"] == 0.5 and s["apcer"] == {"replay": 0.0, "still_photo": 1.0}
    assert s["reasons"]["live"] == {"live": 1, "timeout": 1}
    assert s["guidance_lag_ms"]["max"] == 400.0 and s["guidance_lag_ms"]["over_300"] == 1
    assert s["guidance_lag_ms"]["updates"] == 5 and s["busy_processes"] == 2
    assert "BPCER" in rt.format_table({"path": "local", "loads": {"2": s}})


@pytest.mark.slow
def test_one_real_time_selfie_on_the_local_path():
    out = rt.run_loads([0], 1, 0, path="local", seed=0, include_shared=False, kinds=("live",))
    s = out["loads"]["0"]
    assert s["n"] == {"live": 1}
    # A verdict was reached (which one is the benchmark's business).
    assert not {"unfinished", "error"} & set(s["reasons"]["live"]), s["reasons"]
    assert s["guidance_lag_ms"]["updates"] > 0 and s["analysed_fps_median"] > 0
