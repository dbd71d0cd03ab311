"""``kiosk bench NAME``: speed figures, median of several runs, JSON last line.

Each benchmark is a module ``kiosk.bench.<name>`` with
``add_arguments(parser)`` (optional) and ``run(args) -> dict``.
"""

from __future__ import annotations

import argparse
import importlib
import json

BENCHES = ("backend", "lift", "qr", "liveness", "startup")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure speed; prints JSON as the last line")
    names = p.add_subparsers(dest="bench", metavar="NAME")
    names.required = True
    for name in BENCHES:
        bp = names.add_parser(name)
        try:
            mod = importlib.import_module(f"kiosk.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"kiosk.bench.{name}":
                raise
            bp.set_defaults(func=_missing(name))
            continue
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
