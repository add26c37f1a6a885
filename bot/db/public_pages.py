"""What a petition's public web page reads: whether it is unlisted, and setting that."""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text


async def is_unlisted(conn: Connection, petition_id: int) -> bool:
    value = await conn.fetchval("SELECT unlisted FROM petitions WHERE id = ?", (petition_id,))
    return bool(value)


async def set_unlisted(conn: Connection, petition_id: int, unlisted: bool, now: datetime) -> None:
    await conn.execute(
        "UPDATE petitions SET unlisted = ?, updated_at = ? WHERE id = ?",
        (int(unlisted), to_text(now), petition_id),
    )


async def id_by_code(conn: Connection, code: str) -> int | None:
    """The petition with this code in any server, unless it is deleted (codes are unique)."""
    value = await conn.fetchval(
        "SELECT id FROM petitions WHERE code = ? AND status != 'deleted'", (code,)
    )
    return None if value is None else int(value)
