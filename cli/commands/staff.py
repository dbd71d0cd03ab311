"""``kiosk staff-hash [PIN]``: print the scrypt hash of a staff PIN for the config.

These are the kiosk's offline PINs, checked only when the backend cannot be
asked (local work only); staff accounts for online logins are the backend's
(``kiosk-backend staff add NAME``).

    [staff]
    pin_hash = "scrypt$16384$8$1$..."     # a shared PIN, audited as "staff"

    [staff.pins]                           # or one per person, audited by name
    alice = "scrypt$16384$8$1$..."

Without ``PIN`` it asks twice without echo at a terminal (a PIN on the
command line lands in the shell history), or reads one line from a pipe. Exit 0 with the hash on stdout; 2 if the PIN is not 6 to
12 digits or the two entries differ.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("staff-hash", help="print the hash of a staff PIN for the [staff] config")
    p.add_argument("pin", nargs="?", help="the PIN (default: ask without echo)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from common.errors import StaffError
    from common.pins import read_pin
    from kiosk.staff.gate import hash_pin

    pin = args.pin
    if pin is None:
        try:
            # One line from a pipe: asking a pipe twice read the next line as
            # "Again" (#15), so `echo 246813 | kiosk staff-hash` failed.
            pin = read_pin()
        except (EOFError, KeyboardInterrupt):
            pin = ""
        if pin is None:
            print("the two PINs differ", file=sys.stderr)
            return 2
        if not pin:
            print("no PIN given", file=sys.stderr)
            return 2
    try:
        print(hash_pin(pin.strip()))
    except StaffError as err:
        print(str(err), file=sys.stderr)
        return 2
    return 0
