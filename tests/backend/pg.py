"""PostgreSQL for the backend tests: ``KIOSK_TEST_PG_URL`` names a server
(and a database to connect to for creating others); each module that uses
it gets a fresh database (``backend.db.scratch_database``)."""

from __future__ import annotations

from backend.db import scratch_database as fresh_pg_database

PG_ENV = "KIOSK_TEST_PG_URL"

__all__ = ["PG_ENV", "fresh_pg_database"]
