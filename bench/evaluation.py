"""Evaluation of the liveness checks on a generated set, and the report.

The set: synthetic members from several photos (the scikit-image astronaut,
plus ``../shared/faces`` when present), each also flipped and under other
lighting; live sequences where the member answers random challenges the way
a cooperative person does, and for each attack kind as many sequences of the
same members attacking (same identity: only liveness can stop them).

Every sequence runs a real ``LivenessSession`` on the rendered frames, in
simulated time at ``fps`` (frames carry their timestamps, so the figures do
not depend on how busy the machine is). Reported, ISO/IEC 30107-3 style:

- APCER per attack kind: attacks wrongly accepted as live;
- BPCER: live members wrongly refused;
- seconds to pass for a cooperative member (liveness, simulated, plus the
  measured embedding time), median;
- vision fps: wall-clock ``feed`` throughput on 1280x720 frames.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vision.liveness import LivenessConfig, LivenessSession
from vision.liveness_actions import Challenge, draw_challenges
from vision.synth.actor import Performer
from vision.synth.attacks import AttackKind, make_attacker
from vision.synth.face import SyntheticMember, astronaut_bgr
from vision.synth.photos import photo_variants

__all__ = ["LIVE", "AttackKind", "SequenceResult", "evaluate", "measure_embedding",
           "measure_fps", "plan", "run_one", "run_planned", "run_sequence", "summarise"]

LIVE = "live"


@dataclass(frozen=True)
class SequenceResult:
    kind: str  # "live" or an AttackKind value
    member: str
    challenges: tuple[str, ...]
    live: bool | None  # None: the session never finished
    reason: str | None
    seconds: float  # simulated time until done
    frames: int
    feed_ms: float  # median wall-clock per frame
    stats: dict[str, Any] = field(default_factory=dict)


def run_sequence(session: LivenessSession, actor: Any, fps: float = 25.0,
                 max_s: float | None = None) -> tuple[Any, float, int, list[float]]:
    """Drive ``actor`` (``set_action`` / ``next_frame``) against ``session``
    in simulated time. Returns (last update, seconds, frames, feed times)."""
    cfg = session.config
    if max_s is None:
        max_s = (cfg.ready_timeout_s or 30.0) + cfg.challenge_timeout_s * (
            len(session.challenges) + 1)
    update = None
    feed_ms: list[float] = []
    n = 0
    t = 0.0
    while t <= max_s:
        t = n / fps
        frame = actor.next_frame(t)
        t0 = time.perf_counter()
        update = session.feed(frame, t)
        feed_ms.append(1000.0 * (time.perf_counter() - t0))
        n += 1
        if update.done:
            break
        actor.set_action(update.challenge, t)
    return update, t, n, feed_ms


def run_one(kind: str, member: SyntheticMember, member_name: str, seed: int,
            fps: float = 25.0, config: LivenessConfig | None = None) -> SequenceResult:
    rng = np.random.default_rng(seed)
    challenges = draw_challenges(rng, int(rng.integers(2, 4)))
    session = LivenessSession(challenges, config=config)
    if kind == LIVE:
        actor: Any = Performer(member, seed=seed, spontaneous_blink_hz=0.25)
    else:
        actor = make_attacker(AttackKind(kind), member, challenges, seed=seed)
    update, t, n, feed = run_sequence(session, actor, fps)
    stats = session.stats()
    session.clear()
    return SequenceResult(kind, member_name, tuple(c.value for c in challenges),
                          update.live if update is not None and update.done else None,
                          update.reason if update is not None else None, t, n,
                          float(np.median(feed)) if feed else 0.0, stats)


def build_members(size: tuple[int, int], include_shared: bool = True,
                  seed: int = 0) -> list[tuple[str, SyntheticMember]]:
    return [(name, SyntheticMember(photo, seed=seed + i, size=size))
            for i, (name, photo) in enumerate(photo_variants(include_shared))]


_MEMBERS: dict[tuple[Any, ...], list[tuple[str, SyntheticMember]]] = {}


def _members(size: tuple[int, int], include_shared: bool, seed: int) -> list[
        tuple[str, SyntheticMember]]:
    key = (size, include_shared, seed)
    if key not in _MEMBERS:
        _MEMBERS.clear()  # one set per process at a time: members hold frames
        _MEMBERS[key] = build_members(size, include_shared, seed)
    return _MEMBERS[key]


def plan(n_live: int = 50, n_attack: int = 50,
         kinds: tuple[str, ...] | None = None) -> list[tuple[str, int]]:
    """The sequences of the set as (kind, index)."""
    kinds = kinds or (LIVE, *(k.value for k in AttackKind))
    return [(kind, i) for kind in kinds for i in range(n_live if kind == LIVE else n_attack)]


def run_planned(item: tuple[str, int], size: tuple[int, int] = (640, 360), fps: float = 25.0,
                include_shared: bool = True, seed: int = 0) -> SequenceResult:
    """One planned sequence; members are used round-robin (cached per process)."""
    kind, i = item
    members = _members(size, include_shared, seed)
    name, member = members[i % len(members)]
    return run_one(kind, member, name, seed=seed * 100_003 + i * 7 + len(kind), fps=fps)


def evaluate(n_live: int = 50, n_attack: int = 50, *, size: tuple[int, int] = (640, 360),
             fps: float = 25.0, include_shared: bool = True, seed: int = 0,
             kinds: tuple[str, ...] | None = None, workers: int = 1,
             progress: Callable[[SequenceResult], None] | None = None) -> list[SequenceResult]:
    """Run the whole set, in ``workers`` processes (1: in this process)."""
    items = plan(n_live, n_attack, kinds)
    results: list[SequenceResult] = []
    if workers <= 1:
        for item in items:
            results.append(run_planned(item, size, fps, include_shared, seed))
            if progress is not None:
                progress(results[-1])
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    # spawn: a forked mediapipe graph is not safe to use in the child.
    ctx = multiprocessing.get_context("spawn")
    job = partial(run_planned, size=size, fps=fps, include_shared=include_shared, seed=seed)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        # Contiguous chunks keep each worker on few members (built once each).
        for r in pool.map(job, items, chunksize=max(1, len(items) // (4 * workers))):
            results.append(r)
            if progress is not None:
                progress(r)
    return results


def measure_fps(size: tuple[int, int] = (1280, 720), frames: int = 60,
                runs: int = 3) -> dict[str, float]:
    """Wall-clock throughput of ``LivenessSession.feed`` on live frames, alone
    and while a demo camera renders a synthetic member at 25 fps in another
    thread (as in demo mode), and the renderer's cost (medians of ``runs``)."""
    member = SyntheticMember(astronaut_bgr(), seed=1, size=size)
    performer = Performer(member, seed=1)
    feed_fps, busy_fps, render_ms = [], [], []
    for r in range(runs):
        imgs = []
        t0 = time.perf_counter()
        for i in range(frames):
            t = (r * frames + i) / 25.0
            if i == frames // 3:
                performer.set_action(Challenge.TURN_LEFT, t)
            imgs.append(performer.next_frame(t))
        render_ms.append(1000.0 * (time.perf_counter() - t0) / frames)
        feed_fps.append(_feed_rate(imgs))
        busy_fps.append(_feed_rate(imgs, demo_camera=SyntheticMember(astronaut_bgr(), seed=2,
                                                                     size=size)))
    return {"vision_fps": float(np.median(feed_fps)),
            "vision_fps_with_demo_camera": float(np.median(busy_fps)),
            "synth_ms_per_frame": float(np.median(render_ms))}


