"""What a transaction's body gets: `Connection`, thin typed wrappers over the aiosqlite connection
(each call one hop to aiosqlite's thread), and `ThreadConnection`, the same methods for a body
that already runs on that thread (`Database.run_transaction`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

Params = Sequence[Any] | dict[str, Any]


class Connection:
    """What a transaction may do: thin typed wrappers over the aiosqlite connection.

    Each call is one hop to aiosqlite's thread (`execute_fetchall`/`execute_insert`): under a
    surge, hops — not SQLite — are what a transaction spends its time on.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; for an INSERT return the new row id (else 0)."""
        if sql.lstrip()[:6].upper() == "INSERT":
            row = await self._conn.execute_insert(sql, params)
            return int(row[0]) if row and row[0] is not None else 0
        await self._conn.execute_fetchall(sql, params)
        return 0

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class ThreadConnection(Connection):
    """A `Connection` for a body that runs on aiosqlite's own thread (`run_transaction`).

    The methods keep their async signatures, so repository functions take either kind, but each
    calls sqlite3 synchronously and returns without ever suspending. The results are those of
    `Connection`: an INSERT returns `last_insert_rowid()` exactly as aiosqlite's
    `execute_insert` does.
    """

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = self._raw.execute(sql, params)
        try:
            if sql.lstrip()[:6].upper() == "INSERT":
                cursor.execute("SELECT last_insert_rowid()")
                row = cursor.fetchone()
                return int(row[0]) if row and row[0] is not None else 0
            cursor.fetchall()
            return 0
        finally:
            cursor.close()

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        cursor = self._raw.execute(sql, params)
        count = cursor.rowcount
        cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self._raw.executemany(sql, rows).close()

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        for row in self._raw.execute(sql, params).fetchall():
            return row  # type: ignore[no-any-return]
        return None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._raw.execute(sql, params).fetchall()
