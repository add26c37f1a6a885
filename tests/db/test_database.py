"""The store: migrations from empty, re-run, failing midway; refusals; backup under writes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, MigrationError
from bot.db.database import load_migrations
from bot.domain.errors import AlreadySigned
from bot.domain.petitions import parse_draft
from tests.conftest import FakeClock, member, organizer


async def test_migrations_from_empty_then_rerun_is_a_noop(tmp_path: Path) -> None:
    db = Database(tmp_path / "r.db")
    await db.open()
    newest = load_migrations()[-1][0]
    assert await db.schema_version() == newest
    async with db.read() as conn:
        tables = {
            r[0] for r in await conn.fetchall("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"petitions", "signers", "signatures", "announcements", "audit_log"} <= tables
        assert await conn.fetchval("PRAGMA journal_mode") == "wal"
        assert await conn.fetchval("PRAGMA foreign_keys") == 1
    assert await db.migrate() == newest
    await db.close()
    mode = stat.S_IMODE((tmp_path / "r.db").stat().st_mode)
    assert mode == 0o600


async def test_failing_migration_rolls_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "r.db")
    await db.open(migrate=False)
    steps = [
        (1, "0001_ok.sql", "CREATE TABLE a (x INTEGER);"),
        (
            2,
            "0002_bad.sql",
            "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1); SELECT * FROM nope;",
        ),
    ]
    with pytest.raises(MigrationError, match=r"0002_bad\.sql"):
        await db.migrate(steps)
    assert await db.schema_version() == 1
    async with db.read() as conn:
        names = {r[0] for r in await conn.fetchall("SELECT name FROM sqlite_master")}
        assert "a" in names and "b" not in names
        assert await conn.fetchval("SELECT COUNT(*) FROM a") == 0
    await db.close()


async def test_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    before = path.read_bytes()
    db = Database(path)
    with pytest.raises(DatabaseError, match="newer than this Rally knows"):
        await db.open()
    assert path.read_bytes() == before


async def test_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_text("hello, not a database")
    with pytest.raises(DatabaseError, match="not a SQLite database"):
        await Database(path).open()
    assert path.read_text() == "hello, not a database"


async def test_constraint_violation_is_a_domain_error(db: Database, clock: FakeClock) -> None:
    from bot.services import Services

    services = Services.build(db, clock)
    petition = await services.petitions.create(
        organizer(), parse_draft(title="T", recipient="R", letter="L")
    )
    await services.petitions.sign(member(5), petition.id)
    with pytest.raises(AlreadySigned):
        await services.petitions.sign(member(5), petition.id)
    # and the raw unique index itself holds, whatever path a write takes
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM signatures") == 1


async def test_backup_while_writing_has_every_committed_row(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (n INTEGER)")
    stop = asyncio.Event()
    committed = 0

    async def writer() -> None:
        nonlocal committed
        while not stop.is_set():
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t VALUES (?)", (committed,))
            committed += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    while committed < 200:
        await asyncio.sleep(0.01)
    before_backup = committed
    await db.backup(tmp_path / "copy.db")
    stop.set()
    await task
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = copy.execute("SELECT COUNT(*), MAX(n) FROM t").fetchone()
    finally:
        copy.close()
    assert rows[0] >= before_backup
    assert rows[0] == rows[1] + 1  # a prefix of the writes: nothing torn, nothing missing


async def test_a_cancelled_transaction_never_leaves_the_connection_inside_one(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (n INTEGER)")

    async def write_slowly() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (1)")
            await asyncio.sleep(10)

    for attempt in range(20):  # cancel at every point: in BEGIN, in the body, around COMMIT
        task = asyncio.create_task(write_slowly())
        for _ in range(attempt % 5):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:  # would fail "within a transaction" if one leaked
            await conn.execute("INSERT INTO t VALUES (2)")
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM t WHERE n = 1") == 0
        assert await conn.fetchval("SELECT COUNT(*) FROM t WHERE n = 2") == 20
