"""``kiosk bench NAME``: speed figures, median of several runs, JSON last line.

Each benchmark is a module ``bench.<name>`` with
``add_arguments(parser)`` (optional) and ``run(args) -> dict``.
"""

from __future__ import annotations

import argparse
import importlib
import json

BENCHES = ("backend", "fleet", "lift", "qr", "liveness", "startup")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed; prints JSON as the last line",
                       description="Speed figures, median of several runs; the last line "
                                   "is JSON. `kiosk bench NAME --help` for a benchmark's "
                                   "options.")
    # The metavar lists the names: argparse's "NAME" alone named none of them.
    names = p.add_subparsers(dest="bench", title="benchmarks", metavar="{" + ",".join(BENCHES)
                             + "}")
    names.required = True
    for name in BENCHES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            names.add_parser(name, help="(not available in this build)").set_defaults(
                func=_missing(name))
            continue
        summary = (mod.__doc__ or name).strip().splitlines()[0]
        if summary.startswith("``"):
            summary = summary.split(": ", 1)[-1]  # "``kiosk bench qr``: what it does"
        bp = names.add_parser(name, help=summary, description=mod.__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
        if hasattr(mod, "add_arguments"):
            mod.add_arguments(bp)
        bp.set_defaults(func=_runner(mod))


def _runner(mod):
    def func(args: argparse.Namespace) -> int:
        result = mod.run(args)
        print(json.dumps(result, sort_keys=True))
        return 0

    return func


def _missing(name: str):
    def func(args: argparse.Namespace) -> int:
        print(json.dumps({"error": f"benchmark {name!r} is not available in this build"}))
        return 2

    return func
