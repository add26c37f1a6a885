"""Leaderboard use cases: recruiters, teams and petitions boards; settings; posted boards.

Reading a board is one read of counters the database keeps on write (see
`0006_leaderboards.sql`); nothing here counts signatures. Before a server's first board, and
after its time zone changed, `sync_zone` writes the zone's UTC offsets and recounts that server's
buckets in one transaction, so "today" always starts at midnight where the server is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db import Database, audit, drives, petitions
from bot.db import leaderboard_posts as posts_db
from bot.db import leaderboards as boards_db
from bot.db.database import Connection
from bot.db.leaderboard_posts import Post
from bot.db.leaderboards import Board, BoardSettings
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.drives import Drive
from bot.domain.errors import InvalidInput
from bot.domain.leaderboards import (
    MIN_GROUP_MAX,
    PAGE_SIZE,
    OwnStanding,
    Period,
    PetitionOrder,
    PetitionStanding,
    RankedGroup,
    Scope,
    Standing,
    bucket_key,
    current_buckets,
    fold_small_groups,
    momentum_since,
    period_start,
    prunable_before,
    rank_petitions,
    zone_offsets,
)
from bot.domain.petitions import Petition, Status
from bot.i18n import N_
from bot.services.coalitions import CoalitionService, Standings
from bot.services.drives import find_drive
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition

log = logging.getLogger(__name__)
EVERY_MINUTES_MAX = 24 * 60
BOARDS = ("recruiters", "teams", "petitions")


@dataclass(frozen=True, slots=True)
class RecruiterQuery:
    """What a member asked for: the server, or one petition or drive (by code or name)."""

    guild_id: int
    petition: str | None = None
    drive: str | None = None
    period: Period = Period.ALL


@dataclass(frozen=True, slots=True)
class RecruiterBoard:
    scope: Scope
    subject: str | None  # the petition's title or the drive's name; None for the server
    period: Period
    count_logged: bool
    page: int
    standings: list[Standing]
    has_more: bool
    own: OwnStanding | None
    since: datetime | None  # when the period began

    @property
    def pages(self) -> int:
        """Pages known so far: this one and, when more follow, the next."""
        return self.page + (2 if self.has_more else 1)


@dataclass(frozen=True, slots=True)
class TeamBoard:
    drive: Drive
    groups: list[RankedGroup]
    min_group: int
    count_logged: bool


@dataclass(frozen=True, slots=True)
class PetitionBoard:
    order: PetitionOrder
    standings: list[PetitionStanding]


@dataclass(frozen=True, slots=True)
class ServerBoard:
    """A coalition's servers by signatures (`/leaderboard teams petition:`), for organizers.
    `names` are the servers' Discord names as the bot knows them (the cog fills them in from
    its guild cache; services do not talk to Discord)."""

    standings: Standings
    names: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PostRequest:
    """What an organizer asked `/leaderboard post` for."""

    channel_id: int
    board: str = "recruiters"
    period: Period = Period.ALL
    order: PetitionOrder = PetitionOrder.TOTAL
    petition: str | None = None
    drive: str | None = None
    every_minutes: int = 10


class LeaderboardService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        self._zones: dict[int, str] = {}  # servers whose buckets are in step with their zone

    # -- time zones --------------------------------------------------------------------------
    async def sync_zone(self, guild_id: int) -> BoardSettings:
        """The server's board settings, its buckets in step with its time zone (one cheap read
        when they are; a recount of that server's recruiters when the zone changed)."""
        async with self.db.read() as conn:
            settings = await boards_db.settings(conn, guild_id)
            zone = await boards_db.server_zone(conn, guild_id)
        if settings.zone == zone:
            return settings
        # ~50 ms of CPU for a zone not seen since start-up: in a thread, not on the event loop
        offsets = await asyncio.to_thread(zone_offsets, zone)
        async with self.db.transaction() as conn:
            await boards_db.set_zone(
                conn, guild_id, zone, offsets, current_buckets(self.clock(), zone)
            )
            settings = await boards_db.settings(conn, guild_id)
        log.info("leaderboard buckets of guild %s recounted for its time zone", guild_id)
        return settings

    async def sync_all_zones(self) -> int:
        """At start-up: every server whose buckets are not in its current zone; how many."""
        async with self.db.read() as conn:
            stale = await boards_db.stale_zones(conn)
        for guild_id, _ in stale:
            await self.sync_zone(guild_id)
        return len(stale)

    # -- recruiters --------------------------------------------------------------------------
    async def _scope(
        self, conn: Connection, query: RecruiterQuery
    ) -> tuple[Scope, int, str | None]:
        if query.petition and query.drive:
            raise InvalidInput(N_("Choose a petition or a drive, not both."))
        if query.drive:
            drive = await find_drive(conn, query.guild_id, query.drive)
            return Scope.DRIVE, drive.id, drive.name
        if query.petition:
            petition = await find_petition(conn, query.guild_id, query.petition)
            return Scope.PETITION, petition.id, petition.title
        return Scope.GUILD, query.guild_id, None

    async def recruiters(
        self, query: RecruiterQuery, *, page: int = 0, user_id: int | None = None
    ) -> RecruiterBoard:
        """A page of the recruiters board, and `user_id`'s own standing in it."""
        async with self.db.read() as conn:  # a refused query writes nothing, not even the zone
            await self._scope(conn, query)
        settings = await self.sync_zone(query.guild_id)
        now = self.clock()
        page = max(page, 0)
        async with self.db.read() as conn:
            zone = await boards_db.server_zone(conn, query.guild_id)
            scope, scope_id, subject = await self._scope(conn, query)
            board = Board(scope, scope_id, bucket_key(query.period, now, zone))
            standings, more = await boards_db.recruiter_page(
                conn, board, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            if not standings and page > 0:
                page = 0
                standings, more = await boards_db.recruiter_page(
                    conn, board, offset=0, limit=PAGE_SIZE
                )
            own = None if user_id is None else await boards_db.own_standing(conn, board, user_id)
        return RecruiterBoard(
            scope,
            subject,
            query.period,
            settings.count_logged,
            page,
            standings,
            more,
            own,
            period_start(query.period, now, zone),
        )

    # -- teams and petitions -----------------------------------------------------------------
    async def teams(self, guild_id: int, drive_name: str | None) -> TeamBoard:
        async with self.db.read() as conn:
            settings = await boards_db.settings(conn, guild_id)
            drive = await find_drive(conn, guild_id, drive_name)
            totals = await boards_db.team_totals(conn, drive.id, count_logged=settings.count_logged)
        return TeamBoard(
            drive,
            fold_small_groups(totals, settings.min_group),
            settings.min_group,
            settings.count_logged,
        )

    async def servers(self, actor: Actor, petition: str, drive: str | None = None) -> Standings:
        """The servers of a shared petition by signatures, for organizers of the owner or of a
        following server. The ranking and the small-server folding are the coalition's own
        (`CoalitionService.standings`), so `/petition partners` and this board never differ."""
        if drive is not None:
            raise InvalidInput(N_("Choose a petition or a drive, not both."))
        return await CoalitionService(self.db, self.clock).standings(actor, petition)

    async def petitions(self, guild_id: int, order: PetitionOrder) -> PetitionBoard:
        since = momentum_since(self.clock())
        async with self.db.read() as conn:
            rows = await boards_db.petition_totals(conn, guild_id, since)
        return PetitionBoard(order, rank_petitions(rows, order))

    # -- settings ----------------------------------------------------------------------------
    async def settings(self, guild_id: int) -> BoardSettings:
        async with self.db.read() as conn:
            return await boards_db.settings(conn, guild_id)

    async def configure(
        self, actor: Actor, *, count_logged: bool | None = None, min_group: int | None = None
    ) -> BoardSettings:
        if min_group is not None and not 1 <= min_group <= MIN_GROUP_MAX:
            raise InvalidInput(
                N_("The smallest team shown must have from 1 to {limit} members."),
                limit=MIN_GROUP_MAX,
            )
        now = self.clock()
        async with self.db.transaction() as conn:
            current = await require_organizer(conn, actor)
            before = await boards_db.settings(conn, current.guild_id)
            await boards_db.save_settings(
                conn, current.guild_id, count_logged=count_logged, min_group=min_group
            )
            if count_logged is not None and count_logged != before.count_logged:
                zone = await boards_db.server_zone(conn, current.guild_id)
                await boards_db.rebuild_recruiters(
                    conn, current.guild_id, current_buckets(now, zone)
                )
            await audit.record(
                conn,
                guild_id=current.guild_id,
                actor_id=actor.user_id,
                action="leaderboard.settings",
                subject=None,
                now=now,
                details={"count_logged": count_logged, "min_group": min_group},
            )
            return await boards_db.settings(conn, current.guild_id)

    # -- posted boards -----------------------------------------------------------------------
    async def create_post(self, actor: Actor, request: PostRequest) -> Post:
        if request.board not in BOARDS:
            raise InvalidInput(N_("Rally posts the recruiters, teams or petitions board."))
        if not 1 <= request.every_minutes <= EVERY_MINUTES_MAX:
            raise InvalidInput(N_("Refresh every 1 to {limit} minutes."), limit=EVERY_MINUTES_MAX)
        now = self.clock()
        guild_id = require_guild(actor)
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            scope, scope_id = Scope.GUILD, guild_id
            if request.board == "teams":
                drive = await find_drive(conn, guild_id, request.drive)
                scope, scope_id = Scope.DRIVE, drive.id
            elif request.board == "recruiters":
                scope, scope_id, _ = await self._scope(
                    conn, RecruiterQuery(guild_id, request.petition, request.drive)
                )
            post_id = await posts_db.insert_post(
                conn,
                guild_id=guild_id,
                channel_id=request.channel_id,
                board=request.board,
                scope=scope,
                scope_id=scope_id,
                period=(
                    request.order.value if request.board == "petitions" else request.period.value
                ),
                every_minutes=request.every_minutes,
                created_by=actor.user_id,
                now=now,
            )
            await audit.record(
                conn,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="leaderboard.post",
                subject=request.board,
                now=now,
                details={"channel_id": request.channel_id, "every": request.every_minutes},
            )
            post = await posts_db.post_by_id(conn, post_id)
        assert post is not None
        return post

    async def due_posts(self) -> list[Post]:
        async with self.db.read() as conn:
            return await posts_db.due_posts(conn, self.clock())

    async def post_content(self, post: Post) -> RecruiterBoard | TeamBoard | PetitionBoard | None:
        """What a posted board shows now; None when its petition or drive is gone."""
        if post.board == "petitions":
            return await self.petitions(post.guild_id, PetitionOrder(post.period))
        assert post.scope_id is not None
        async with self.db.read() as conn:
            subject = await self._subject(conn, post.scope, post.scope_id)
        if subject is None:
            return None
        if post.board == "teams":
            assert isinstance(subject, Drive)
            return await self.teams(post.guild_id, subject.name)
        query = RecruiterQuery(post.guild_id, period=Period(post.period))
        if isinstance(subject, Drive):
            query = RecruiterQuery(post.guild_id, drive=subject.name, period=Period(post.period))
        elif isinstance(subject, Petition):
            query = RecruiterQuery(post.guild_id, petition=subject.code, period=Period(post.period))
        return await self.recruiters(query)

    async def _subject(
        self, conn: Connection, scope: Scope, scope_id: int
    ) -> Drive | Petition | int | None:
        if scope is Scope.DRIVE:
            return await drives.by_id(conn, scope_id)
        if scope is Scope.PETITION:
            petition = await petitions.by_id(conn, scope_id)
            if petition is None or petition.status is Status.DELETED:
                return None
            return petition
        return scope_id

    async def posted(self, post: Post, message_id: int) -> None:
        """The post's message is `message_id`; it is due again `every_minutes` from now."""
        async with self.db.transaction() as conn:
            await posts_db.posted(
                conn, post.id, message_id, self.clock() + timedelta(minutes=post.every_minutes)
            )

    async def drop_post(self, post_id: int) -> None:
        async with self.db.transaction() as conn:
            await posts_db.delete_post(conn, post_id)

    async def prune(self) -> int:
        """Drop the buckets and hourly counts no board shows any more; how many buckets."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await boards_db.prune_hours(conn, momentum_since(now) - 24)
            return await boards_db.prune_buckets(conn, prunable_before(now))
