"""The account commands shared by ``kiosk-backend staff`` and ``kiosk-backend
operator``: add (the secret asked twice at a terminal, or one line of
stdin; never from the command line), list (one JSON line each, never a
hash), remove (deactivated at once, sessions end) and unlock.

Exit codes: 0 done; 2 a bad name or secret (nothing written); 1 the
account's state refused it (exists already, no such account)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.db import Database
from common.pins import read_secret

NAME_RE = re.compile(r"[a-z0-9._-]{1,32}")


@dataclass(frozen=True)
class AccountTool:
    tool: str  # the subcommand and the JSON key: "staff", "operator"
    help: str
    secret: str  # "PIN", "password"
    prompt: str  # asked at a terminal
    add: Callable[[Database, str, str, float], Any]
    listing: Callable[[Database, float], list[dict[str, Any]]]
    remove: Callable[[Database, str, float], int]
    unlock: Callable[[Database, str, float], None]
    bad_secret: tuple[type[Exception], ...]  # add refused the secret: exit 2
    refused: tuple[type[Exception], ...]  # the account's state refused it: exit 1


def add_parsers(sub: argparse._SubParsersAction, spec: AccountTool,
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    p = sub.add_parser(spec.tool, help=spec.help)
    asub = p.add_subparsers(dest="action", required=True)
    with_db(asub.add_parser("add", help=f"a new account; the {spec.secret} is asked for (or "
                                        "read from stdin)")).add_argument("name")
    with_db(asub.add_parser("list", help="accounts, one JSON line each"))
    with_db(asub.add_parser("remove", help="deactivate an account and end its "
                                           "sessions")).add_argument("name")
    with_db(asub.add_parser("unlock", help=f"clear an account's {spec.secret} lockout")
            ).add_argument("name")


def run(args: argparse.Namespace, db: Database, spec: AccountTool) -> int:
    def out(obj: dict[str, Any]) -> None:
        print(json.dumps(obj, ensure_ascii=False))

    def fail(message: str, code: int) -> int:
        print(f"kiosk-backend {spec.tool}: {message}", file=sys.stderr)
        return code

    now = time.time()
    if args.action == "list":
        for row in spec.listing(db, now):
            out(row)
        return 0
    name = args.name.strip().lower()
    if not NAME_RE.fullmatch(name):
        return fail("a name is 1-32 letters, digits, '.', '_' or '-'", 2)
    try:
        if args.action == "add":
            try:
                secret = read_secret(spec.prompt)
            except (EOFError, KeyboardInterrupt):
                return fail(f"no {spec.secret} given", 2)
            if secret is None:
                return fail(f"the two {spec.secret}s differ", 2)
            spec.add(db, name, secret, now)
            out({spec.tool: name, "added": True})
        elif args.action == "remove":
            out({spec.tool: name, "removed": True, "sessions_ended": spec.remove(db, name, now)})
        else:
            spec.unlock(db, name, now)
            out({spec.tool: name, "unlocked": True})
    except spec.bad_secret as exc:
        return fail(str(exc), 2)
    except spec.refused as exc:
        return fail(str(exc), 1)
    return 0
