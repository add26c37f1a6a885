"""Key/value facts Rally keeps about itself (e.g. the hash of the last synced command tree)."""

from __future__ import annotations

from bot.db.database import Connection


async def get(conn: Connection, key: str) -> str | None:
    value = await conn.fetchval("SELECT value FROM meta WHERE key = ?", (key,))
    return None if value is None else str(value)


async def put(conn: Connection, key: str, value: str) -> None:
    await conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
