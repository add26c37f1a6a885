"""The SQLite store: one aiosqlite connection per process, its PRAGMAs, migrations and transactions.

All SQL lives in `bot/db/`. The connection runs in autocommit mode (`isolation_level=None`) and
Rally opens every transaction itself with `BEGIN IMMEDIATE`, so a write never waits half-way for
a lock. One connection means one writer; an `asyncio.Lock` keeps tasks from interleaving their
statements inside each other's transactions.

`transaction()` hands its body a `Connection` whose every call is one hop to aiosqlite's thread.
`run_transaction(body)` runs a whole transaction as one hop instead, and concurrent ones share
that hop and its COMMIT (`bot/db/one_hop.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.db.connection import Connection, Params, ThreadConnection
from bot.db.one_hop import BodySuspended, GroupCommit, TransactionBody, to_completion
from bot.domain.errors import StorageFull

__all__ = [
    "BodySuspended",
    "Connection",
    "Database",
    "DatabaseError",
    "MigrationError",
    "Params",
    "ThreadConnection",
    "TransactionBody",
    "load_migrations",
]

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
#: SQLite's page cache (the default is 2 MiB). Counting an import or a webhook batch inserts
#: keyed hashes — random keys — into the signers' and signatures' indexes; with 2 MiB those
#: B-trees no longer fit past ~100,000 signers and every insert re-reads and spills pages. The
#: cache grows only as pages are used, so a small database stays small in memory.
CACHE_KIB = 64 * 1024
#: A large import's count: its staged rows stream through the same cache as the indexes it
#: inserts into, and evict them. Raised for that one transaction, then set back (SQLite frees
#: the pages above the limit), so the extra memory lasts only as long as the count.
CACHE_KIB_LARGE = 256 * 1024
BYTES_A_ROW = 256  # roughly what each counted row adds to the indexes it touches
T = TypeVar("T")


@asynccontextmanager
async def larger_cache(conn: Connection, rows: int) -> AsyncIterator[None]:
    """Inside a transaction: a page cache sized for counting `rows` rows, at least the usual
    and at most `CACHE_KIB_LARGE`; the usual size again afterwards, whatever happens."""
    kib = min(CACHE_KIB_LARGE, max(CACHE_KIB, rows * BYTES_A_ROW // 1024))
    if kib == CACHE_KIB:
        yield
        return
    await conn.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        await conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


class DatabaseError(Exception):
    """The database file cannot be used; the message says why, for the operator."""


class MigrationError(DatabaseError):
    """A migration failed; the database was left as it was."""


def load_migrations(package: str = "bot.db.migrations") -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with Rally, as (number, name, sql), in order."""
    found: list[tuple[int, str, str]] = []
    for entry in resources.files(package).iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations are not numbered 1..N without gaps: {numbers}")
    return found


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that exists but is not a SQLite database, before SQLite touches it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a SQLite database; Rally left it untouched.")


def is_storage_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full" (SQLITE_FULL): a full disk or `max_page_count`."""
    return (
        isinstance(exc, sqlite3.OperationalError)
        and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    )


