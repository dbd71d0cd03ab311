"""``kiosk-backend staff ...``: staff accounts, on the database directly.

    kiosk-backend staff add alice       # asks for the PIN twice (or reads one line from stdin)
    kiosk-backend staff list            # one JSON line per account
    kiosk-backend staff remove alice    # deactivated at once; their sessions end
    kiosk-backend staff unlock alice    # clears a PIN lockout

A PIN is 6 to 12 digits and is never taken from the command line (it would
land in the shell history and the process list). Names are case-insensitive
(stored lowercase): 1-32 letters, digits, '.', '_' or '-'.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from backend.db import Database
from backend.staff_service import (
    StaffAdminError,
    add_staff,
    list_staff,
    normal_name,
    remove_staff,
    unlock_staff,
)
from common.errors import StaffError
from common.pins import read_pin

NAME_RE = re.compile(r"[a-z0-9._-]{1,32}")


def add_parsers(sub: argparse._SubParsersAction,
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    p = sub.add_parser("staff", help="staff accounts: their PINs open staff sessions")
    ssub = p.add_subparsers(dest="action", required=True)
    with_db(ssub.add_parser("add", help="a new account; the PIN is asked for (or read "
                                        "from stdin)")).add_argument("name")
    with_db(ssub.add_parser("list", help="accounts, one JSON line each"))
    with_db(ssub.add_parser("remove", help="deactivate an account and end its "
                                           "sessions")).add_argument("name")
    with_db(ssub.add_parser("unlock", help="clear an account's PIN lockout")).add_argument(
        "name")


def _out(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _fail(message: str, code: int = 1) -> int:
    print(f"kiosk-backend staff: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace, db: Database) -> int:
    now = time.time()
    if args.action == "list":
        for row in list_staff(db, now):
            _out(row)
        return 0
    name = normal_name(args.name)
    if not NAME_RE.fullmatch(name):
        return _fail("a name is 1-32 letters, digits, '.', '_' or '-'", 2)
    try:
        if args.action == "add":
            try:
                pin = read_pin()  # common.pins: once from a pipe, twice at a terminal
            except (EOFError, KeyboardInterrupt):
                return _fail("no PIN given", 2)
            if pin is None:
                return _fail("the two PINs differ", 2)
            add_staff(db, name, pin, now)
            _out({"staff": name, "added": True})
        elif args.action == "remove":
            _out({"staff": name, "removed": True, "sessions_ended": remove_staff(db, name, now)})
        else:
            unlock_staff(db, name)
            _out({"staff": name, "unlocked": True})
    except StaffError as exc:
        return _fail(str(exc), 2)
    except StaffAdminError as exc:
        return _fail(str(exc))
    return 0
