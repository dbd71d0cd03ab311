"""``kiosk-backend operator ...``: accounts of the operations console (/ops).

    kiosk-backend operator add alice      # the password asked twice (or one line of stdin)
    kiosk-backend operator list           # one JSON line per account (never a hash)
    kiosk-backend operator remove alice   # deactivated at once; their sessions end
    kiosk-backend operator unlock alice   # clears a password lockout

A password is 12-128 printable characters and is never taken from the
command line (shell history, process list). Names are case-insensitive
(stored lowercase): 1-32 letters, digits, '.', '_' or '-'. The commands are
``backend.account_cli``'s, as for staff.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from backend.account_cli import AccountTool
from backend.account_cli import add_parsers as _add_parsers
from backend.account_cli import run as _run
from backend.db import Database
from backend.ops.accounts import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    OpsAdminError,
    PasswordRefused,
    add_operator,
    list_operators,
    remove_operator,
    unlock_operator,
)

OPERATOR = AccountTool(
    tool="operator", help="accounts of the operations console (/ops)", secret="password",
    prompt=f"Password ({MIN_PASSWORD}-{MAX_PASSWORD} characters): ", add=add_operator,
    listing=list_operators, remove=remove_operator, unlock=unlock_operator,
    bad_secret=(PasswordRefused,), refused=(OpsAdminError,))


def add_parsers(sub: argparse._SubParsersAction,
                with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    _add_parsers(sub, OPERATOR, with_db)


def run(args: argparse.Namespace, db: Database) -> int:
    return _run(args, db, OPERATOR)
