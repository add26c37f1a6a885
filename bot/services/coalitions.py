"""Coalitions: a petition shared by many servers (issue 15).

The owning server opens a petition to partners and gets a join code (shown only to its
organizers, ephemerally); an organizer of another server follows the petition with the code and
the join code. Members of every following server show, sign, withdraw and share it; one
signature per person across all servers, one shared total. Everything that changes the petition
itself (edit, close, delete, count, drives, webhooks, its ladder) stays with the owning server.

Organizers of the owner and of following servers see signatures per server — counts only, small
servers folded into "other" — never a name or a signer of another server.

A partner that stops following (removed by the owner, or it left) keeps its signatures counted:
they were real. They are dropped only when organizers of both servers agreed, each on their own
side; dropping deletes those signatures, and the triggers keep every counter exact.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from bot.db import Database, audit, coalitions, petitions
from bot.db import leaderboards as boards_db
from bot.db.database import Connection
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.coalitions import (
    AlreadyDropped,
    AlreadyFollowing,
    CoalitionNotFound,
    DropSide,
    NotAPartner,
    NotFollowing,
    NotShared,
    OwnPetition,
    Partner,
    PartnerStatus,
    RemovedPartner,
    StillFollowing,
    new_join_code,
    normalize_join_code,
    rank_servers,
)
from bot.domain.errors import PetitionClosed, PetitionGone, PetitionNotFound
from bot.domain.leaderboards import RankedGroup
from bot.domain.petitions import Petition, Status, normalize_code
from bot.services.guilds import require_organizer
from bot.services.lookups import find_petition

log = logging.getLogger(__name__)


async def signable(conn: Connection, actor: Actor, petition_id: int) -> Petition:
    """The petition, when the member's server owns or follows it (signing from a partner);
    `NotShared` when the server followed it once, `PetitionGone` otherwise."""
    petition = await petitions.by_id(conn, petition_id)
    if petition is None or petition.status is Status.DELETED or actor.guild_id is None:
        raise PetitionGone()
    if petition.guild_id == actor.guild_id:
        return petition
    found = await coalitions.partner(conn, petition.id, actor.guild_id)
    if found is None:
        raise PetitionGone()
    if found.status is not PartnerStatus.FOLLOWING:
        raise NotShared(title=petition.title)
    return petition


@dataclass(frozen=True, slots=True)
class Invite:
    petition: Petition
    join_code: str | None  # None: closed to new partners


@dataclass(frozen=True, slots=True)
class Standings:
    """Signatures per server, as organizers of the coalition see them."""

    petition: Petition
    viewer_guild_id: int
    servers: list[RankedGroup]
    min_group: int
    #: Counted outside Discord (the petition's own site, imports, paper): no server.
    elsewhere: int
    #: Partners that no longer follow (their signatures stay counted until dropped).
    statuses: dict[int, PartnerStatus]


@dataclass(frozen=True, slots=True)
class DropOutcome:
    petition: Petition
    partner: Partner
    side: DropSide
    #: How many counted signatures were dropped; None while the other side has not agreed.
    dropped: int | None


class CoalitionService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    # -- the owning server -------------------------------------------------------------------
    async def invite(self, actor: Actor, raw_code: str, action: str = "show") -> Invite:
        """Show the join code (opening the petition to partners the first time), draw a new one
        (`rotate`: the old one stops working) or `close` the petition to new partners."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            petition = await find_petition(conn, settings.guild_id, raw_code)
            code = await coalitions.join_code(conn, petition.id)
            if action == "close":
                code = None
            elif action == "rotate" or code is None:
                code = new_join_code()
            else:
                return Invite(petition, code)
            await coalitions.set_join_code(conn, petition.id, code, now)
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action=f"coalition.{'close' if code is None else 'open'}",
                subject=petition.code,
                now=now,
            )
        return Invite(petition, code)

    async def remove(self, actor: Actor, raw_code: str, partner_guild_id: int) -> Petition:
        """The owner ends a partnership; the partner's signatures stay counted."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            petition = await find_petition(conn, settings.guild_id, raw_code)
            found = await coalitions.partner(conn, petition.id, partner_guild_id)
            if found is None or found.status is not PartnerStatus.FOLLOWING:
                raise NotAPartner(title=petition.title)
            await coalitions.end(conn, petition.id, partner_guild_id, PartnerStatus.REMOVED, now)
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action="coalition.remove",
                subject=petition.code,
                now=now,
                details={"partner": partner_guild_id},
            )
        log.info("petition %s: partner guild %s removed", petition.code, partner_guild_id)
        return petition

    # -- a partner server --------------------------------------------------------------------
    async def follow(self, actor: Actor, raw_code: str, raw_join_code: str) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            guild_id = settings.guild_id
            code = normalize_code(raw_code)
            petition = None if code is None else await coalitions.petition_by_code(conn, code)
            if petition is not None and petition.guild_id == guild_id:
                raise OwnPetition(title=petition.title)
            join_code = normalize_join_code(raw_join_code)
            expected = None if petition is None else await coalitions.join_code(conn, petition.id)
            if (
                petition is None
                or join_code is None
                or expected is None
                or not hmac.compare_digest(join_code, expected)
            ):
                raise CoalitionNotFound()
            found = await coalitions.partner(conn, petition.id, guild_id)
            if found is not None and found.status is PartnerStatus.FOLLOWING:
                raise AlreadyFollowing(title=petition.title)
            if found is not None and found.status is PartnerStatus.REMOVED:
                raise RemovedPartner(title=petition.title)
            if not petition.is_open:
                raise PetitionClosed(title=petition.title)
            await coalitions.follow(conn, petition.id, guild_id, now)
            await audit.record(
                conn,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="coalition.follow",
                subject=petition.code,
                now=now,
            )
            await audit.record(  # the owner's log names the server, not the partner's organizer
                conn,
                guild_id=petition.guild_id,
                actor_id=None,
                action="coalition.partner_joined",
                subject=petition.code,
                now=now,
                details={"partner": guild_id},
            )
        log.info("guild %s follows petition %s", guild_id, petition.code)
        return petition

    async def unfollow(self, actor: Actor, raw_code: str) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            code = normalize_code(raw_code)
            petition = (
                None
                if code is None
                else await coalitions.followed_by_code(conn, settings.guild_id, code)
            )
            if petition is None:
                raise NotFollowing(code=(code or raw_code.strip()[:20]) or "—")
            await coalitions.end(conn, petition.id, settings.guild_id, PartnerStatus.LEFT, now)
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action="coalition.unfollow",
                subject=petition.code,
                now=now,
            )
        return petition

    # -- both sides --------------------------------------------------------------------------
    async def _partnered(
        self, conn: Connection, guild_id: int, raw_code: str
    ) -> tuple[Petition, Partner | None]:
        """A petition this server owns (partner None) or was ever a partner of."""
        code = normalize_code(raw_code)
        if code is None:
            raise PetitionNotFound(code=raw_code.strip()[:20] or "—")
        petition = await coalitions.petition_by_code(conn, code)
        if petition is None:
            raise PetitionNotFound(code=code)
        if petition.guild_id == guild_id:
            return petition, None
        found = await coalitions.partner(conn, petition.id, guild_id)
        if found is None:
            raise PetitionNotFound(code=code)
        return petition, found

    async def standings(self, actor: Actor, raw_code: str) -> Standings:
        """Signatures per server, for organizers of the owner and of following partners."""
        async with self.db.read() as conn:
            settings = await require_organizer(conn, actor)
            petition, found = await self._partnered(conn, settings.guild_id, raw_code)
            if found is not None and found.status is not PartnerStatus.FOLLOWING:
                raise NotShared(title=petition.title)
            minimum = max(
                (await boards_db.settings(conn, petition.guild_id)).min_group,
                (await boards_db.settings(conn, settings.guild_id)).min_group,
            )
            rows = await coalitions.contributions(conn, petition)
        in_servers = sum(c.signatures for c in rows)
        return Standings(
            petition,
            settings.guild_id,
            rank_servers(rows, minimum),
            minimum,
            petition.total - in_servers,
            {c.guild_id: c.status for c in rows if c.status is not None},
        )

    async def agree_to_drop(
        self, actor: Actor, raw_code: str, partner_guild_id: int | None = None
    ) -> DropOutcome:
        """One side agrees to drop a former partner's signatures: the owner names the partner,
        the partner names no one. When both sides agreed, the signatures go."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            petition, found = await self._partnered(conn, settings.guild_id, raw_code)
            side = DropSide.PARTNER if found is not None else DropSide.OWNER
            partner_id = settings.guild_id if found is not None else partner_guild_id
            if found is None and partner_id is not None:
                found = await coalitions.partner(conn, petition.id, partner_id)
            if found is None or partner_id is None:
                raise NotAPartner(title=petition.title)
            if found.status is PartnerStatus.FOLLOWING:
                raise StillFollowing(title=petition.title)
            if found.dropped:
                raise AlreadyDropped(title=petition.title)
            updated = await coalitions.agree_to_drop(
                conn,
                petition.id,
                partner_id,
                owner_side=side is DropSide.OWNER,
                user_id=actor.user_id,
            )
            dropped = None
            if updated.owner_agreed and updated.partner_agreed:
                dropped = await coalitions.drop_signatures(conn, petition.id, partner_id, now)
                updated = await self._reload(conn, petition.id, partner_id)
            for server in {settings.guild_id, petition.guild_id, partner_id}:
                await audit.record(
                    conn,
                    guild_id=server,
                    actor_id=actor.user_id if server == settings.guild_id else None,
                    action="coalition.drop" if dropped is not None else "coalition.drop_agreed",
                    subject=petition.code,
                    now=now,
                    details={"partner": partner_id, "side": side.value, "dropped": dropped},
                )
            fresh = await petitions.by_id(conn, petition.id)
        assert fresh is not None
        return DropOutcome(fresh, updated, side, dropped)

    async def _reload(self, conn: Connection, petition_id: int, guild_id: int) -> Partner:
        found = await coalitions.partner(conn, petition_id, guild_id)
        assert found is not None
        return found

    async def search_followed(self, guild_id: int, text: str, limit: int = 25) -> list[Petition]:
        """For autocomplete: petitions of other servers this server follows."""
        async with self.db.read() as conn:
            return await coalitions.search_followed(conn, guild_id, text.strip()[:100], limit)

    async def partner_choices(self, guild_id: int, raw_code: str) -> list[int]:
        """For autocomplete: the servers that ever partnered a petition of this server."""
        code = normalize_code(raw_code)
        async with self.db.read() as conn:
            petition = None if code is None else await petitions.by_code(conn, guild_id, code)
            if petition is None:
                return []
            return [p.guild_id for p in await coalitions.partners(conn, petition.id)]
