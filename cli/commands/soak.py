"""``kiosk soak``: one kiosk process through many journeys (and faults); JSON report last."""

from __future__ import annotations

import argparse
import json
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("soak", help="endurance: N journeys in one kiosk process, with "
                       "faults; JSON report last")
    p.add_argument("--journeys", type=int, default=60)
    p.add_argument("--faults", action="store_true", help="strike faults at random points")
    p.add_argument("--only-fault", metavar="NAME",
                   help="strike only this fault, on every other journey it fits "
                   "(backend-kill, backend-slow, lift-kill, lift-noise, estop, "
                   "camera-unplug, kiosk-kill)")
    p.add_argument("--skip-fault", metavar="NAME", action="append", default=[],
                   help="leave this fault out of --faults' mix (repeatable); "
                   "--skip-fault kiosk-kill keeps one kiosk process for the whole run")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", metavar="DIR", help="keep logs, databases and the moves "
                   "log here (default: a temporary folder, removed)")
    p.add_argument("--worker", metavar="CONFIG", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.logs import setup_logging

    if args.worker:
        setup_logging(None, os.environ.get("KIOSK_LOG_LEVEL", "WARNING"))
        from ui.soak.worker import run_worker

        return run_worker(args.worker)
    setup_logging(None, os.environ.get("KIOSK_SOAK_LOG_LEVEL", "INFO"))
    from ui.soak.plan import FAULTS
    from ui.soak.supervisor import run_soak

    for name in filter(None, [args.only_fault, *args.skip_fault]):
        if name not in FAULTS:
            print(json.dumps({"error": f"unknown fault {name!r}"}))
            return 2
    report = run_soak(args.journeys, args.faults or bool(args.only_fault), args.seed,
                      args.workdir, args.only_fault, args.skip_fault)
    print(json.dumps(report))
    if report.get("interrupted"):
        return 143 if report["interrupted"] == "SIGTERM" else 130  # 128 + the signal
    bad = report["unexpected"] or report["stuck"] or report["lost_jobs"] or report["double_moves"]
    return 1 if bad else 0
