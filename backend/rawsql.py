"""Plain DBAPI statements inside a Session's own transaction, for the hot path.

Every contender for a car runs about eight statements (idempotency record,
session, expired holds, its own holds, candidates, record insert). Through
``Session.execute(text(...))`` each costs ~27 µs of Python before SQLite does
anything; on the DBAPI cursor the same SELECT costs 1.5 µs (measured on this
machine). The statements stay in the Session's transaction, so ORM code in
the same ``Database.write()`` sees them and commits or rolls back with them.

Statements are written with ``:name`` parameters (sqlite3's named style) and
rewritten once to ``%(name)s`` for drivers that use pyformat (psycopg).
DBAPI errors are re-raised as SQLAlchemy's (``IntegrityError``,
``OperationalError``...), which is what the callers' retry logic catches.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def to_pyformat(sql: str) -> str:
    """``WHERE id = :id`` -> ``WHERE id = %(id)s`` (literal ``%`` doubled)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


def json_value(value: Any) -> Any:
    """A JSON column as the driver returns it: SQLite gives the text, psycopg
    the decoded value."""
    return json.loads(value) if isinstance(value, str | bytes) else value


class Raw:
    """Statements on a DBAPI connection that is inside a transaction:
    ``Raw.of(session)`` for a ``Database.write()``/``read()`` session, or what
    ``Database.write_raw()`` yields."""

    __slots__ = ("_conn", "_dialect", "_pyformat", "for_update")

    def __init__(self, dbapi_connection: Any, dialect: Dialect) -> None:
        self._conn = dbapi_connection
        self._dialect = dialect
        self._pyformat = dialect.paramstyle == "pyformat"
        # Appended to a SELECT that must lock its rows; SQLite has no row locks
        # (its write transactions exclude each other) and no such syntax.
        self.for_update = "" if dialect.name == "sqlite" else " FOR UPDATE"

    @classmethod
    def of(cls, s: Session) -> Raw:
        """The transaction ``s`` is in (begun by ``Database``)."""
        conn = s.connection()
        return cls(conn.connection.dbapi_connection, conn.dialect)

    def _execute(self, sql: str, params: Mapping[str, Any]) -> Any:
        cur = self._conn.cursor()
        try:
            cur.execute(to_pyformat(sql) if self._pyformat else sql, params)
        except self._dialect.loaded_dbapi.Error as exc:
            cur.close()
            raise DBAPIError.instance(sql, dict(params), exc,
                                      self._dialect.loaded_dbapi.Error,
                                      hide_parameters=True,  # may hold answers
                                      dialect=self._dialect) from exc
        return cur

    def one(self, sql: str, params: Mapping[str, Any]) -> tuple | None:
        """The first row, or None."""
        cur = self._execute(sql, params)
        try:
            return cur.fetchone()
        finally:
            cur.close()

    def all(self, sql: str, params: Mapping[str, Any]) -> list[tuple]:
        cur = self._execute(sql, params)
        try:
            return cur.fetchall()
        finally:
            cur.close()

    def run(self, sql: str, params: Mapping[str, Any]) -> int:
        """An INSERT/UPDATE/DELETE; returns the row count."""
        cur = self._execute(sql, params)
        try:
            return cur.rowcount
        finally:
            cur.close()
