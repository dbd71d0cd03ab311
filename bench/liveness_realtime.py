"""``kiosk bench liveness --load N``: the selfie in real time, beside N busy processes.

The other paths render the member in simulated time, so how busy the machine
is cannot change what they decide. This one runs the selfie as the kiosk
does (issue #19): the member is played at real-time pace in a camera process
(``drivers.camera_feed.ProcessCamera`` with ``sim.stage.Stage``,
1280x720, 30 fps), the kiosk's own ``SelfieStep`` guides them with a local
``LivenessSession`` on a ``LatestFrameLoop`` (the latest frame, never a
queue) and streams what it saw with the ``SelfieUploader``; this thread
plays the GUI thread: it shows each update (the member reacts to the
prompt *shown*, like the autopilot's member) and paints a preview of the
camera at 30 fps. ``N`` processes of ``while True: pass`` run beside it all.

``--path backend`` (default): the real service in its own process (judge
workers included) decides, as in the demo (``bench.liveness_rt_backend``);
``--path local``: the local check's verdict is the decision.

Reported per load: BPCER and APCER per attack kind, frames analysed per
second (the guide, per selfie, median) and delivered by the camera, the
guidance lag (a frame's capture to its update reaching the screen: median,
95th percentile, max over every update), preview frames painted per second,
time to decision (the local check's end to the verdict) and to pass (Start
to a live verdict).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np

from drivers.camera_feed import ProcessCamera
from kiosk.selfie import encode_jpeg
from kiosk.selfie_step import SelfieStage, SelfieStep
from kiosk.tasks import CallbackQueue, TaskRunner
from vision.loop import LatestFrameLoop

LIVE = "live"
KINDS = (LIVE, "still_photo", "tilted_photo", "bordered_print", "replay")
STAGE = "sim.stage:Stage"
CAMERA_SIZE, CAMERA_FPS = (1280, 720), 30.0
PREVIEW_FPS, PREVIEW_SIZE = 30.0, (960, 540)
SELFIE_MAX_S = 90.0


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[list[subprocess.Popen]]:
    """``n`` processes spinning a core each; always killed on the way out."""
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(n):
            procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                          stdin=subprocess.DEVNULL))
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


class LocalJudge:
    """``--path local``: stands in for the backend; the guide's verdict decides."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.guide: Any = None
        self.frames = 0

    def open_selfie(self, session_id: str) -> Any:
        from vision.liveness_actions import draw_challenges

        challenges = draw_challenges(self.rng, int(self.rng.integers(2, 4)))
        return SimpleNamespace(selfie_id=session_id, challenges=tuple(c.value for c in challenges),
                               max_frames_per_chunk=20)

    def upload_frames(self, selfie_id: str, frames: list[tuple[int, bytes]]) -> int:
        self.frames += len(frames)
        return len(frames)

    def finish_selfie(self, selfie_id: str) -> Any:
        result = self.guide.result if self.guide is not None else None
        return SimpleNamespace(selfie_id=selfie_id, live=bool(result and result.live),
                               reason=None if result is None else result.reason)


class KioskSide:
    """What ``SelfieStep`` needs of the kiosk's services, over the bench's camera."""

    def __init__(self, backend: Any, camera: Any) -> None:
        from kiosk.config import parse_config

        self.config = parse_config({})
        self.backend = backend
        self.camera = camera

    def frame_loop(self, process: Any, on_result: Any, on_error: Any) -> LatestFrameLoop:
        return LatestFrameLoop(self.camera, process, on_result, on_error)

    def new_liveness(self, challenges: Any) -> Any:
        from vision.liveness import LivenessSession, guide_config
        from vision.liveness_actions import parse_challenges

        guide = LivenessSession(parse_challenges(challenges), config=guide_config(
            self.config.selfie.challenge_timeout_s))
        if isinstance(self.backend, LocalJudge):
            self.backend.guide = guide
        return guide

    def encode_frame(self, image: Any) -> bytes:
        cfg = self.config.selfie
        return encode_jpeg(image, cfg.upload_width_px, cfg.upload_jpeg_quality)


