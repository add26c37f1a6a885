"""Where each petition is shown, so its messages can be refreshed in place (also after restarts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text

#: Only the newest messages of a petition in each server are kept fresh; older ones keep their
#: last count.
KEEP_FRESH = 5


@dataclass(frozen=True, slots=True)
class ShownAt:
    message_id: int
    petition_id: int
    guild_id: int
    channel_id: int
    with_manage: bool
    language: str = "en"


async def remember(conn: Connection, shown: ShownAt, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO petition_messages (message_id, petition_id, guild_id, channel_id, "
        "with_manage, language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (message_id) DO NOTHING",
        (
            shown.message_id,
            shown.petition_id,
            shown.guild_id,
            shown.channel_id,
            int(shown.with_manage),
            shown.language,
            to_text(now),
        ),
    )


async def newest(conn: Connection, petition_id: int) -> list[ShownAt]:
    """The newest messages of the petition in each server that shows it (a coalition's
    partners too): one busy server does not leave the others' messages stale."""
    rows = await conn.fetchall(
        "SELECT message_id, petition_id, guild_id, channel_id, with_manage, language FROM "
        "(SELECT *, ROW_NUMBER() OVER (PARTITION BY guild_id ORDER BY message_id DESC) AS n "
        " FROM petition_messages WHERE petition_id = ?) WHERE n <= ? ORDER BY message_id DESC",
        (petition_id, KEEP_FRESH),
    )
    return [ShownAt(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


async def forget(conn: Connection, message_id: int) -> None:
    await conn.execute("DELETE FROM petition_messages WHERE message_id = ?", (message_id,))
