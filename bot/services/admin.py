"""Server-wide data protection: `/admin purge` deletes everything Rally holds about a server."""

from __future__ import annotations

import logging

from bot.db import Database, coalitions, purge
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import NotAManager
from bot.services.guilds import GuildService, require_guild
from bot.services.referrals import RunningDrives

log = logging.getLogger(__name__)


class AdminService:
    def __init__(
        self, db: Database, guilds: GuildService, running: RunningDrives, clock: Clock = utcnow
    ) -> None:
        self.db = db
        self.guilds = guilds
        self.running = running
        self.clock = clock

    def check_manager(self, actor: Actor) -> int:
        guild_id = require_guild(actor)
        if not actor.manage_guild:
            raise NotAManager()
        return guild_id

    async def purge(self, actor: Actor) -> dict[str, int]:
        """Delete every row of this server, in one transaction (all or nothing)."""
        guild_id = self.check_manager(actor)
        async with self.db.transaction() as conn:
            # Its members' signatures on partner petitions go with it: off those totals first.
            await coalitions.release_guild(conn, guild_id)
            deleted = await purge.purge_guild(conn, guild_id)
        self.guilds.forget_cached(guild_id)
        self.running.reset()
        log.warning("all data of guild %s purged: %s rows", guild_id, sum(deleted.values()))
        return deleted
