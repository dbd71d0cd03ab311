"""``kiosk autopilot``: drive a whole journey offscreen through the demo parts."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("autopilot", help="run a whole journey with no human; JSON summary last")
    p.add_argument("--scenario", default="happy", help="happy (default), bad-pass, "
                   "refused-credit, refused-quota, refused-open-drive, return, buy, "
                   "lift-fault, attack-photo, attack-replay, impostor, staff-tour")
    p.add_argument("--screenshots", metavar="DIR", help="save one PNG per screen here")
    p.add_argument("--language", default="en", choices=("en", "zh_CN"))
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Offscreen unless a display was asked for explicitly.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.logs import setup_logging

    setup_logging(None, os.environ.get("KIOSK_LOG_LEVEL", "WARNING"))
    from ui import autopilot

    if args.list:
        for s in autopilot.SCENARIOS.values():
            print(f"{s.name:20} -> {s.expect:18} {s.description}")
        return 0
    if args.scenario not in autopilot.SCENARIOS:
        print(autopilot.main_json({"scenario": args.scenario, "outcome": "unknown_scenario",
                                   "screens": [], "seconds": 0}))
        return 2
    summary = autopilot.run(args.scenario, args.screenshots, args.language)
    print(autopilot.main_json(summary))
    return 0 if summary.get("ok") else 1