class Rig:
    """The camera process, the kiosk side and the GUI stand-in, for many selfies."""

    def __init__(self, judge: Any, *, include_shared: bool, seed: int) -> None:
        self.judge = judge  # LocalJudge, or liveness_rt_backend.Service
        self.cam = ProcessCamera(STAGE, {"seed": seed, "demo_member": False,
                                         "include_shared": include_shared, "retry_s": None},
                                 size=CAMERA_SIZE, fps=CAMERA_FPS, name="bench-camera")
        self.source: Any = None
        self.queue = CallbackQueue()
        self.runner = TaskRunner(self.queue)

    def __enter__(self) -> Rig:
        from vision import facemesh

        self.cam.start()
        if not self.cam.wait_ready(120.0):
            raise RuntimeError("the bench camera did not start")
        self.source = self.cam.source(stall_timeout_s=5.0)
        self.source.start()
        facemesh.warm_up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.runner.shutdown(wait=True)
        if self.source is not None:
            self.source.stop()
        self.cam.stop()

    def selfie(self, kind: str, index: int, photo: int, seed: int) -> dict[str, Any]:
        """One selfie, start to verdict, with this thread as the GUI thread."""
        backend = self.judge.backend if hasattr(self.judge, "backend") else self.judge
        session_id, reservation = (self.judge.begin(kind, index, photo)
                                   if hasattr(self.judge, "begin") else (f"S{index}", None))
        side = KioskSide(backend, self.source)
        out: dict[str, Any] = {"kind": kind, "lags_ms": [], "painted": 0}
        done: list[Any] = []
        t: dict[str, float] = {}

        def on_stage(stage: SelfieStage) -> None:
            now = time.monotonic()
            if stage is SelfieStage.LIVE:
                t["live"] = now
                frame = self.source.latest()
                t["index0"] = frame.index if frame is not None else 0
                # The person in front of the camera, now that the prompts are known.
                asked = list(step.ticket.challenges)
                self.cam.send("cast", now, kind, photo, seed, asked, 0.25)
            elif stage is SelfieStage.CHECKING:
                t["checking"] = now
                frame = self.source.latest()
                t["index1"] = frame.index if frame is not None else 0

        def on_update(update: Any) -> None:
            now = time.monotonic()
            if update.t_capture is not None:
                out["lags_ms"].append(1000.0 * (now - update.t_capture))
            challenge = getattr(update.challenge, "value", update.challenge)
            self.cam.send("ask", now, challenge)

        step = SelfieStep(side, self.runner, session_id, clock=time.monotonic,
                          on_stage=on_stage, on_update=on_update,
                          on_done=lambda sid, summary: done.append(("done", sid, summary)),
                          on_failed=lambda err: done.append(("failed", err, None)))
        t["start"] = time.monotonic()
        step.start()
        try:
            out["painted"], painted_s = self._gui_until(lambda: bool(done), t["start"])
        finally:
            step.cancel()
            self.cam.send("idle")
        t["verdict"] = time.monotonic()
        what, sid, summary = done[0] if done else ("timeout", None, None)
        out.update(self._verdict(what, sid, summary, reservation, session_id))
        out["preview_fps"] = round(out["painted"] / painted_s, 1) if painted_s > 0 else None
        out["analysed_fps"] = (summary or {}).get("analysed_fps")
        if "checking" in t and "live" in t:
            span = t["checking"] - t["live"]
            out["camera_fps"] = round((t["index1"] - t["index0"]) / span, 1) if span > 0 else None
            out["decision_s"] = round(t["verdict"] - t["checking"], 3)
        out["seconds"] = round(t["verdict"] - t["start"], 2)
        # The machine is shared: how busy it was besides the bench's own load.
        out["load_average"] = round(os.getloadavg()[0], 2)
        return out

    def _verdict(self, what: str, sid: Any, summary: Any, reservation: Any,
                 session_id: str) -> dict[str, Any]:
        if what != "done":
            return {"live": False, "reason": "error" if what == "failed" else "unfinished",
                    "local_reason": None, "error": str(sid) if what == "failed" else None}
        res = {"live": bool(summary.get("live")), "reason": summary.get("reason"),
               "local_live": summary.get("local_live"), "local_reason": summary.get("local_reason"),
               "challenges": summary.get("challenges")}
        if hasattr(self.judge, "judge_reason"):
            res["reason"] = self.judge.judge_reason(sid)
            if res["live"] and reservation is not None:
                res["refusal"] = self.judge.verify(session_id, reservation, sid)
        return res

    def _gui_until(self, finished: Any, t0: float) -> tuple[int, float]:
        """Run posted callbacks and paint the preview until ``finished()``."""
        import cv2

        period = 1.0 / PREVIEW_FPS
        next_paint = time.monotonic()
        last_index, painted = None, 0
        while not finished():
            now = time.monotonic()
            if now - t0 > SELFIE_MAX_S:
                break
            self.queue.drain(timeout_s=max(0.001, next_paint - now))
            if time.monotonic() >= next_paint:
                # Late ticks are skipped, as a Qt timer does: no burst of repaints.
                next_paint = max(next_paint + period, time.monotonic())
                frame = self.source.latest()
                if frame is not None and frame.index != last_index:
                    last_index = frame.index
                    shown = cv2.resize(frame.image, PREVIEW_SIZE, interpolation=cv2.INTER_LINEAR)
                    np.ascontiguousarray(shown[:, ::-1])  # mirrored, as the member sees it
                    painted += 1
        return painted, time.monotonic() - t0


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(statistics.median(values)), 3) if values else None


