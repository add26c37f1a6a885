"""Milestones: detect crossings inside the signing transaction, configure, and read history.

Crossings are written to the `announcements` outbox in the same transaction as the signature
that caused them; the dispatcher (bot/outbox.py) sends them. A unique key per (server, kind,
threshold) makes each announcement happen once, whatever the concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import Database, announcements, audit, coalitions, guilds, petitions
from bot.db.announcements import Announcement, MilestoneSettings
from bot.db.database import Connection
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.milestones import crossings, format_ladder, parse_ladder, rungs_between
from bot.domain.petitions import GoalChange, Petition
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition, find_visible_petition

#: Retries back off: 2 s, 4 s, 8 s … up to 5 minutes; after this many attempts a row fails.
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(minutes=5)


async def queue_crossings(
    conn: Connection,
    petition: Petition,
    *,
    old_total: int,
    new_total: int,
    goal_change: GoalChange | None,
    now: datetime,
) -> list[int]:
    """Queue the announcements a count change calls for; return the new outbox ids."""
    if goal_change is None and not rungs_between(old_total, new_total, petition.milestone_ladder):
        return []  # the common case under a surge: no rung here, no queries
    queued = await _queue_for(
        conn, petition, petition.guild_id, old_total, new_total, goal_change, now, owner=True
    )
    for guild_id in await coalitions.following_guilds(conn, petition.id):
        queued += await _queue_for(
            conn, petition, guild_id, old_total, new_total, goal_change, now, owner=False
        )
    return queued


async def _queue_for(
    conn: Connection,
    petition: Petition,
    guild_id: int,
    old_total: int,
    new_total: int,
    goal_change: GoalChange | None,
    now: datetime,
    *,
    owner: bool,
) -> list[int]:
    """One server's announcements of the crossings, each rung once per server (its own
    `announce_each`, channel and, when sent, language). A partner server is told only when it
    configured a channel; the owner falls back to the server's system channel."""
    config = await announcements.settings(conn, guild_id)
    channel_id = config.channel_id or (await guilds.get(conn, guild_id)).announcement_channel_id
    if channel_id is None and not owner:
        return []
    found = crossings(
        highest_announced=await announcements.highest_milestone(conn, guild_id, petition.id),
        old_total=old_total,
        new_total=new_total,
        ladder=petition.milestone_ladder,
        announce_each=config.announce_each,
        goal_change=goal_change,
    )
    queued = []
    for crossing in found:
        new_id = await announcements.add(
            conn,
            guild_id=guild_id,
            petition_id=petition.id,
            kind=crossing.kind,
            threshold=crossing.threshold,
            dedupe_key=f"petition:{petition.id}:{crossing.dedupe_key}",
            channel_id=channel_id,
            payload={"total": crossing.total, "new_goal": crossing.new_goal},
            now=now,
        )
        if new_id is not None:
            queued.append(new_id)
    return queued


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** max(1, attempts)))


@dataclass(frozen=True, slots=True)
class MilestoneConfig:
    settings: MilestoneSettings
    petition: Petition | None
    ladder: tuple[int, ...] | None


class MilestoneService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def settings(self, guild_id: int) -> MilestoneSettings:
        async with self.db.read() as conn:
            return await announcements.settings(conn, guild_id)

    async def configure(
        self,
        actor: Actor,
        *,
        channel_id: int | None = None,
        ping_role_id: int | None = None,
        clear_ping_role: bool = False,
        announce_each: bool | None = None,
        petition_code: str | None = None,
        ladder: str | None = None,
    ) -> MilestoneConfig:
        parsed = parse_ladder(ladder) if ladder is not None else None
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            guild_id = require_guild(actor)
            current = await announcements.settings(conn, guild_id)
            updated = MilestoneSettings(
                guild_id,
                channel_id if channel_id is not None else current.channel_id,
                None if clear_ping_role else (ping_role_id or current.ping_role_id),
                current.announce_each if announce_each is None else announce_each,
            )
            await announcements.save_settings(conn, updated, now)
            petition = None
            if petition_code is not None:
                petition = await find_petition(conn, guild_id, petition_code)
                if parsed is not None:
                    await petitions.set_milestone_ladder(conn, petition.id, format_ladder(parsed))
            await audit.record(
                conn,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="milestones.setup",
                subject=petition.code if petition else None,
                now=now,
            )
            fresh = await petitions.by_id(conn, petition.id) if petition else None
        return MilestoneConfig(updated, fresh, fresh.milestone_ladder if fresh else None)

    async def history(
        self, guild_id: int, petition_code: str
    ) -> tuple[Petition, list[Announcement]]:
        """What this server announced about a petition it owns or follows."""
        async with self.db.read() as conn:
            petition = await find_visible_petition(conn, guild_id, petition_code)
            return petition, await announcements.history(conn, guild_id, petition.id)

    # -- for the dispatcher --------------------------------------------------------------------
    async def due(self, limit: int = 50) -> list[Announcement]:
        async with self.db.read() as conn:
            return await announcements.pending(conn, self.clock(), limit)

    async def pending_count(self) -> int:
        async with self.db.read() as conn:
            return await announcements.pending_count(conn)

    async def petition_for(self, petition_id: int) -> Petition | None:
        async with self.db.read() as conn:
            return await petitions.by_id(conn, petition_id)

    async def still_shared(self, petition: Petition, guild_id: int) -> bool:
        """Whether the server still owns or follows the petition: an announcement queued for a
        partner that was removed (or stopped following) before it went out is dropped."""
        if petition.guild_id == guild_id:
            return True
        async with self.db.read() as conn:
            return await coalitions.is_following(conn, petition.id, guild_id)

    async def mark_attempt(self, announcement_id: int) -> None:
        async with self.db.transaction() as conn:
            await announcements.mark_attempt(conn, announcement_id, self.clock())

    async def mark_sent(self, announcement_id: int, *, channel_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await announcements.mark_sent(
                conn,
                announcement_id,
                channel_id=channel_id,
                message_id=message_id,
                now=self.clock(),
            )

    async def retry_later(self, announcement: Announcement, error: str) -> bool:
        """Schedule another attempt; False (and the row failed) when attempts are used up."""
        async with self.db.transaction() as conn:
            if announcement.attempts + 1 >= MAX_ATTEMPTS:
                await announcements.mark_failed(conn, announcement.id, error=error)
                return False
            at = self.clock() + backoff(announcement.attempts + 1)
            await announcements.mark_retry(conn, announcement.id, at=at, error=error)
            return True

    async def give_up(self, announcement_id: int, error: str) -> None:
        async with self.db.transaction() as conn:
            await announcements.mark_failed(conn, announcement_id, error=error)
