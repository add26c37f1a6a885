"""The announcements outbox and the milestone settings behind it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text


@dataclass(frozen=True, slots=True)
class MilestoneSettings:
    guild_id: int
    channel_id: int | None = None
    ping_role_id: int | None = None
    announce_each: bool = False


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    guild_id: int
    petition_id: int | None
    kind: str
    threshold: int | None
    payload: dict[str, Any]
    channel_id: int | None
    status: str
    attempts: int
    message_id: int | None
    created_at: datetime
    sent_at: datetime | None
    attempted_at: datetime | None


_COLUMNS = (
    "id, guild_id, petition_id, kind, threshold, payload, channel_id, status, attempts, "
    "message_id, created_at, sent_at, attempted_at"
)


def _row(r: Any) -> Announcement:
    return Announcement(
        id=r[0],
        guild_id=r[1],
        petition_id=r[2],
        kind=r[3],
        threshold=r[4],
        payload=json.loads(r[5]),
        channel_id=r[6],
        status=r[7],
        attempts=r[8],
        message_id=r[9],
        created_at=from_text(r[10]),
        sent_at=from_text(r[11]) if r[11] else None,
        attempted_at=from_text(r[12]) if r[12] else None,
    )


async def settings(conn: Connection, guild_id: int) -> MilestoneSettings:
    row = await conn.fetchone(
        "SELECT guild_id, channel_id, ping_role_id, announce_each FROM milestone_settings "
        "WHERE guild_id = ?",
        (guild_id,),
    )
    if row is None:
        return MilestoneSettings(guild_id)
    return MilestoneSettings(row[0], row[1], row[2], bool(row[3]))


async def save_settings(conn: Connection, value: MilestoneSettings, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO milestone_settings (guild_id, channel_id, ping_role_id, announce_each, "
        "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
        "channel_id = excluded.channel_id, ping_role_id = excluded.ping_role_id, "
        "announce_each = excluded.announce_each, updated_at = excluded.updated_at",
        (
            value.guild_id,
            value.channel_id,
            value.ping_role_id,
            int(value.announce_each),
            to_text(now),
        ),
    )


async def highest_milestone(conn: Connection, guild_id: int, petition_id: int) -> int:
    value = await conn.fetchval(
        "SELECT MAX(threshold) FROM announcements "
        "WHERE guild_id = ? AND petition_id = ? AND kind = 'milestone'",
        (guild_id, petition_id),
    )
    return int(value or 0)


async def add(
    conn: Connection,
    *,
    guild_id: int,
    petition_id: int | None,
    kind: str,
    threshold: int | None,
    dedupe_key: str,
    channel_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> int | None:
    """Queue an announcement; None when this (server, key) was queued before (exactly once)."""
    rowcount = await conn.execute_rowcount(
        "INSERT INTO announcements (guild_id, petition_id, kind, threshold, dedupe_key, payload, "
        "channel_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (guild_id, dedupe_key) DO NOTHING",
        (
            guild_id,
            petition_id,
            kind,
            threshold,
            dedupe_key,
            json.dumps(payload),
            channel_id,
            to_text(now),
        ),
    )
    if rowcount == 0:
        return None
    return int(await conn.fetchval("SELECT last_insert_rowid()"))


async def pending(conn: Connection, now: datetime, limit: int = 50) -> list[Announcement]:
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM announcements WHERE status = 'pending' "
        "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
        (to_text(now), limit),
    )
    return [_row(r) for r in rows]


async def pending_count(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT COUNT(*) FROM announcements WHERE status = 'pending'"))


async def mark_attempt(conn: Connection, announcement_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE announcements SET attempts = attempts + 1, attempted_at = ? WHERE id = ?",
        (to_text(now), announcement_id),
    )


async def mark_sent(
    conn: Connection, announcement_id: int, *, channel_id: int, message_id: int, now: datetime
) -> None:
    await conn.execute(
        "UPDATE announcements SET status = 'sent', channel_id = ?, message_id = ?, sent_at = ?, "
        "last_error = NULL WHERE id = ?",
        (channel_id, message_id, to_text(now), announcement_id),
    )


async def mark_retry(conn: Connection, announcement_id: int, *, at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE announcements SET next_attempt_at = ?, last_error = ? WHERE id = ?",
        (to_text(at), error[:200], announcement_id),
    )


async def mark_failed(conn: Connection, announcement_id: int, *, error: str) -> None:
    await conn.execute(
        "UPDATE announcements SET status = 'failed', last_error = ? WHERE id = ?",
        (error[:200], announcement_id),
    )


async def history(conn: Connection, guild_id: int, petition_id: int) -> list[Announcement]:
    """What was announced about a petition (reports to the organizers' review channel are not
    announcements: they stay out)."""
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM announcements WHERE guild_id = ? AND petition_id = ? "
        "AND kind != 'review' ORDER BY id",
        (guild_id, petition_id),
    )
    return [_row(r) for r in rows]