def summarise(results: list[dict[str, Any]], load: int, wall_s: float) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_kind.setdefault(r["kind"], []).append(r)
    live = by_kind.get(LIVE, [])
    lags = sorted(x for r in results for x in r["lags_ms"])
    passed = [r for r in live if r["live"]]
    return {
        "busy_processes": load,
        "n": {k: len(v) for k, v in by_kind.items()},
        "bpcer": round(sum(1 for r in live if not r["live"]) / len(live), 4) if live else None,
        "apcer": {k: round(sum(1 for r in rs if r["live"]) / len(rs), 4)
                  for k, rs in by_kind.items() if k != LIVE},
        "reasons": {k: dict(Counter(r["reason"] or LIVE for r in rs))
                    for k, rs in by_kind.items()},
        "live_refused_at_verify": sum(1 for r in passed if r.get("refusal")),
        "analysed_fps_median": _median([r.get("analysed_fps") for r in results]),
        "analysed_fps_min": min((r["analysed_fps"] for r in results
                                 if r.get("analysed_fps") is not None), default=None),
        "camera_fps_median": _median([r.get("camera_fps") for r in results]),
        "preview_fps_median": _median([r.get("preview_fps") for r in results]),
        "guidance_lag_ms": None if not lags else {
            "median": round(lags[len(lags) // 2], 1),
            "p95": round(lags[min(len(lags) - 1, int(0.95 * len(lags)))], 1),
            "max": round(lags[-1], 1), "over_300": sum(1 for x in lags if x > 300.0),
            "updates": len(lags)},
        "decision_s_median": _median([r.get("decision_s") for r in results]),
        "decision_s_median_live": _median([r.get("decision_s") for r in passed]),
        "decision_s_max": max((r["decision_s"] for r in results if r.get("decision_s")),
                              default=None),
        "seconds_to_pass_median": _median([r["seconds"] for r in passed]),
        "load_average_median": _median([r["load_average"] for r in results]),
        "load_average_max": max((r["load_average"] for r in results), default=None),
        "wall_s": round(wall_s, 1),
    }


def plan(n_live: int, n_attack: int, kinds: tuple[str, ...] | None) -> list[tuple[str, int]]:
    """Interleaved, so a change in the machine's load touches every kind alike."""
    kinds = kinds or KINDS
    rows = [[(k, i) for i in range(n_live if k == LIVE else n_attack)] for k in kinds]
    out: list[tuple[str, int]] = []
    for i in range(max((len(r) for r in rows), default=0)):
        out += [r[i] for r in rows if i < len(r)]
    return out


def run_loads(loads: list[int], n_live: int, n_attack: int, *, path: str, seed: int,
              include_shared: bool, kinds: tuple[str, ...] | None,
              runs: int = 1) -> dict[str, Any]:
    """Each load ``runs`` times (other performer seeds each run): errors pooled
    over the runs, and each run's own figures beside them."""
    items = plan(n_live, n_attack, kinds)
    judge: Any
    stack = contextlib.ExitStack()
    with stack:
        if path == "backend":
            from bench.liveness_rt_backend import Service

            judge = stack.enter_context(Service(len(items) * len(loads) * runs + 1, seed=seed,
                                                include_shared=include_shared))
        else:
            judge = LocalJudge(seed)
        rig = stack.enter_context(Rig(judge, include_shared=include_shared, seed=seed))
        n_photos = _n_photos(include_shared)
        rig.selfie(LIVE, -1, 0, seed)  # warm: models, caches, the judge workers
        out: dict[str, Any] = {"path": path, "runs": runs, "loads": {}}
        for load in loads:
            t0 = time.perf_counter()
            pooled, per_run = [], []
            with busy_processes(load):
                for run in range(runs):
                    results = []
                    for kind, i in items:
                        # The evaluation set's member for (kind, i), as on the other paths.
                        r = rig.selfie(kind, _index(run, load, kind, i), i % n_photos,
                                       seed * 100_003 + i * 7 + len(kind) + run * 1_000_003)
                        results.append(r)
                        _progress(load, r)
                    per_run.append(summarise(results, load, 0.0))
                    pooled += results
            summary = summarise(pooled, load, time.perf_counter() - t0)
            if runs > 1:
                summary["per_run"] = {k: [pr[k] for pr in per_run] for k in (
                    "bpcer", "analysed_fps_median", "guidance_lag_ms", "decision_s_median",
                    "load_average_median")}
            out["loads"][str(load)] = summary
    return out


def _index(run: int, load: int, kind: str, i: int) -> int:
    """A member of their own for each selfie (no lockout from earlier attacks)."""
    return ((run * 20 + load) * 10 + KINDS.index(kind)) * 1000 + i


def _n_photos(include_shared: bool) -> int:
    from vision.synth.photos import photo_variants

    return sum(1 for _ in photo_variants(include_shared))


def _progress(load: int, r: dict[str, Any]) -> None:
    lag = max(r["lags_ms"], default=0.0)
    print(f"  load {load} {r['kind']:<15} live={r['live']!s:<5} {r['reason'] or '':<16} "
          f"{','.join(r.get('challenges') or ()):<26} "
          f"analysed {r.get('analysed_fps')} fps, camera {r.get('camera_fps')} fps, "
          f"lag max {lag:.0f} ms, decision {r.get('decision_s')} s, "
          f"load average {r['load_average']}", file=sys.stderr,
          flush=True)


def format_table(out: dict[str, Any]) -> str:
    lines = [f"real time, path {out['path']}:",
             f"{'busy':>4}  {'BPCER':>6}  {'APCER (still/tilted/border/replay)':<36}"
             f"{'analysed':>9}{'camera':>8}{'preview':>8}  {'lag p50/p95/max ms':<20}"
             f"{'decision':>9}{'to pass':>8}{'loadavg':>8}"]
    for load, s in out["loads"].items():
        ap = "/".join(f"{100 * s['apcer'].get(k, 0):.0f}" for k in KINDS[1:] if k in s["apcer"])
        lag = s["guidance_lag_ms"] or {}
        lag_s = f"{lag.get('median')}/{lag.get('p95')}/{lag.get('max')}"
        bp = s["bpcer"]
        lines.append(f"{load:>4}  {'-' if bp is None else f'{100 * bp:.1f}%':>6}  "
                     f"{ap + ' %':<36}{s['analysed_fps_median']!s:>9}"
                     f"{s['camera_fps_median']!s:>8}{s['preview_fps_median']!s:>8}  "
                     f"{lag_s:<20}{s['decision_s_median']!s:>9}"
                     f"{s['seconds_to_pass_median']!s:>8}{s['load_average_median']!s:>8}")
    return "\n".join(lines)
