"""Signers repository: a person's record and the Discord member linked to it."""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text


async def for_user(conn: Connection, user_id: int) -> int | None:
    value = await conn.fetchval("SELECT signer_id FROM member_links WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


async def ensure_for_user(conn: Connection, user_id: int, now: datetime) -> int:
    """The signer linked to a Discord user, created (with nothing personal) on first use."""
    existing = await for_user(conn, user_id)
    if existing is not None:
        return existing
    stamp = to_text(now)
    signer_id = await conn.execute(
        "INSERT INTO signers (source, created_at) VALUES ('discord', ?)", (stamp,)
    )
    await conn.execute(
        "INSERT INTO member_links (user_id, signer_id, linked_at) VALUES (?, ?, ?)",
        (user_id, signer_id, stamp),
    )
    return signer_id


async def language_for_user(conn: Connection, user_id: int) -> str | None:
    value = await conn.fetchval(
        "SELECT s.language FROM member_links m JOIN signers s ON s.id = m.signer_id "
        "WHERE m.user_id = ?",
        (user_id,),
    )
    return None if value is None else str(value)
