"""Petition use cases: create, show, sign, withdraw, list, edit, close, reopen, delete, count."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.db import Database, audit, drives, petition_messages, petitions, signatures, signers
from bot.db.database import Connection
from bot.db.petition_messages import ShownAt
from bot.db.signatures import DuplicateSignature
from bot.domain.abuse import AbuseLimits, Action
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import (
    AlreadySigned,
    CodeExhausted,
    InvalidInput,
    NotSigned,
    PetitionClosed,
    PetitionGone,
)
from bot.domain.petitions import (
    GoalChange,
    Petition,
    PetitionDraft,
    Status,
    goal_after,
    new_code,
    next_rung,
    parse_external_count,
)
from bot.i18n import N_, Lazy
from bot.services.coalitions import signable
from bot.services.cooldowns import Cooldowns
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition, find_visible_petition
from bot.services.milestones import queue_crossings
from bot.services.referrals import DriveNews, RunningDrives, after_signing, parse_referral, resolve
from bot.services.reviews import hold_if_flagged, refuse_again

log = logging.getLogger(__name__)
PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class SignResult:
    petition: Petition
    signer_number: int
    goal_change: GoalChange | None
    announcements: list[int]
    #: Set when a drive was running: what the signature did for it, the signer's own code.
    drive: DriveNews | None = None
    #: True when the signature is held for the organizers' review (not counted yet).
    held: bool = False


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


async def _rise_goal(
    conn: Connection, petition_id: int, total: int, goal: int, now: datetime
) -> GoalChange | None:
    change = goal_after(total, goal)
    if change is not None:
        await petitions.change_goal(conn, petition_id, change, reason="reached", now=now)
    return change


class PetitionService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        running: RunningDrives | None = None,
        *,
        limits: AbuseLimits | None = None,
        cooldowns: Cooldowns | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.running = running or RunningDrives()
        self.limits = limits or AbuseLimits()
        self.cooldowns = cooldowns or Cooldowns(self.limits)

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
        async with self.db.read() as conn:
            _, total = await petitions.list_page(
                conn, guild_id, statuses=("open",), offset=0, limit=0
            )
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            items, total = await petitions.list_page(
                conn, guild_id, statuses=("open",), offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
        return PetitionPage(items, page, pages, total)

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
        return petition

    async def set_external(self, actor: Actor, raw_code: str, count: int) -> CountResult:
        count = parse_external_count(count)
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await self._find(conn, require_guild(actor), raw_code)
            await petitions.set_external(conn, petition.id, count, now)
            total = petition.signature_count + count
            change = await _rise_goal(conn, petition.id, total, petition.goal, now)
            queued = await queue_crossings(
                conn,
                petition,
                old_total=petition.total,
                new_total=total,
                goal_change=change,
                now=now,
            )
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
            petition = await signable(conn, actor, petition_id)  # the owner's or a partner's
            signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
            earlier = await signatures.of_signer(conn, petition.id, signer_id)
            if earlier is not None:
                refuse_again(petition, earlier)
            self.cooldowns.check(Action.SIGN, actor.user_id)  # after: a double click is told why
            if not petition.is_open:
                raise PetitionClosed(title=petition.title)
            window = await self.running.running(conn, petition.id, now)
            referred = None
            if code is not None:
                referred = await resolve(conn, petition, actor.user_id, code, now)
                window = referred.drive.window()
            held = await hold_if_flagged(
                conn,
                self.limits,
                petition,
                guild_id=actor.guild_id or petition.guild_id,
                user_id=actor.user_id,
                signer_id=signer_id,
                drive_id=window.drive_id if window else None,
                referral_code_id=referred.code_id if referred else None,
                now=now,
            )
            if held is not None:
                return SignResult(petition, 0, None, held.announcements, held=True)
            total, number = await petitions.count_new_signature(conn, petition.id)
            try:
                if window is None:
                    await signatures.insert(
                        conn,
                        petition_id=petition.id,
                        signer_id=signer_id,
                        guild_id=actor.guild_id,
                        source="discord",
                        signer_number=number,
                        now=now,
                    )
                else:
                    await drives.insert_signature(
                        conn,
                        petition_id=petition.id,
                        signer_id=signer_id,
                        guild_id=actor.guild_id,
                        signer_number=number,
                        drive_id=window.drive_id,
                        referral_code_id=referred.code_id if referred else None,
                        now=now,
                    )
            except DuplicateSignature:
                raise AlreadySigned(title=petition.title, date=now) from None
            change = await _rise_goal(conn, petition.id, total, petition.goal, now)
            queued = await queue_crossings(
                conn,
                petition,
                old_total=petition.total,
                new_total=total,
                goal_change=change,
                now=now,
            )
            news = None
            if window is not None:
                news = await after_signing(
                    conn, petition, window, referred, user_id=actor.user_id, now=now
                )
                queued += news.announcements
            updated = replace(
                petition,
                signature_count=petition.signature_count + 1,
                goal=change.to_goal if change else petition.goal,
                updated_at=now,
            )
            return SignResult(updated, number, change, queued, news)

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
