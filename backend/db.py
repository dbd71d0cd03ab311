"""Engine, transactions and migrations.

Writes are serialised per database so two requests can never both take the
same car:

- SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` (the write
  lock is taken up front, so a read-then-update cannot interleave with another
  writer, even in another process). Inside one process a lock queues writers
  first: SQLite's own busy handler sleeps in steps of up to 100 ms, which
  would dominate the latency under contention.
- PostgreSQL: READ COMMITTED plus conditional UPDATEs checked by rowcount
  (``... WHERE state = 'stored'``) and ``SELECT ... FOR UPDATE`` on the
  member row for per-member rules, so several stateless replicas agree.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from backend.rawsql import Raw

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_SQLITE_BUSY_TIMEOUT_S = 30.0


class Database:
    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._tls = threading.local()
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite database cannot be shared by "
                                 "threads; give a file path (sqlite:///path.db)")
            self.engine: Engine = create_engine(
                url, pool_size=pool_size, max_overflow=20, pool_timeout=30,
                connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
            self._setup_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=20,
                                        pool_pre_ping=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer: Any = None  # SQLite: the pooled connection write_raw keeps

    def _setup_sqlite(self, engine: Engine) -> None:
        tls = self._tls

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own
            # implicit transactions cannot do BEGIN IMMEDIATE).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(_SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if getattr(tls, "immediate", False)
                                 else "BEGIN")

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on error."""
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            self._tls.immediate = True
            try:
                with self._sessions() as s:
                    s.connection()  # BEGIN (IMMEDIATE) now, under the flag
                    self._tls.immediate = False
                    try:
                        yield s
                        s.commit()
                    except BaseException:
                        s.rollback()
                        raise
            finally:
                self._tls.immediate = False
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def write_raw(self) -> Iterator[Raw]:
        """A write transaction with DBAPI-level statements only (no ORM).

        For the hot path (reserve, verify): on SQLite a Session, a pool checkout and
        SQLAlchemy's begin/commit cost ~60 µs per call against ~7 µs for
        BEGIN IMMEDIATE/COMMIT on one connection kept for the purpose (the
        write lock already makes this process's writers take turns).
        PostgreSQL: a ``write()`` session's connection.
        """
        if self._write_lock is None:
            with self.write() as s:
                yield Raw.of(s)
            return
        with self._write_lock:
            if self._writer is None:
                self._writer = self.engine.raw_connection()
            conn = self._writer.dbapi_connection
            raw = Raw(conn, self.engine.dialect)  # its errors are SQLAlchemy's
            raw.run("BEGIN IMMEDIATE", {})
            try:
                yield raw
                raw.run("COMMIT", {})
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (WAL readers never block the writer)."""
        with self._sessions() as s:
            try:
                yield s
            finally:
                s.rollback()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                conn.rollback()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    def migrate(self) -> None:
        """``alembic upgrade head`` on this database, programmatically."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Several replicas may start at once: one migrates, the others wait.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(724601)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def dispose(self) -> None:
        with self._write_lock or contextlib.nullcontext():
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()


def redact_url(url: str) -> str:
    """The URL with any password masked, for printing and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is printed as a placeholder
        return "<unparsable database URL>"


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server ``server_url`` names
    (connecting to its database to create it), dropped afterwards with any
    connections still open to it. For tests and benchmarks."""
    server = make_url(server_url)
    if server.get_backend_name() != "postgresql":
        raise ValueError(f"a scratch database needs PostgreSQL, not {redact_url(server_url)}")
    name = f"kiosk_scratch_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
