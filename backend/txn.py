"""State-changing calls run here: one write transaction, one stored answer.

``idempotent(db, kiosk_id, key, fingerprint, op)`` runs ``op(session)`` in a
write transaction and stores its answer (success *or* refusal) under the
kiosk's Idempotency-Key in the same transaction, so a repeat returns exactly
what the first call returned and changes nothing. A refusal raised by ``op``
keeps the changes it made first (e.g. verify releases the reservation, then
refuses); ops raise before they change anything otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from backend.db import Database
from backend.errors import ApiError
from backend.rawsql import Raw

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]{8,128}")
_ATTEMPTS = 3
# DBAPI-level SQL (backend.rawsql): this runs twice on every state-changing call.
_Q_RECORD = ("SELECT fingerprint, status, body FROM idempotency "
             "WHERE kiosk_id = :kiosk AND key = :key")
_I_RECORD = ("INSERT INTO idempotency (kiosk_id, key, fingerprint, status, body, created_at) "
             "VALUES (:kiosk, :key, :fp, :status, :body, :now)")


def fingerprint(method: str, path: str, body: Any) -> str:
    canon = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def check_key(key: str | None) -> str:
    if not key:
        raise ApiError(400, "IDEMPOTENCY_KEY_REQUIRED",
                       "State-changing calls need an Idempotency-Key header.")
    if not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise ApiError(400, "IDEMPOTENCY_KEY_INVALID",
                       "Idempotency-Key must be 8-128 characters of [A-Za-z0-9_.:-].")
    return key


def _stored(rec: tuple, fp: str) -> tuple[int, dict[str, Any]]:
    stored_fp, status, body = rec
    if stored_fp != fp:
        raise ApiError(422, "IDEMPOTENCY_KEY_REUSED",
                       "This Idempotency-Key was used for a different request.")
    return int(status), json.loads(body)


def _record(raw: Raw, kiosk_id: str, key: str, fp: str, now: float, op: Callable[[], Any],
            flush: Callable[[], None] | None = None) -> tuple[int, dict[str, Any]]:
    rec = raw.one(_Q_RECORD, {"kiosk": kiosk_id, "key": key})
    if rec is not None:
        return _stored(rec, fp)
    try:
        status, body = 200, op()
    except ApiError as exc:
        status, body = exc.status, exc.body()
    if flush is not None:
        flush()  # ORM changes first: the record must not outlive them
    raw.run(_I_RECORD, {"kiosk": kiosk_id, "key": key, "fp": fp,
                        "status": status, "body": json.dumps(body), "now": now})
    return status, body


def idempotent(db: Database, kiosk_id: str, key: str, fp: str, now: float,
               op: Callable[[Any], dict[str, Any]],
               raw_op: bool = False) -> tuple[int, dict[str, Any]]:
    """``op(session)``, or ``op(raw)`` with ``raw_op`` (DBAPI-level ops, no ORM:
    ``Database.write_raw``)."""
    for attempt in range(_ATTEMPTS):
        try:
            if raw_op:
                with db.write_raw() as raw:
                    return _record(raw, kiosk_id, key, fp, now, lambda: op(raw))
            with db.write() as s:
                return _record(Raw.of(s), kiosk_id, key, fp, now, lambda: op(s), s.flush)
        except IntegrityError:
            # PostgreSQL: a concurrent request with the same key won the insert
            # (its answer is now stored), or a conflicting write slipped in.
            with db.read() as s:
                rec = Raw.of(s).one(_Q_RECORD, {"kiosk": kiosk_id, "key": key})
                if rec is not None:
                    return _stored(rec, fp)
            log.warning("write conflict, attempt %d", attempt + 1)
        except OperationalError as exc:
            # Deadlock / serialization failure / database briefly away.
            log.warning("database error on attempt %d: %s", attempt + 1, exc.orig)
    raise ApiError(503, "DB_BUSY", "The database is busy; retry with the same key.")
