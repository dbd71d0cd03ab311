"""backend.rawsql: DBAPI statements inside a Database transaction."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from backend.app import write_runner
from backend.db import Database
from backend.rawsql import Raw, to_pyformat


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT 1", "SELECT 1"),
    ("WHERE id = :id", "WHERE id = %(id)s"),
    ("VALUES (:a, :b_2, :_c)", "VALUES (%(a)s, %(b_2)s, %(_c)s)"),
    ("WHERE x = :x AND y=:y", "WHERE x = %(x)s AND y=%(y)s"),
    # a literal percent sign must survive pyformat
    ("WHERE name LIKE 'a%' AND id = :id", "WHERE name LIKE 'a%%' AND id = %(id)s"),
    # casts and times are not parameters
    ("SELECT '1'::int, '12:30'", "SELECT '1'::int, '12:30'"),
    ("WHERE a = :1", "WHERE a = :1"),
])
def test_to_pyformat(sql: str, expected: str) -> None:
    assert to_pyformat(sql) == expected


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    database.migrate()
    with database.write() as s:
        raw = Raw.of(s)
        raw.run("DROP TABLE IF EXISTS raw_probe", {})
        raw.run("CREATE TABLE raw_probe (id VARCHAR(8) PRIMARY KEY, n INTEGER)", {})
    yield database
    with database.write() as s:
        Raw.of(s).run("DROP TABLE raw_probe", {})
    database.dispose()


def test_raw_reads_writes_and_counts_rows(db: Database) -> None:
    with db.write() as s:
        raw = Raw.of(s)
        assert raw.run("INSERT INTO raw_probe (id, n) VALUES (:id, :n)", {"id": "a", "n": 1}) == 1
        assert raw.run("INSERT INTO raw_probe (id, n) VALUES (:id, :n)", {"id": "b", "n": 2}) == 1
        assert raw.run("UPDATE raw_probe SET n = n + 1 WHERE n > :n", {"n": 5}) == 0
        assert raw.run("UPDATE raw_probe SET n = n + 10 WHERE n >= :n", {"n": 1}) == 2
    with db.read() as s:
        raw = Raw.of(s)
        assert raw.one("SELECT n FROM raw_probe WHERE id = :id", {"id": "a"}) == (11,)
        assert raw.one("SELECT n FROM raw_probe WHERE id = :id", {"id": "zz"}) is None
        assert sorted(raw.all("SELECT id, n FROM raw_probe", {})) == [("a", 11), ("b", 12)]


def test_raw_statements_commit_and_roll_back_with_the_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as s:
        Raw.of(s).run("INSERT INTO raw_probe (id, n) VALUES ('gone', 1)", {})
        raise RuntimeError("abort")
    with db.read() as s:
        assert Raw.of(s).one("SELECT id FROM raw_probe WHERE id = 'gone'", {}) is None


def test_raw_errors_are_sqlalchemy_errors_without_parameters(db: Database) -> None:
    """The callers' retry logic catches SQLAlchemy's classes; the message must
    not carry the parameters (they can be stored answers)."""
    with db.write() as s:
        Raw.of(s).run("INSERT INTO raw_probe (id, n) VALUES (:id, :n)", {"id": "dup", "n": 1})
    with pytest.raises(IntegrityError) as caught, db.write() as s:
        Raw.of(s).run("INSERT INTO raw_probe (id, n) VALUES (:id, :n)",
                   {"id": "dup", "n": 424242})
    assert "424242" not in str(caught.value)


def test_sqlite_writes_run_on_the_loop_and_postgresql_writes_in_a_worker(db: Database) -> None:
    run = write_runner(db)
    loop_thread: list[threading.Thread] = []

    async def main() -> threading.Thread:
        loop_thread.append(threading.current_thread())
        return await run(threading.current_thread)

    ran_in = asyncio.run(main())
    if db.dialect == "sqlite":
        assert ran_in is loop_thread[0]
    else:
        assert ran_in is not loop_thread[0]


def test_write_raw_commits_and_rolls_back(db: Database) -> None:
    with db.write_raw() as raw:
        raw.run("INSERT INTO raw_probe (id, n) VALUES ('kept', 1)", {})
    with pytest.raises(IntegrityError), db.write_raw() as raw:
        raw.run("INSERT INTO raw_probe (id, n) VALUES ('undone', 1)", {})
        raw.run("INSERT INTO raw_probe (id, n) VALUES ('kept', 2)", {})  # duplicate key
    with pytest.raises(RuntimeError), db.write_raw() as raw:
        raw.run("INSERT INTO raw_probe (id, n) VALUES ('undone2', 1)", {})
        raise RuntimeError("abort")
    # The connection is usable again, and only the first insert is there.
    with db.write_raw() as raw:
        assert sorted(raw.all("SELECT id, n FROM raw_probe", {})) == [("kept", 1)]


def test_write_raw_and_write_take_turns(db: Database) -> None:
    """Writers in several threads, half raw and half ORM sessions: every
    increment lands (the write lock / row locks serialise them)."""
    with db.write_raw() as raw:
        raw.run("INSERT INTO raw_probe (id, n) VALUES ('count', 0)", {})
    add = "UPDATE raw_probe SET n = n + 1 WHERE id = 'count'"

    def writer(i: int) -> None:
        for _ in range(20):
            if i % 2:
                with db.write_raw() as raw:
                    raw.run(add, {})
            else:
                with db.write() as s:
                    Raw.of(s).run(add, {})

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.read() as s:
        assert Raw.of(s).one("SELECT n FROM raw_probe WHERE id = 'count'", {}) == (120,)
