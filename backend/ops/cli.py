"""``kiosk-backend operator ...``: accounts of the operations console (/ops).

    kiosk-backend operator add alice      # the password asked twice (or one line of stdin)
    kiosk-backend operator list           # one JSON line per account (never a hash)
    kiosk-backend operator remove alice   # deactivated at once; their sessions end
    kiosk-backend operator unlock alice   # clears a password lockout

A password is 12-128 printable characters and is never taken from the
command line (shell history, process list). Names are case-insensitive
(stored lowercase): 1-32 letters, digits, '.', '_' or '-'.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable

from backend.db import Database
from backend.ops.accounts import (
    OpsAdminError,
    add_operator,
    list_operators,
    normal_name,
    remove_operator,
    unlock_operator,
)
from common.pins import read_secret

NAME_RE = re.compile(r"[a-z0-9._-]{1,32}")


def add_parsers(sub: argparse._SubParsersAction,
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    p = sub.add_parser("operator", help="accounts of the operations console (/ops)")
    osub = p.add_subparsers(dest="action", required=True)
    with_db(osub.add_parser("add", help="a new account; the password is asked for (or "
                                        "read from stdin)")).add_argument("name")
    with_db(osub.add_parser("list", help="accounts, one JSON line each"))
    with_db(osub.add_parser("remove", help="deactivate an account and end its "
                                           "sessions")).add_argument("name")
    with_db(osub.add_parser("unlock", help="clear an account's password lockout")
            ).add_argument("name")


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk-backend operator: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace, db: Database) -> int:
    now = time.time()
    if args.action == "list":
        for row in list_operators(db, now):
            print(json.dumps(row))
        return 0
    name = normal_name(args.name)
    if not NAME_RE.fullmatch(name):
        return _fail("a name is 1-32 letters, digits, '.', '_' or '-'", 2)
    try:
        if args.action == "add":
            try:
                password = read_secret("Password (12-128 characters): ")
            except (EOFError, KeyboardInterrupt):
                return _fail("no password given", 2)
            if password is None:
                return _fail("the two passwords differ", 2)
            add_operator(db, name, password, now)
            print(json.dumps({"operator": name, "added": True}))
        elif args.action == "remove":
            print(json.dumps({"operator": name, "removed": True,
                              "sessions_ended": remove_operator(db, name, now)}))
        else:
            unlock_operator(db, name, now)
            print(json.dumps({"operator": name, "unlocked": True}))
    except OpsAdminError as exc:
        return _fail(str(exc), 2 if args.action == "add" else 1)
    return 0
