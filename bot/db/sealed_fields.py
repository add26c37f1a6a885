"""Every sealed cell in the database, for key rotation: which key sealed it, and a swap that keeps
a cell changed meanwhile. Sealed columns are found by name (`sealed_*`) in every table, so a table
added later is covered without a change here."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from bot.db.database import Connection

NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
#: The key id of a sealed cell (see bot.domain.sealing), '' for the formats without one.
KEY_ID_SQL = (
    "CASE WHEN substr({column}, 1, 1) IN (x'03', x'04') "
    "THEN lower(hex(substr({column}, 2, 8))) ELSE '' END"
)


@dataclass(frozen=True, slots=True)
class SealedCell:
    table: str
    column: str
    rowid: int
    sealed: bytes


async def sealed_columns(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) for every `sealed_*` column of every table."""
    tables = await conn.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE '%WITHOUT ROWID%' ORDER BY name"
    )
    found = []
    for (table,) in tables:
        for info in await conn.fetchall(f"PRAGMA table_info({table})"):
            column = str(info[1])
            if column.startswith("sealed_") and NAME.match(column) and NAME.match(table):
                found.append((str(table), column))
    return found


async def count_by_key(conn: Connection) -> dict[str, int]:
    """Key id ('' for no id) → how many sealed cells it sealed, across every table."""
    counts: dict[str, int] = {}
    for table, column in await sealed_columns(conn):
        key = KEY_ID_SQL.format(column=column)
        rows = await conn.fetchall(
            f"SELECT {key}, COUNT(*) FROM {table} WHERE {column} IS NOT NULL GROUP BY 1"
        )
        for kid, count in rows:
            counts[str(kid)] = counts.get(str(kid), 0) + int(count)
    return counts


async def cells_not_sealed_for(conn: Connection, key_id: str) -> AsyncIterator[SealedCell]:
    """Every sealed cell that the key `key_id` did not seal (older keys, older formats)."""
    for table, column in await sealed_columns(conn):
        key = KEY_ID_SQL.format(column=column)
        rows = await conn.fetchall(
            f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL AND {key} != ? "
            "ORDER BY rowid",
            (key_id,),
        )
        for rowid, sealed in rows:
            yield SealedCell(table, column, int(rowid), bytes(sealed))


async def swap(conn: Connection, changes: Iterable[tuple[SealedCell, bytes]]) -> tuple[int, int]:
    """Replace each cell's sealed value with the new one, only where it still holds the old
    value (a member may have changed it since). → (swapped, left as they were)."""
    known = set(await sealed_columns(conn))
    swapped = kept = 0
    for cell, new in changes:
        if (cell.table, cell.column) not in known:
            kept += 1
            continue
        done = await conn.execute_rowcount(
            f"UPDATE {cell.table} SET {cell.column} = ? WHERE rowid = ? AND {cell.column} = ?",
            (new, cell.rowid, cell.sealed),
        )
        swapped += done
        kept += 1 - done
    return swapped, kept
