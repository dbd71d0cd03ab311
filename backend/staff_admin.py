"""``kiosk-backend staff ...``: staff accounts, on the database directly.

    kiosk-backend staff add alice       # asks for the PIN twice (or reads one line from stdin)
    kiosk-backend staff list            # one JSON line per account
    kiosk-backend staff remove alice    # deactivated at once; their sessions end
    kiosk-backend staff unlock alice    # clears a PIN lockout

A PIN is 6 to 12 digits and is never taken from the command line (it would
land in the shell history and the process list). Names are case-insensitive
(stored lowercase): 1-32 letters, digits, '.', '_' or '-'. The commands are
``backend.account_cli``'s, as for operators.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from backend.account_cli import NAME_RE, AccountTool
from backend.account_cli import add_parsers as _add_parsers
from backend.account_cli import run as _run
from backend.db import Database
from backend.staff_service import (
    StaffAdminError,
    add_staff,
    list_staff,
    remove_staff,
    unlock_staff,
)
from common.errors import StaffError

__all__ = ["NAME_RE", "STAFF", "add_parsers", "run"]

STAFF = AccountTool(
    tool="staff", help="staff accounts: their PINs open staff sessions", secret="PIN",
    prompt="PIN (6-12 digits): ", add=add_staff, listing=list_staff, remove=remove_staff,
    unlock=unlock_staff,
    bad_secret=(StaffError,), refused=(StaffAdminError,))


def add_parsers(sub: argparse._SubParsersAction,
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    _add_parsers(sub, STAFF, with_db)


def run(args: argparse.Namespace, db: Database) -> int:
    return _run(args, db, STAFF)
