"""``kiosk autopilot``: drive a whole journey offscreen through the demo parts.

The entry point wires what the scenario needs (the demo stack, the kiosk, the
window) and picks its driver: ui/autopilot.py plays a member, ui/staff/tour.py
(an ``Autopilot`` too) plays a member of staff.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any


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
        print(main_json({"scenario": args.scenario, "outcome": "unknown_scenario",
                         "screens": [], "seconds": 0}))
        return 2
    summary = run_scenario(args.scenario, args.screenshots, args.language)
    print(main_json(summary))
    return 0 if summary.get("ok") else 1


def run_scenario(scenario_name: str, screenshots: str | None,
                 language: str = "en") -> dict[str, Any]:
    """Run one scenario end to end and return its summary."""
    from kiosk.app import Kiosk
    from kiosk.tasks import TaskRunner
    from kiosk.wiring import build_services
    from sim.demo import DemoStack
    from ui.app import create_app, make_poster
    from ui.autopilot import SCENARIOS, Autopilot
    from ui.staff.tour import StaffTour

    scenario = SCENARIOS[scenario_name]
    shots = Path(screenshots) if screenshots else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    with DemoStack(sim_args=scenario.sim_args) as stack, \
            build_services(None, demo_stack=stack) as services:
        poster = make_poster()
        runner = TaskRunner(poster)
        kiosk = Kiosk(services, runner)
        app, window = create_app(kiosk, windowed=True, language=language)
        kiosk.start_up()
        kiosk.warm_up()

        def finish(summary: dict[str, Any]) -> None:
            result.update(summary)
            app.quit()

        pilot_cls = StaffTour if scenario.extra.get("driver") == "staff" else Autopilot
        pilot = pilot_cls(scenario, kiosk, window, stack, shots, finish)
        pilot.begin()
        try:
            app.exec()
        finally:
            window.shutdown()
            window.close()
            kiosk.shutdown()
    return result


def main_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, ensure_ascii=False)
