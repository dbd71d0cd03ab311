"""The ``kiosk`` console script.

Each sub-command lives in its own module under ``cli/commands/`` and is
imported only when named, so ``kiosk lift status`` never pays for loading Qt,
mediapipe or dlib. A command module exposes ``register(subparsers)`` which adds
its parser and sets ``func(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> module under cli.commands (kept sorted for --help).
COMMANDS: dict[str, str] = {
    "audit-ui": "audit_ui",
    "autopilot": "autopilot",
    "bench": "bench",
    "check-liveness": "vision",
    "decode-qr": "qr",
    "journey": "journey",
    "lift": "lift",
    "liftsim": "children",
    "run": "run",
    "self-test": "selftest",
    "serve-backend": "children",
    "soak": "soak",
    "staff-hash": "staff",
    "verify-face": "vision",
}


PASSTHROUGH = {
    "serve-backend": lambda mod, rest: mod.run_backend(rest),
    "liftsim": lambda mod, rest: mod.run_liftsim(rest),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Tower lobby kiosk")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    seen: set[str] = set()
    for name, module in COMMANDS.items():
        if name in sub.choices:
            continue  # registered by its module together with a sibling command
        if only is not None and module != COMMANDS[only]:
            # Register a placeholder so --help lists every command cheaply.
            sub.add_parser(name)
            continue
        if module in seen:
            continue
        seen.add(module)
        try:
            mod = importlib.import_module(f"cli.commands.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cli.commands.{module}":
                raise
            sub.add_parser(name, help="(not available in this build)")
            continue
        mod.register(sub)
    return parser


def _innermost(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The parser of the deepest sub-command named in ``argv`` (``kiosk bench qr``'s)."""
    for token in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and token in subs[0].choices:
            parser = subs[0].choices[token]
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASSTHROUGH:
        # Child processes take their own options verbatim (argparse's
        # REMAINDER cannot capture leading "--flags").
        from cli.commands import children

        return PASSTHROUGH[argv[0]](children, argv[1:])
    only = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(only)
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Said by the command's own parser, with its own usage: the top-level
        # one would print "usage: kiosk COMMAND ..." for a typo in `kiosk run`.
        _innermost(parser, argv).error(f"unrecognized arguments: {' '.join(extra)}")
    func = getattr(args, "func", None)
    if func is None:
        parser.error(f"command {args.command!r} is not available in this build")
    return int(func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
