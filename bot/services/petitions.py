"""Petition use cases: create, show, sign, withdraw, list, edit, close, reopen, delete, count."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, audit, petition_messages, petitions, signatures, signers
from bot.db.database import Connection
from bot.db.petition_messages import ShownAt
from bot.domain.abuse import AbuseLimits
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import (
    CodeExhausted,
    InvalidInput,
    NotSigned,
    PetitionGone,
)
from bot.domain.petitions import (
    GoalChange,
    Petition,
    PetitionDraft,
    Status,
    new_code,
    next_rung,
    parse_external_count,
)
from bot.i18n import N_, Lazy
from bot.services.cooldowns import Cooldowns
from bot.services.counting import after_count
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition, find_visible_petition
from bot.services.referrals import RunningDrives, parse_referral
from bot.services.signing import SignResult, sign_in
from bot.services.webhook_targets import WebhookTargets

log = logging.getLogger(__name__)
PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class CountResult:
    petition: Petition
    goal_change: GoalChange | None
    announcements: list[int]


@dataclass(frozen=True, slots=True)
class PetitionPage:
    petitions: list[Petition]
    page: int
    pages: int
    total: int
    #: The server listing them: a petition of another server is one it follows.
    guild_id: int


class PetitionService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        running: RunningDrives | None = None,
        *,
        limits: AbuseLimits | None = None,
        cooldowns: Cooldowns | None = None,
        webhook_targets: WebhookTargets | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.running = running or RunningDrives()
        self.limits = limits or AbuseLimits()
        self.cooldowns = cooldowns or Cooldowns(self.limits)
        self.webhook_targets = webhook_targets or WebhookTargets()

    # -- reading -----------------------------------------------------------------------------
    async def _find(self, conn: Connection, guild_id: int, raw_code: str) -> Petition:
        return await find_petition(conn, guild_id, raw_code)

    async def get(self, guild_id: int, raw_code: str) -> Petition:
        async with self.db.read() as conn:
            return await self._find(conn, guild_id, raw_code)

    async def get_visible(self, guild_id: int, raw_code: str) -> Petition:
        """A petition this server owns or follows (members of partners show and sign it)."""
        async with self.db.read() as conn:
            return await find_visible_petition(conn, guild_id, raw_code)

    async def get_by_id(self, petition_id: int) -> Petition:
        """A petition by id, for buttons; `PetitionGone` when it was deleted."""
        async with self.db.read() as conn:
            petition = await petitions.by_id(conn, petition_id)
        if petition is None or petition.status is Status.DELETED:
            raise PetitionGone()
        return petition

    async def search(self, guild_id: int, text: str, limit: int = 25) -> list[Petition]:
        async with self.db.read() as conn:
            return await petitions.search(conn, guild_id, text.strip()[:100], limit)

    async def list_open(self, guild_id: int, page: int) -> PetitionPage:
        """Open petitions of this server and those it follows (a coalition's), newest first."""
        async with self.db.read() as conn:
            _, total = await petitions.list_page(
                conn, guild_id, statuses=("open",), offset=0, limit=0, followed=True
            )
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            items, total = await petitions.list_page(
                conn,
                guild_id,
                statuses=("open",),
                offset=page * PAGE_SIZE,
                limit=PAGE_SIZE,
                followed=True,
            )
        return PetitionPage(items, page, pages, total, guild_id)

    async def guild_counts(self, guild_id: int) -> tuple[int, int]:
        async with self.db.read() as conn:
            return await petitions.guild_counts(conn, guild_id)

    async def signed_on(self, petition_id: int, user_id: int) -> datetime | None:
        async with self.db.read() as conn:
            signer_id = await signers.for_user(conn, user_id)
            if signer_id is None:
                return None
            row = await signatures.of_signer(conn, petition_id, signer_id)
        return None if row is None else row.signed_at

    async def remember_message(self, shown: ShownAt) -> None:
        async with self.db.transaction() as conn:
            await petition_messages.remember(conn, shown, self.clock())

    async def messages_of(self, petition_id: int) -> tuple[Petition | None, list[ShownAt]]:
        """The petition (even deleted) and the newest messages that show it."""
        async with self.db.read() as conn:
            petition = await petitions.by_id(conn, petition_id)
            return petition, await petition_messages.newest(conn, petition_id)

    async def forget_message(self, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await petition_messages.forget(conn, message_id)

    # -- organizers --------------------------------------------------------------------------
    async def create(self, actor: Actor, draft: PetitionDraft) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            goal = draft.goal or next_rung(0)
            for _ in range(20):
                petition_id = await petitions.insert(
                    conn,
                    code=new_code(),
                    guild_id=settings.guild_id,
                    draft=draft,
                    goal=goal,
                    language=settings.language,
                    organization=settings.organization_name,
                    author_id=actor.user_id,
                    author_name=actor.display_name[:100],
                    now=now,
                )
                if petition_id is not None:
                    break
            else:
                raise CodeExhausted()
            petition = await petitions.by_id(conn, petition_id)
            assert petition is not None
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action="petition.create",
                subject=petition.code,
                now=now,
            )
        log.info("petition %s created in guild %s", petition.code, settings.guild_id)
        return petition

    async def edit(self, actor: Actor, petition_id: int, draft: PetitionDraft) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await self._owned(conn, actor, petition_id)
            await petitions.update_text(conn, petition.id, draft, now)
            if draft.goal is not None and draft.goal != petition.goal:
                await self._set_goal(conn, petition, draft.goal, now)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="petition.edit",
                subject=petition.code,
                now=now,
            )
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return updated

    async def _owned(self, conn: Connection, actor: Actor, petition_id: int) -> Petition:
        petition = await petitions.by_id(conn, petition_id)
        if petition is None or petition.status is Status.DELETED:
            raise PetitionGone()
        if petition.guild_id != actor.guild_id:
            raise PetitionGone()
        return petition

    async def _set_goal(
        self, conn: Connection, petition: Petition, goal: int, now: datetime
    ) -> None:
        if goal <= petition.total:
            raise InvalidInput(
                N_("The goal must be above the current total ({total})."), total=petition.total
            )
        await petitions.change_goal(
            conn, petition.id, GoalChange(petition.goal, goal), reason="organizer", now=now
        )

    async def set_status(self, actor: Actor, raw_code: str, status: Status) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await self._find(conn, require_guild(actor), raw_code)
            if petition.status is status:
                raise InvalidInput(
                    N_("“{title}” is already {status}."),
                    title=petition.title,
                    status=Lazy(STATUS_WORDS[status]),
                )
            await petitions.set_status(conn, petition.id, status, now)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action=f"petition.{ACTIONS[status]}",
                subject=petition.code,
                now=now,
            )
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return updated

    async def delete(self, actor: Actor, petition_id: int) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await self._owned(conn, actor, petition_id)
            await petitions.set_status(conn, petition.id, Status.DELETED, now)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="petition.delete",
                subject=petition.code,
                now=now,
            )
        self.webhook_targets.forget(petition.code)  # its webhook refuses from now on
        return petition

    async def set_external(self, actor: Actor, raw_code: str, count: int) -> CountResult:
        count = parse_external_count(count)
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await self._find(conn, require_guild(actor), raw_code)
            await petitions.set_external(conn, petition.id, count, now)
            total = petition.signature_count + count
            change, queued = await after_count(conn, petition, total, now)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="petition.count",
                subject=petition.code,
                now=now,
                details={"external": count},
            )
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return CountResult(updated, change, queued)

    # -- members -----------------------------------------------------------------------------
    async def sign(self, actor: Actor, petition_id: int, referral: str | None = None) -> SignResult:
        """Sign as the member's signer record; one transaction, exact under any concurrency.

        During a drive the signature counts for it, and with a `referral` code for the drive
        participant whose code it is (never the member themselves; a code of another petition's
        drive, or of a drive not running, is refused and nothing is written).

        The transaction runs as one hop on the database thread (`Database.run_transaction`):
        the body awaits only `conn` and must stay free of anything that suspends.
        """
        now = self.clock()
        code = parse_referral(referral)

        async def signing(conn: Connection) -> SignResult:
            return await sign_in(
                conn,
                actor,
                petition_id,
                code,
                now,
                running=self.running,
                limits=self.limits,
                cooldowns=self.cooldowns,
            )

        return await self.db.run_transaction(signing)

    async def sign_by_code(
        self, actor: Actor, raw_code: str, referral: str | None = None
    ) -> SignResult:
        petition = await self.get_visible(require_guild(actor), raw_code)
        return await self.sign(actor, petition.id, referral)

    async def withdraw(self, actor: Actor, raw_code: str) -> Petition:
        async with self.db.transaction() as conn:
            petition = await find_visible_petition(
                conn, require_guild(actor), raw_code, formerly=True
            )
            signer_id = await signers.for_user(conn, actor.user_id)
            row = (
                None
                if signer_id is None
                else await signatures.of_signer(conn, petition.id, signer_id)
            )
            if row is None:
                raise NotSigned(title=petition.title)
            await signatures.delete(conn, row.id)  # a held signature's hold goes with it
            if row.status == "counted":
                await petitions.add_signatures(conn, petition.id, -1)
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return updated


STATUS_WORDS = {Status.OPEN: N_("open"), Status.CLOSED: N_("closed"), Status.DELETED: N_("deleted")}
ACTIONS = {Status.OPEN: "reopen", Status.CLOSED: "close", Status.DELETED: "delete"}
