"""Kiosk keys and member-app tokens: issued once, stored as hashes.

A kiosk key is the kiosk's own credential for ``/v1``; a member token is the
member app's for ``POST /v1/member/pass``. Both are 256 random bits, so one
SHA-256 (``backend.guard.hash_key``) keeps them out of the database in
usable form; neither is ever printed again after it is issued.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from backend.db import Database
from backend.guard import hash_key
from backend.models import Kiosk, Member, Tower


class CredentialError(ValueError):
    """An operator asked for something the database cannot do."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def add_kiosk(db: Database, kiosk_id: str, tower_id: str, now: float) -> str:
    key = new_secret()
    with db.write() as s:
        if s.get(Tower, tower_id) is None:
            raise CredentialError(f"no tower {tower_id!r}")
        if s.get(Kiosk, kiosk_id) is not None:
            raise CredentialError(f"kiosk {kiosk_id!r} exists; rotate its key instead")
        s.add(Kiosk(id=kiosk_id, tower_id=tower_id, key_hash=hash_key(key), created_at=now))
    return key


def rotate_kiosk(db: Database, kiosk_id: str, now: float) -> str:
    """A new key; the old one stops working. Also lifts a revocation."""
    key = new_secret()
    with db.write() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise CredentialError(f"no kiosk {kiosk_id!r}")
        kiosk.key_hash, kiosk.rotated_at, kiosk.revoked_at = hash_key(key), now, None
    return key


def revoke_kiosk(db: Database, kiosk_id: str, now: float) -> None:
    with db.write() as s:
        kiosk = s.get(Kiosk, kiosk_id)
        if kiosk is None:
            raise CredentialError(f"no kiosk {kiosk_id!r}")
        # The hash is replaced too, so no cached copy of it can match again.
        kiosk.revoked_at, kiosk.key_hash = now, hash_key(new_secret())


def list_kiosks(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.execute(select(Kiosk.id, Kiosk.tower_id, Kiosk.created_at, Kiosk.rotated_at,
                                Kiosk.revoked_at, Kiosk.last_seen_at).order_by(Kiosk.id))
        return [{"kiosk": r[0], "tower": r[1], "created_at": r[2], "rotated_at": r[3],
                 "revoked": r[4] is not None, "last_seen_at": r[5]} for r in rows]


def new_member_token(db: Database, member_id: str) -> str:
    """A new member-app token for an active member; the previous one stops working."""
    token = new_secret()
    set_member_token(db, member_id, token)
    return token


def set_member_token(db: Database, member_id: str, token: str) -> None:
    with db.write() as s:
        member = s.get(Member, member_id)
        if member is None or not member.active:
            raise CredentialError("no active member with that id")
        member.token_hash = hash_key(token)
