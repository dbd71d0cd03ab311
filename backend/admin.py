"""``kiosk-backend`` operator tools that act on the database directly.

    kiosk-backend kiosk add K7 --tower T1     # prints the new key, once
    kiosk-backend kiosk rotate K7             # a new key; the old one stops working
    kiosk-backend kiosk revoke K7             # no key of K7 works any more
    kiosk-backend kiosk list
    kiosk-backend member token demo-ok        # a new member-app token, printed once
    kiosk-backend enroll MEMBER_ID PHOTO
    kiosk-backend issue-pass MEMBER_ID [--tower T]

Keys and tokens are printed once and stored only as SHA-256 hashes. A
running service notices a rotation or revocation within its credential
cache's lifetime (``backend.guard.CACHE_TTL_S``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from typing import Any

from backend.db import redact_url

TOOLS = ("kiosk", "member", "staff", "operator", "enroll", "issue-pass")
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-backend", description="Operator tools")
    sub = p.add_subparsers(dest="tool", required=True)
    default_db = os.environ.get("KIOSK_BACKEND_DB", "sqlite:///backend.db")

    def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--db", default=default_db, help="database URL (as for serving)")
        return parser

    k = sub.add_parser("kiosk", help="issue, rotate, revoke and list kiosk keys")
    ksub = k.add_subparsers(dest="action", required=True)
    add = with_db(ksub.add_parser("add", help="a new kiosk; prints its key once"))
    add.add_argument("kiosk_id")
    add.add_argument("--tower", required=True)
    with_db(ksub.add_parser("rotate", help="a new key for a kiosk")).add_argument("kiosk_id")
    with_db(ksub.add_parser("revoke", help="refuse every key of a kiosk")).add_argument(
        "kiosk_id")
    with_db(ksub.add_parser("list", help="kiosks, their tower and key state"))

    m = sub.add_parser("member", help="member-app credentials")
    msub = m.add_subparsers(dest="action", required=True)
    with_db(msub.add_parser("token", help="a new member-app token (replaces the old)")
            ).add_argument("member_id")

    e = with_db(sub.add_parser("enroll", help="store a member's face template from a photo"))
    e.add_argument("member_id")
    e.add_argument("photo", help="a photo with the member's face alone (JPEG or PNG)")
    i = with_db(sub.add_parser("issue-pass", help="print a fresh member pass (last line)"))
    i.add_argument("member_id")
    i.add_argument("--tower", default="T1")
    from backend import staff_admin

    staff_admin.add_parsers(sub, with_db)
    from backend.ops import cli as operator_cli

    operator_cli.add_parsers(sub, with_db)
    return p


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _fail(tool: str, message: str) -> int:
    print(f"kiosk-backend {tool}: {message}", file=sys.stderr)
    return 1


def kiosk_tool(args: argparse.Namespace, service: Any) -> int:
    from backend import credentials

    db, now = service.db, service.now()
    try:
        if args.action == "list":
            for row in credentials.list_kiosks(db):
                _print(row)
            return 0
        if not _ID_RE.fullmatch(args.kiosk_id):
            return _fail("kiosk", "a kiosk id is 1-32 letters, digits, '-' or '_'")
        if args.action == "add":
            key = credentials.add_kiosk(db, args.kiosk_id, args.tower, now)
        elif args.action == "rotate":
            key = credentials.rotate_kiosk(db, args.kiosk_id, now)
        else:
            credentials.revoke_kiosk(db, args.kiosk_id, now)
            _print({"kiosk": args.kiosk_id, "revoked": True})
            return 0
    except credentials.CredentialError as exc:
        return _fail("kiosk", str(exc))
    # The only time the key is shown: it is stored as a hash.
    _print({"kiosk": args.kiosk_id, "key": key})
    return 0


def member_tool(args: argparse.Namespace, service: Any) -> int:
    from backend import credentials

    try:
        token = credentials.new_member_token(service.db, args.member_id)
    except credentials.CredentialError as exc:
        return _fail("member", str(exc))
    from common.errors import short_id

    _print({"member": short_id(args.member_id), "token": token})
    return 0


def _enroll(args: argparse.Namespace, service: Any) -> int:
    from backend.enroll import EnrolError, enroll, template_from_file
    from common.errors import short_id

    try:
        template = template_from_file(args.photo)
        enroll(service.db, args.member_id, template)
    except EnrolError as exc:
        return _fail("enroll", str(exc))
    _print({"enrolled": short_id(args.member_id), "dims": len(template)})
    return 0


def _issue_pass(args: argparse.Namespace, service: Any) -> int:
    issued = service.current_pass(args.member_id, args.tower)
    if issued is None:
        return _fail("issue-pass", "no such member or tower")
    _print({"tower": issued.tower_id, "expires_at": issued.expires_at})
    print(issued.text)
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level="WARNING", stream=sys.stderr)
    from common.redact import install

    install()  # the tools print keys once, on stdout; never in a log record
    from backend.enroll import open_service

    try:
        service = open_service(args.db)
    except Exception as exc:  # noqa: BLE001 - one clear line for the operator
        print(f"kiosk-backend: database {redact_url(args.db)}: {exc}", file=sys.stderr)
        return 2
    try:
        if args.tool == "kiosk":
            return kiosk_tool(args, service)
        if args.tool == "member":
            return member_tool(args, service)
        if args.tool == "enroll":
            return _enroll(args, service)
        if args.tool == "issue-pass":
            return _issue_pass(args, service)
        if args.tool == "operator":
            from backend.ops import cli as operator_cli

            return operator_cli.run(args, service.db)
        from backend import staff_admin

        return staff_admin.run(args, service.db)
    finally:
        service.db.dispose()

