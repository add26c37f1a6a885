"""Held signatures: holding a suspicious one when a member signs, and the organizers' review.

`hold_if_flagged` runs inside the signing transaction (a few lines in `PetitionService.sign`):
a signature from a new account, or from a burst of young ones, is written as 'pending', counted
nowhere, and a report for the organizers' review channel goes into the announcements outbox in
the same transaction (so it is sent exactly once, even across a crash). Accepting counts it
through the same steps as a signature made now — counter, signer number, goal ladder,
milestones — and the database triggers count it for its drive, recruiter and hourly board.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.db import Database, announcements, audit, guilds, holds, petitions
from bot.db import drives as drives_db
from bot.db.database import Connection
from bot.db.drives import ReferralMatch
from bot.db.holds import Hold
from bot.db.signatures import SignatureRow
from bot.domain.abuse import (
    AbuseLimits,
    AwaitingReview,
    NotCounted,
    NotPending,
    account_created_at,
    hold_reason,
)
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import AlreadySigned
from bot.domain.petitions import GoalChange, Petition
from bot.services.counting import after_count
from bot.services.guilds import require_organizer
from bot.services.referrals import after_signing

log = logging.getLogger(__name__)

#: The outbox kind of a report in the organizers' review channel.
REVIEW_KIND = "review"
LIST_LIMIT = 25


@dataclass(frozen=True, slots=True)
class Held:
    signature_id: int
    announcements: list[int]


@dataclass(frozen=True, slots=True)
class Decided:
    hold: Hold
    accepted: bool
    petition: Petition
    goal_change: GoalChange | None
    announcements: list[int]


async def hold_if_flagged(
    conn: Connection,
    limits: AbuseLimits,
    petition: Petition,
    *,
    guild_id: int,
    user_id: int,
    signer_id: int,
    drive_id: int | None,
    referral_code_id: int | None,
    now: datetime,
) -> Held | None:
    """Hold the member's signature for review when the rules say so; None: count it as usual.

    `guild_id` is the server the member signed from: with a coalition, a partner's organizers
    review their own members, and the owner's never see who signed elsewhere.

    The burst query runs only for young accounts, so an ordinary signature costs nothing more.
    """
    young = None
    if not limits.is_new(user_id, now) and limits.is_young(user_id, now):
        young = await holds.young_signatures_since(
            conn, petition.id, now - limits.burst_window, limits.burst_floor(now)
        )
    reason = hold_reason(limits, user_id, now, young)
    if reason is None:
        return None
    signature_id = await holds.insert_held(
        conn,
        petition_id=petition.id,
        signer_id=signer_id,
        guild_id=guild_id,
        drive_id=drive_id,
        referral_code_id=referral_code_id,
        reason=reason,
        account_created_at=account_created_at(user_id),
        now=now,
    )
    queued: list[int] = []
    channel_id = (await guilds.get(conn, guild_id)).organizers_channel_id
    if channel_id is not None:
        report = await announcements.add(
            conn,
            guild_id=guild_id,
            petition_id=petition.id,
            kind=REVIEW_KIND,
            threshold=None,
            dedupe_key=f"review:{signature_id}",
            channel_id=channel_id,
            payload={"signature_id": signature_id},
            now=now,
        )
        queued = [report] if report is not None else []
    log.info("signature %s on petition %s held for review (%s)", signature_id, petition.id, reason)
    return Held(signature_id, queued)


async def _drive_news(conn: Connection, petition: Petition, hold: Hold, now: datetime) -> list[int]:
    """What the accepted signature reached for its drive (its share of the goal, a recruiter's
    rung), announced as when a member signs: the triggers have just counted it."""
    assert hold.drive_id is not None
    drive = await drives_db.by_id(conn, hold.drive_id)
    if drive is None:
        return []
    referred = None
    if hold.referral_code_id is not None:
        recruiter = await holds.recruiter_of(conn, hold.referral_code_id)
        if recruiter is not None:
            referred = ReferralMatch(hold.referral_code_id, recruiter[0], recruiter[1], drive)
    news = await after_signing(
        conn, petition, drive.window(), referred, user_id=hold.user_id or 0, now=now
    )
    return news.announcements


def refuse_again(petition: Petition, earlier: SignatureRow) -> None:
    """The member already has a signature on the petition: say kindly what became of it."""
    if earlier.status == "pending":
        raise AwaitingReview(title=petition.title)
    if earlier.status == "rejected":
        raise NotCounted(title=petition.title)
    raise AlreadySigned(title=petition.title, date=earlier.signed_at)


class ReviewService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def get(self, signature_id: int) -> Hold | None:
        """A hold, for the report the dispatcher sends (None once it was decided)."""
        async with self.db.read() as conn:
            return await holds.get(conn, signature_id)

    async def pending(self, actor: Actor) -> tuple[list[Hold], int]:
        """The server's held signatures, oldest first (at most 25), and how many there are."""
        async with self.db.read() as conn:
            settings = await require_organizer(conn, actor)
            found = await holds.of_guild(conn, settings.guild_id, LIST_LIMIT)
            return found, await holds.count_of_guild(conn, settings.guild_id)

    async def decide(self, actor: Actor, signature_id: int, *, accept: bool) -> Decided:
        """Accept (count it now) or reject a held signature; organizers of its server only."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            hold = await holds.get(conn, signature_id)
            if hold is None or hold.guild_id != settings.guild_id:
                raise NotPending()
            petition = await petitions.by_id(conn, hold.petition_id)
            assert petition is not None
            change = None
            queued: list[int] = []
            number = 0
            if accept:
                total, number = await petitions.count_new_signature(conn, petition.id)
                change, queued = await after_count(conn, petition, total, now)
            await holds.decide(conn, signature_id, accept=accept, signer_number=number)
            if accept and hold.drive_id is not None:
                queued += await _drive_news(conn, petition, hold, now)
            await audit.record(
                conn,
                guild_id=settings.guild_id,
                actor_id=actor.user_id,
                action="signature.accept" if accept else "signature.reject",
                subject=petition.code,
                now=now,
                details={"reason": hold.reason.value},  # not which signature: not who
            )
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return Decided(hold, accept, updated, change, queued)
