"""A drive's due times, fired inside a transaction: the start announcement, "24 hours left" and
the end summary.

A job is taken (`pending` → `fired`) in the same transaction that writes its announcement to
the outbox, so each fires once — after a restart, after downtime (then marked late), and even
if two tickers race. A "24 hours left" whose drive has already ended is skipped, not posted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db import drive_jobs as jobs_db
from bot.db import drives as drives_db
from bot.db.database import Connection
from bot.domain.clock import to_text
from bot.domain.drives import Drive, DriveStatus, JobKind, is_late
from bot.services.referrals import queue

#: How many top recruiters the end summary thanks.
THANKED = 5


async def _queue(
    conn: Connection, drive: Drive, kind: str, payload: dict[str, Any], now: datetime
) -> list[int]:
    new_id = await queue(
        conn,
        guild_id=drive.guild_id,
        petition_id=drive.petition_id,
        drive_id=drive.id,
        drive_name=drive.name,
        channel_id=drive.channel_id,
        kind=kind,
        key=kind.removeprefix("drive_"),
        threshold=None,
        payload=payload,
        now=now,
    )
    return [] if new_id is None else [new_id]


async def summary(conn: Connection, drive: Drive) -> dict[str, Any]:
    """The results, frozen into the announcement: totals, teams, the top recruiters (named
    only when they chose to show their name)."""
    teams = await drives_db.teams(conn, drive.id)
    top = await drives_db.top_recruiters(conn, drive.id, THANKED)
    return {
        "total": drive.total,
        "goal": drive.goal,
        "signatures": drive.signature_count,
        "logged": drive.logged_count,
        "participants": await drives_db.participant_count(conn, drive.id),
        "teams": [{"name": t.name, "total": t.total} for t in teams],
        "top": [{"name": r.public_name, "total": r.total} for r in top],
    }


async def finish(
    conn: Connection, drive: Drive, *, now: datetime, early: bool, late: bool
) -> list[int]:
    """End a drive: its status, its remaining jobs, and the end summary in the outbox."""
    ended_at = now if early else drive.ends_at
    await drives_db.set_status(conn, drive.id, DriveStatus.ENDED, ended_at=ended_at)
    await jobs_db.take_kind(conn, drive.id, JobKind.END, status="fired", now=now)
    for kind in (JobKind.START, JobKind.LAST_DAY):
        await jobs_db.take_kind(conn, drive.id, kind, status="skipped", now=now)
    payload = await summary(conn, drive)
    payload.update(early=early, late=late, ended_at=to_text(ended_at))
    return await _queue(conn, drive, "drive_end", payload, now)


async def fire_due_jobs(
    conn: Connection, now: datetime
) -> list[tuple[int, JobKind, bool, list[int]]]:
    """Fire each due job once; (drive id, kind, late, outbox ids) for those that fired."""
    fired = []
    for job in await jobs_db.due(conn, now):
        drive = await drives_db.by_id(conn, job.drive_id)
        assert drive is not None
        late = is_late(job.due_at, now)
        skip = drive.status is DriveStatus.ENDED or (
            job.kind is JobKind.LAST_DAY and now >= drive.ends_at
        )
        if skip:
            await jobs_db.take(conn, job.id, status="skipped", now=now, late=late)
            continue
        if not await jobs_db.take(conn, job.id, status="fired", now=now, late=late):
            continue
        queued: list[int]
        if job.kind is JobKind.START:
            await drives_db.set_status(conn, drive.id, DriveStatus.ACTIVE)
            teams = await drives_db.teams(conn, drive.id)
            queued = await _queue(
                conn,
                drive,
                "drive_start",
                {
                    "goal": drive.goal,
                    "ends_at": to_text(drive.ends_at),
                    "teams": [t.name for t in teams],
                    "late": late,
                },
                now,
            )
        elif job.kind is JobKind.LAST_DAY:
            queued = await _queue(
                conn,
                drive,
                "drive_last_day",
                {
                    "total": drive.total,
                    "goal": drive.goal,
                    "ends_at": to_text(drive.ends_at),
                    "late": late,
                },
                now,
            )
        else:
            queued = await finish(conn, drive, now=now, early=False, late=late)
        fired.append((drive.id, job.kind, late, queued))
    return fired
