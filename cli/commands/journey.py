"""``kiosk journey [--dot | --mermaid]``: the member journey's state machine.

Read off kiosk/journey.py's own transition function (kiosk/journey_graph.py),
never drawn by hand: one line per move by default, Graphviz DOT with
``--dot`` (``kiosk journey --dot | dot -Tsvg > journey.svg``), a Mermaid state
diagram with ``--mermaid`` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("journey", help="print the journey state machine (--dot: Graphviz)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--dot", action="store_true", help="Graphviz DOT")
    form.add_argument("--mermaid", action="store_true", help="a Mermaid state diagram")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk import journey_graph

    if args.dot:
        print(journey_graph.to_dot(), end="")
    elif args.mermaid:
        print(journey_graph.to_mermaid(), end="")
    else:
        print(journey_graph.to_text(), end="")
    return 0
