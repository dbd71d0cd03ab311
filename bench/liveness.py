"""``kiosk bench liveness``: APCER per attack kind, BPCER, time to pass, vision fps.

Runs the generated evaluation set of ``bench.evaluation`` (live synthetic
members and four attack kinds, several photos and variants), prints the
table, and returns the figures as a dict (the dispatcher prints it as JSON,
the last line). ``--quick`` uses 10 sequences per kind instead of 50.

``--path backend`` (the default) sends every sequence through the real
service as a kiosk's selfie (``bench.liveness_backend``): the backend
decides. ``--path local`` runs the method alone in simulated time.

The fps figure is wall-clock ``LivenessSession.feed`` on 1280x720 frames,
median of 3 runs; ``seconds_to_pass`` is the median simulated liveness time
of the passing live members plus the measured embedding time.

``--load N[,N...]`` runs the selfies in real time instead, beside N busy
processes (``bench.liveness_realtime``): the member played at real-time
pace in a camera process, the kiosk's own selfie step guiding and streaming,
on either path; it adds frames analysed per second, guidance lag and time to
decision per load (20 live and 5 per attack kind by default; ``--quick``
10 and 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected WxH, e.g. 640x360") from None
    if not (160 <= w <= 3840 and 90 <= h <= 2160):
        raise argparse.ArgumentTypeError("size out of range")
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="10 sequences per kind")
    parser.add_argument("--live", type=int, default=None, help="live sequences (default 50)")
    parser.add_argument("--attacks", type=int, default=None,
                        help="sequences per attack kind (default 50)")
    parser.add_argument("--size", type=_size, default=(640, 360),
                        help="evaluation frame size (default 640x360)")
    parser.add_argument("--fps", type=float, default=25.0, help="simulated camera fps")
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--no-shared", action="store_true",
                        help="astronaut only (ignore ../shared/faces)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=None,
                        help="comma-separated subset: live,still_photo,tilted_photo,"
                             "bordered_print,replay (default all)")
    parser.add_argument("--speed-frames", type=int, default=60,
                        help="1280x720 frames per fps run (3 runs, median)")
    parser.add_argument("--path", choices=("backend", "local"), default="backend",
                        help="backend (default): each selfie opened, streamed at capture "
                             "pace and judged by the real service, as in production; "
                             "local: LivenessSession in simulated time (the method alone)")
    parser.add_argument("--streams", type=int, default=3,
                        help="backend path: selfies in flight at once (default 3)")
    parser.add_argument("--load", type=_loads, default=None, metavar="N[,N...]",
                        help="real time, one selfie at a time, beside N busy processes "
                             "(while True: pass), for each N given: e.g. --load 0,1,2")
    parser.add_argument("--runs", type=int, default=1,
                        help="with --load: the set this many times per load (errors pooled, "
                             "each run's figures listed)")


def _loads(text: str) -> list[int]:
    try:
        loads = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected numbers of busy processes, e.g. 0,1,2") \
            from None
    if not loads or any(not 0 <= n <= 16 for n in loads):
        raise argparse.ArgumentTypeError("between 0 and 16 busy processes")
    return loads


def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench import evaluation as ev

    realtime = getattr(args, "load", None) is not None
    n_default = (10 if args.quick else 50) if not realtime else (10 if args.quick else 20)
    n_live = args.live if args.live is not None else n_default
    n_attack = args.attacks if args.attacks is not None else (
        n_default if not realtime else (2 if args.quick else 5))
    t0 = time.perf_counter()
    kinds = None
    if args.kinds:
        kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
        unknown = set(kinds) - {ev.LIVE, *(k.value for k in ev.AttackKind)}
        if unknown:
            raise SystemExit(f"unknown kinds: {', '.join(sorted(unknown))}")
    if realtime:
        from bench import liveness_realtime as rt

        out = rt.run_loads(args.load, n_live, n_attack, path=args.path, seed=args.seed,
                           include_shared=not args.no_shared, kinds=kinds,
                           runs=max(1, args.runs))
        print(rt.format_table(out))
        sys.stdout.flush()
        return out
    if args.path == "backend":
        return _run_backend(args, n_live, n_attack, kinds)
    results = ev.evaluate(n_live, n_attack, size=args.size, fps=args.fps,
                          include_shared=not args.no_shared, seed=args.seed, kinds=kinds,
                          workers=max(1, args.workers))
    eval_s = time.perf_counter() - t0
    summary = ev.summarise(results)
    speed = ev.measure_fps(frames=max(5, args.speed_frames))
    embed_s = ev.measure_embedding()
    live_s = summary.get("liveness_seconds_median")
    members = sorted({r.member for r in results})
    print(ev.format_table(summary))
    print(f"members: {len(members)} variants of "
          f"{len({m.split('-')[0] for m in members})} photos; frames {args.size[0]}x"
          f"{args.size[1]} at {args.fps:g} fps (simulated time); {eval_s:.0f} s wall")
    print(f"vision {speed['vision_fps']:.1f} fps (1280x720 feed), "
          f"{speed['vision_fps_with_demo_camera']:.1f} fps while a demo camera renders "
          f"at 25 fps; synthetic render "
          f"{speed['synth_ms_per_frame']:.1f} ms/frame; embedding {1000 * embed_s:.0f} ms; "
          f"liveness median {live_s if live_s is None else round(live_s, 2)} s")
    sys.stdout.flush()
    return {
        "apcer": summary["apcer"],
        "bpcer": summary.get("bpcer"),
        "fps": round(speed["vision_fps"], 1),
        "fps_with_demo_camera": round(speed["vision_fps_with_demo_camera"], 1),
        "seconds_to_pass": None if live_s is None else round(live_s + embed_s, 2),
        "liveness_seconds_median": None if live_s is None else round(live_s, 2),
        "embedding_ms": round(1000 * embed_s, 1),
        "synth_ms_per_frame": round(speed["synth_ms_per_frame"], 1),
        "n": summary["n"],
        "reasons": summary["reasons"],
        "photos": len({m.split("-")[0] for m in members}),
        "size": f"{args.size[0]}x{args.size[1]}",
        "eval_wall_s": round(eval_s, 1),
    }


def _run_backend(args: argparse.Namespace, n_live: int, n_attack: int,
                 kinds: tuple[str, ...] | None) -> dict[str, Any]:
    from bench.liveness_backend import run_backend_path

    out = run_backend_path(n_live, n_attack, size=args.size, include_shared=not args.no_shared,
                           seed=args.seed, kinds=kinds, streams=max(1, args.streams))
    for kind, n in out["n"].items():
        err = (f"BPCER {100 * out['bpcer']:.1f}%" if kind == "live"
               else f"APCER {100 * out['apcer'][kind]:.1f}%")
        reasons = ", ".join(f"{k}:{v}" for k, v in sorted(out["reasons"][kind].items()))
        print(f"{kind:<16}{n:>5}  {err:>12}  {reasons}")
    print(f"judged by the backend: decision {out['decision_s_median']} s after the last frame "
          f"(median; {out['decision_s_median_live']} s for a live one, with the embedding), upload {out['upload_bytes_median_live']} bytes per live selfie "
          f"(median), live refused at verify {out['live_refused_at_verify']}; "
          f"{out['eval_wall_s']:.0f} s wall")
    sys.stdout.flush()
    return out
