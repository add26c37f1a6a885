"""Counting signatures that came from elsewhere, inside the caller's transaction.

A CSV import and a batch of webhook events end the same way: their staged rows become
signatures (`bot/db/staged_signatures.py`), the petition's counter moves, its goal rises when
reached, and the milestones crossed go to the outbox — all in one transaction, so a failure counts
nothing. With `drive_news`, what the rows did for drives (a share of a drive's goal, a recruiter's
1st, 5th … recruit) is queued as well, as a member's signature would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import drives as drives_db
from bot.db import petitions, staged_signatures
from bot.db.database import Connection
from bot.db.staged_signatures import Counted, Staging
from bot.domain.drives import recruit_rungs_crossed
from bot.domain.petitions import GoalChange, Petition, goal_after
from bot.services.milestones import queue_crossings
from bot.services.referrals import queue, queue_goal_percents


async def after_count(
    conn: Connection, petition: Petition, total: int, now: datetime
) -> tuple[GoalChange | None, list[int]]:
    """The petition's count went from `petition.total` to `total`: raise the goal when reached
    and queue the milestones crossed. Returns the goal change and the new outbox ids."""
    change = goal_after(total, petition.goal)
    if change is not None:
        await petitions.change_goal(conn, petition.id, change, reason="reached", now=now)
    queued = await queue_crossings(
        conn, petition, old_total=petition.total, new_total=total, goal_change=change, now=now
    )
    return change, queued


@dataclass(frozen=True, slots=True)
class GroupCount:
    counted: Counted
    total: int
    goal_change: GoalChange | None
    announcements: list[int]


async def count_group(
    conn: Connection,
    petition: Petition,
    staging: Staging,
    group_id: int,
    *,
    signer_source: str,
    now: datetime,
    running_drive_id: int | None = None,
    drive_news: bool = False,
) -> GroupCount:
    """Count a group of staged rows for `petition` (as read in this transaction)."""
    counted = await staged_signatures.count_staged(
        conn,
        staging,
        group_id,
        petition_id=petition.id,
        guild_id=petition.guild_id,
        signer_source=signer_source,
        now=now,
        running_drive_id=running_drive_id,
    )
    if not counted.imported:
        return GroupCount(counted, petition.total, None, [])
    _, total = await petitions.add_signatures(conn, petition.id, counted.imported)
    change, queued = await after_count(conn, petition, total, now)
    if drive_news:
        queued += await _drive_news(conn, staging, group_id, now)
    return GroupCount(counted, total, change, queued)


async def _drive_news(
    conn: Connection, staging: Staging, group_id: int, now: datetime
) -> list[int]:
    queued: list[int] = []
    for drive_id, gained in (await staged_signatures.drive_gains(conn, staging, group_id)).items():
        drive = await drives_db.by_id(conn, drive_id)
        if drive is not None:
            queued += await queue_goal_percents(
                conn, drive, old_total=drive.total - gained, new_total=drive.total, now=now
            )
    for gain in await staged_signatures.recruiter_gains(conn, staging, group_id):
        drive = await drives_db.by_id(conn, gain.drive_id)
        if drive is None:
            continue
        for rung in recruit_rungs_crossed(gain.recruits - gain.gained, gain.recruits):
            new_id = await queue(
                conn,
                guild_id=drive.guild_id,
                petition_id=drive.petition_id,
                drive_id=drive.id,
                drive_name=drive.name,
                channel_id=drive.channel_id,
                kind="recruit",
                key=f"recruiter:{gain.participant_id}:{rung}",
                threshold=rung,
                payload={"user_id": gain.user_id},
                now=now,
            )
            if new_id is not None:
                queued.append(new_id)
    return queued
