"""A fresh PostgreSQL database for a test module (``KIOSK_TEST_PG_URL``
names a server and a database to connect to for creating it)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

PG_ENV = "KIOSK_TEST_PG_URL"


@contextlib.contextmanager
def fresh_pg_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database on that server, dropped afterwards
    (connections still open to it are ended)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_at = make_url(admin_url)
    name = f"kiosk_test_{secrets.token_hex(6)}"
    admin = create_engine(admin_at, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_at.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
