"""``kiosk serve-backend ...`` and ``kiosk liftsim ...``: the demo's child processes.

They exist so demo mode starts its backend and tower simulator the same way
from a source checkout and from the packaged executable (which has no
``python -m``). Arguments pass through unchanged to ``kiosk-backend`` and
``kiosk-liftsim``.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve-backend", help="run the reference backend (same as kiosk-backend)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_backend)
    p = sub.add_parser("liftsim", help="run the tower simulator (same as kiosk-liftsim)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_liftsim)


def run_backend(argv: list[str]) -> int:
    from backend.__main__ import main

    return int(main(argv) or 0)


def run_liftsim(argv: list[str]) -> int:
    from sim.lift.simulator import main

    return int(main(argv) or 0)


def _backend(args: argparse.Namespace) -> int:
    return run_backend(args.args)


def _liftsim(args: argparse.Namespace) -> int:
    return run_liftsim(args.args)
