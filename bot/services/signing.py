"""The signing transaction: what `PetitionService.sign` runs on the database thread.

`sign_in` is the body of a `Database.run_transaction`: it awaits nothing but its `conn` (a
`ThreadConnection` that never suspends), and what else it touches — the running-drives cache and
the cooldowns — is safe to use from the database thread. One signature, its counter, the goal it
raises, the milestones it crosses and what it does for a running drive are written together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.db import drives, petitions, signatures, signers
from bot.db.database import Connection
from bot.db.signatures import DuplicateSignature
from bot.domain.abuse import AbuseLimits, Action
from bot.domain.actors import Actor
from bot.domain.errors import AlreadySigned, PetitionClosed
from bot.domain.petitions import GoalChange, Petition
from bot.services.coalitions import signable
from bot.services.cooldowns import Cooldowns
from bot.services.counting import after_count
from bot.services.referrals import DriveNews, RunningDrives, after_signing, resolve
from bot.services.reviews import hold_if_flagged, refuse_again


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


async def sign_in(
    conn: Connection,
    actor: Actor,
    petition_id: int,
    code: str | None,
    now: datetime,
    *,
    running: RunningDrives,
    limits: AbuseLimits,
    cooldowns: Cooldowns,
) -> SignResult:
    """Sign as the member's signer record, from the owner's server or a partner's; with a
    referral `code` for the drive participant whose code it is."""
    petition = await signable(conn, actor, petition_id)  # the owner's or a partner's
    signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
    earlier = await signatures.of_signer(conn, petition.id, signer_id)
    if earlier is not None:
        refuse_again(petition, earlier)
    cooldowns.check(Action.SIGN, actor.user_id)  # after: a double click is told why
    if not petition.is_open:
        raise PetitionClosed(title=petition.title)
    window = await running.running(conn, petition.id, now)
    referred = None
    if code is not None:
        referred = await resolve(conn, petition, actor.user_id, code, now)
        window = referred.drive.window()
    held = await hold_if_flagged(
        conn,
        limits,
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
    change, queued = await after_count(conn, petition, total, now)
    news = None
    if window is not None:
        news = await after_signing(conn, petition, window, referred, user_id=actor.user_id, now=now)
        queued += news.announcements
    updated = replace(
        petition,
        signature_count=petition.signature_count + 1,
        goal=change.to_goal if change else petition.goal,
        updated_at=now,
    )
    return SignResult(updated, number, change, queued, news)