def _feed_rate(imgs: list[np.ndarray], demo_camera: SyntheticMember | None = None) -> float:
    import threading

    session = LivenessSession([Challenge.TURN_LEFT, Challenge.BLINK, Challenge.NOD],
                              config=LivenessConfig(challenge_timeout_s=1e9))
    stop = threading.Event()
    thread = None
    if demo_camera is not None:
        def camera() -> None:
            n = 0
            start = time.perf_counter()
            while not stop.is_set():
                demo_camera.frame(t=n / 25.0)
                n += 1
                # Paced like a camera: wait for the next frame time, or stop.
                stop.wait(max(0.0, start + n / 25.0 - time.perf_counter()))

        thread = threading.Thread(target=camera, name="bench-demo-camera", daemon=True)
        thread.start()
    try:
        t0 = time.perf_counter()
        for i, img in enumerate(imgs):
            session.feed(img, i / 25.0)
        return len(imgs) / (time.perf_counter() - t0)
    finally:
        stop.set()
        if thread is not None:
            thread.join(5.0)
        session.clear()


def measure_embedding(runs: int = 5) -> float:
    """Median seconds to embed a live best frame (the verification step's kiosk part)."""
    from vision.face_embed import FaceEmbedder
    from vision.facemesh import detect

    member = SyntheticMember(astronaut_bgr(), seed=2)
    frame = member.frame()
    box = detect(frame)[0].box
    embedder = FaceEmbedder()
    embedder.embed(frame, box)  # model load is not part of a member's wait
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        embedder.embed(frame, box)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def summarise(results: list[SequenceResult]) -> dict[str, Any]:
    by_kind: dict[str, list[SequenceResult]] = {}
    for r in results:
        by_kind.setdefault(r.kind, []).append(r)
    out: dict[str, Any] = {"n": {k: len(v) for k, v in by_kind.items()}, "apcer": {},
                           "reasons": {}}
    for kind, rs in by_kind.items():
        out["reasons"][kind] = dict(Counter(r.reason or ("live" if r.live else "unfinished")
                                            for r in rs))
        if kind == LIVE:
            out["bpcer"] = sum(1 for r in rs if r.live is not True) / len(rs)
            passed = [r.stats.get("passed_at_s") for r in rs if r.live]
            out["liveness_seconds_median"] = float(np.median(passed)) if passed else None
        else:
            out["apcer"][kind] = sum(1 for r in rs if r.live is True) / len(rs)
    feeds = [r.feed_ms for r in results if r.feed_ms > 0]
    out["eval_feed_ms_median"] = float(np.median(feeds)) if feeds else None
    return out


def format_table(summary: dict[str, Any]) -> str:
    lines = [f"{'kind':<16}{'n':>5}  {'error':>10}  reasons", "-" * 64]
    for kind, n in summary["n"].items():
        if kind == LIVE:
            err = f"BPCER {100 * summary['bpcer']:.1f}%"
        else:
            err = f"APCER {100 * summary['apcer'][kind]:.1f}%"
        reasons = ", ".join(f"{k}:{v}" for k, v in sorted(summary["reasons"][kind].items()))
        lines.append(f"{kind:<16}{n:>5}  {err:>12}  {reasons}")
    return "\n".join(lines)
