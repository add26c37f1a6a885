"""The drives' scheduled jobs: start, "24 hours left" and end, each due once.

A job is taken in the same transaction that queues its announcement (`UPDATE … WHERE status =
'pending' RETURNING`), so it fires once whatever the restarts, the downtime or a second ticker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text
from bot.domain.drives import JobKind


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    drive_id: int
    kind: JobKind
    due_at: datetime
    status: str
    fired_at: datetime | None
    late: bool


def _job(r: Any) -> Job:
    return Job(
        id=r[0],
        drive_id=r[1],
        kind=JobKind(r[2]),
        due_at=from_text(r[3]),
        status=r[4],
        fired_at=from_text(r[5]) if r[5] else None,
        late=bool(r[6]),
    )


_COLUMNS = "id, drive_id, kind, due_at, status, fired_at, late"


async def add(conn: Connection, drive_id: int, jobs: list[tuple[JobKind, datetime]]) -> None:
    await conn.executemany(
        "INSERT INTO drive_jobs (drive_id, kind, due_at) VALUES (?, ?, ?)",
        [(drive_id, kind.value, to_text(due)) for kind, due in jobs],
    )


async def due(conn: Connection, now: datetime, limit: int = 50) -> list[Job]:
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM drive_jobs WHERE status = 'pending' AND due_at <= ? "
        "ORDER BY due_at, id LIMIT ?",
        (to_text(now), limit),
    )
    return [_job(r) for r in rows]


async def of_drive(conn: Connection, drive_id: int) -> list[Job]:
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM drive_jobs WHERE drive_id = ? ORDER BY due_at, id", (drive_id,)
    )
    return [_job(r) for r in rows]


async def take(conn: Connection, job_id: int, *, status: str, now: datetime, late: bool) -> bool:
    """Mark a pending job fired (or skipped); False when something else took it first."""
    row = await conn.fetchone(
        "UPDATE drive_jobs SET status = ?, fired_at = ?, late = ? "
        "WHERE id = ? AND status = 'pending' RETURNING id",
        (status, to_text(now), int(late), job_id),
    )
    return row is not None


async def take_kind(
    conn: Connection, drive_id: int, kind: JobKind, *, status: str, now: datetime
) -> bool:
    row = await conn.fetchone(
        "UPDATE drive_jobs SET status = ?, fired_at = ? "
        "WHERE drive_id = ? AND kind = ? AND status = 'pending' RETURNING id",
        (status, to_text(now), drive_id, kind.value),
    )
    return row is not None


async def reschedule(conn: Connection, drive_id: int, jobs: list[tuple[JobKind, datetime]]) -> None:
    """Move the pending jobs of a drive to new due times; add those it lacked (a drive made
    longer than a day gains its "24 hours left"); drop pending ones no longer wanted."""
    wanted = {kind.value: due for kind, due in jobs}
    for kind, due_at in wanted.items():
        await conn.execute(
            "INSERT INTO drive_jobs (drive_id, kind, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (drive_id, kind) DO UPDATE SET due_at = excluded.due_at "
            "WHERE drive_jobs.status = 'pending'",
            (drive_id, kind, to_text(due_at)),
        )
    marks = ", ".join("?" for _ in wanted)
    await conn.execute(
        f"DELETE FROM drive_jobs WHERE drive_id = ? AND status = 'pending' "
        f"AND kind NOT IN ({marks})",
        (drive_id, *wanted),
    )
