"""Offline logs repository: signatures a volunteer gathered on paper, and their review.

An approved log counts for its drive and volunteer through the triggers of the drives migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text
from bot.domain.drives import LogStatus, OfflineLog

_LOG_COLUMNS = (
    "l.id, l.drive_id, l.participant_id, p.user_id, l.count, l.note, l.status, l.created_at"
)


def _log(r: Any) -> OfflineLog:
    return OfflineLog(r[0], r[1], r[2], r[3], r[4], r[5], LogStatus(r[6]), from_text(r[7]))


async def insert_log(
    conn: Connection,
    *,
    drive_id: int,
    participant_id: int,
    count: int,
    note: str | None,
    status: LogStatus,
    now: datetime,
) -> int:
    reviewed = to_text(now) if status is not LogStatus.PENDING else None
    return await conn.execute(
        "INSERT INTO offline_logs (drive_id, participant_id, count, note, status, created_at, "
        "reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (drive_id, participant_id, count, note, status.value, to_text(now), reviewed),
    )


async def log_by_id(conn: Connection, log_id: int) -> OfflineLog | None:
    row = await conn.fetchone(
        f"SELECT {_LOG_COLUMNS} FROM offline_logs l "
        "JOIN drive_participants p ON p.id = l.participant_id WHERE l.id = ?",
        (log_id,),
    )
    return None if row is None else _log(row)


async def pending_logs(conn: Connection, drive_id: int, limit: int = 10) -> list[OfflineLog]:
    rows = await conn.fetchall(
        f"SELECT {_LOG_COLUMNS} FROM offline_logs l "
        "JOIN drive_participants p ON p.id = l.participant_id "
        "WHERE l.drive_id = ? AND l.status = 'pending' ORDER BY l.id LIMIT ?",
        (drive_id, limit),
    )
    return [_log(r) for r in rows]


async def pending_log_count(conn: Connection, drive_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM offline_logs WHERE drive_id = ? AND status = 'pending'",
            (drive_id,),
        )
    )


async def review_log(
    conn: Connection, log_id: int, status: LogStatus, *, reviewer: int, now: datetime
) -> bool:
    """Approve or reject a pending log; False when it was no longer pending."""
    row = await conn.fetchone(
        "UPDATE offline_logs SET status = ?, reviewed_by = ?, reviewed_at = ? "
        "WHERE id = ? AND status = 'pending' RETURNING id",
        (status.value, reviewer, to_text(now), log_id),
    )
    return row is not None
