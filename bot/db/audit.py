"""Audit log repository: who did what, never a signer's personal data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int | None
    actor_id: int | None
    action: str
    subject: str | None
    details: dict[str, object]
    created_at: datetime


async def record(
    conn: Connection,
    *,
    guild_id: int | None,
    actor_id: int | None,
    action: str,
    subject: str | None,
    now: datetime,
    details: dict[str, object] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, subject, details, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, subject, json.dumps(details or {}), to_text(now)),
    )


async def recent(conn: Connection, guild_id: int, limit: int = 20) -> list[AuditEntry]:
    rows = await conn.fetchall(
        "SELECT id, guild_id, actor_id, action, subject, details, created_at FROM audit_log "
        "WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), from_text(r[6])) for r in rows
    ]
