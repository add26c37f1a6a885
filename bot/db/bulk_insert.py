"""Inserting many rows at once into a table with indexes on random keys.

Each row inserted into an indexed table also goes into every index; on a keyed hash (random by
design) that is one random B-tree page per row and index. SQLite's `CREATE INDEX` sorts the
rows and writes the index in one pass instead: for the signers of a 1,000,000-row import into a
new database, inserting with the two hash indexes in place took ~12 s; inserting without them
~4 s, and creating them again ~4.5 s. Rebuilding re-sorts the rows already there too, so it only
pays when the new rows outnumber the old.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.db.connection import Connection

#: Fewer new rows than this are inserted with the indexes in place: a rebuild costs more than
#: it saves, and DDL in a small import's transaction is not worth the surprise.
REBUILD_FROM_ROWS = 50_000


def worth_rebuilding(new_rows: int, existing_rows: int) -> bool:
    """Whether inserting `new_rows` into a table of `existing_rows` is cheaper with its indexes
    dropped and created again afterwards."""
    return new_rows >= REBUILD_FROM_ROWS and new_rows > existing_rows


@asynccontextmanager
async def indexes_rebuilt(conn: Connection, table: str, *, rebuild: bool) -> AsyncIterator[None]:
    """Inside a transaction: with `rebuild`, the body runs with `table`'s own indexes dropped,
    and they are created again from their stored definitions after it.

    A UNIQUE index that the new rows would violate fails to be created, which fails the
    transaction just as the insert would have. If the body fails the transaction rolls back,
    dropped indexes included. `table` is a constant of the caller, never input."""
    if not rebuild:
        yield
        return
    indexes = await conn.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name",
        (table,),
    )
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["name"]}"')
    yield
    for index in indexes:
        await conn.execute(index["sql"])