class Database:
    """Owns the connection. `open()` checks the file, sets PRAGMAs and applies migrations."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._group = GroupCommit(self._lock)

    # -- lifecycle ---------------------------------------------------------------------------
    async def open(self, *, migrate: bool = True) -> None:
        await asyncio.to_thread(self._check_file)
        is_new = not self.path.exists()
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the database {self.path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        self._conn = conn
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if migrate:
                await self._refuse_newer(load_migrations()[-1][0])
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            await conn.execute("PRAGMA temp_store = MEMORY")
            if is_new:
                await asyncio.to_thread(os.chmod, self.path, 0o600)
            if migrate:
                await self.migrate()
        except sqlite3.DatabaseError as exc:
            await self.close()
            raise DatabaseError(f"{self.path} is not a usable SQLite database: {exc}") from None
        except DatabaseError:
            await self.close()
            raise

    def _check_file(self) -> None:
        check_sqlite_file(self.path)

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    # -- migrations --------------------------------------------------------------------------
    async def _refuse_newer(self, newest: int) -> None:
        current = await self.schema_version()
        if current > newest:
            raise DatabaseError(
                f"{self.path} has schema version {current}, newer than this Rally knows "
                f"({newest}); upgrade Rally. The file was left untouched."
            )

    async def schema_version(self) -> int:
        return int(await Connection(self._require()).fetchval("PRAGMA user_version"))

    async def migrate(self, migrations: list[tuple[int, str, str]] | None = None) -> int:
        """Apply every migration newer than `PRAGMA user_version`, each in its own transaction."""
        conn = self._require()
        steps = load_migrations() if migrations is None else migrations
        newest = steps[-1][0] if steps else 0
        async with self._lock:
            await self._refuse_newer(newest)
            current = await self.schema_version()
            for number, name, sql in steps:
                if number <= current:
                    continue
                try:
                    await conn.executescript(
                        f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {number};\nCOMMIT;"
                    )
                except sqlite3.Error as exc:
                    if conn.in_transaction:
                        await conn.execute("ROLLBACK")
                    raise MigrationError(
                        f"migration {name} failed and was rolled back: {exc}"
                    ) from None
                log.info("applied migration %s", name)
            return await self.schema_version()

    # -- access ------------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A write transaction (`BEGIN IMMEDIATE`); commits on success, rolls back on error.

        A task cancelled half-way (a shutdown, a timeout) never leaves the shared connection
        inside a transaction: BEGIN, COMMIT and ROLLBACK run to completion in aiosqlite's thread
        whatever happens to the task, and a cancelled BEGIN is rolled back before the lock goes.
        A full disk (SQLITE_FULL, in a statement or the COMMIT) rolls back and becomes
        `StorageFull`, whose message is safe to show: nothing of the transaction was kept.
        """
        conn = self._require()
        async with self._lock:
            try:
                await to_completion(conn.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:
                if conn.in_transaction:
                    await to_completion(conn.execute("ROLLBACK"))
                raise
            try:
                yield Connection(conn)
                await to_completion(conn.execute("COMMIT"))
            except BaseException as exc:
                if conn.in_transaction:
                    await to_completion(conn.execute("ROLLBACK"))
                if is_storage_full(exc):
                    raise StorageFull() from exc
                raise

    async def run_transaction(self, body: TransactionBody[T]) -> T:
        """Run `body(conn)` as one write transaction, in one hop to aiosqlite's thread.

        The body is an `async def` that awaits only its `conn` (a `ThreadConnection`) and
        synchronous code; it runs on the database thread, driven to its end without the event
        loop. Bodies that wait at the same time share the hop and the COMMIT, each in its own
        SAVEPOINT (`bot/db/one_hop.py`). It commits when the body returns and rolls back the
        body's writes when it raises (the error reaches the caller); if the group's COMMIT
        fails, every caller of the group gets that error. A body that awaits anything that
        suspends is stopped, rolled back and reported as `BodySuspended`.

        Same lock as `transaction()`, so the two never interleave. Cancellation-safe: a caller
        cancelled before its body was handed to the thread changes nothing; once handed over,
        the body runs whole with its group. A full disk becomes `StorageFull`, as in
        `transaction()`. The body runs off the event loop's thread: whatever it touches besides
        `conn` must be safe to use from there.
        """
        try:
            return await self._group.run(self._require(), body)
        except sqlite3.OperationalError as exc:
            if is_storage_full(exc):  # rolled back, as in `transaction()`
                raise StorageFull() from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """Read access that never sees another task's uncommitted writes."""
        conn = self._require()
        async with self._lock:
            yield Connection(conn)

    async def backup(self, target: Path | str) -> None:
        """Copy the live database to `target`; see `backup_database`."""
        await backup_database(self.path, target, busy_timeout_ms=self.busy_timeout_ms)


async def backup_database(
    source: Path | str, target: Path | str, *, busy_timeout_ms: int = 5000
) -> None:
    """Copy a live database with SQLite's online backup API, in a worker thread.

    A separate read connection copies one consistent snapshot (WAL lets writers go on meanwhile), so
    neither the event loop nor the bot's own connection waits for the copy. A database another
    process keeps locked is waited for up to `busy_timeout_ms`, then refused with `DatabaseError`;
    a failed copy leaves neither the target nor a partial file.
    """
    source_path, target_path = Path(source), Path(target)

    def _copy() -> None:
        if not source_path.exists():
            raise DatabaseError(f"there is no database at {source_path}")
        check_sqlite_file(source_path)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = target_path.with_name(target_path.name + ".partial")
        src = sqlite3.connect(source_path, timeout=busy_timeout_ms / 1000)
        try:
            dest = sqlite3.connect(tmp)
            try:
                src.backup(dest)
            finally:
                dest.close()
            os.chmod(tmp, 0o600)
            os.replace(tmp, target_path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a failed copy leaves no half-written file behind
            raise
        finally:
            src.close()

    try:
        await asyncio.to_thread(_copy)
    except sqlite3.Error as exc:
        raise DatabaseError(f"backup of {source_path} failed: {exc}") from None
