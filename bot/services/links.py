"""`/me link`: a member claims the record they made outside Discord, by email.

With SMTP configured, Rally emails a 6-digit code to the address the member typed (valid 15
minutes, 5 tries, compared in constant time, at most 3 codes an hour) and links on the right code.
Without SMTP the claim waits for organizers (`/signers claims`). Either way the address is used
only as a keyed hash (and sealed, when a public key is set); it is never stored in plain text.

Linking merges the member's own record into the claimed one: totals do not change except where
both records signed the same petition, and then only the later signature goes.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db import Database, audit, links, signers
from bot.db.database import Connection
from bot.db.links import Claim, PendingCode
from bot.domain.abuse import AbuseLimits, Action
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import InvalidInput
from bot.domain.sealing import canonical_email
from bot.domain.signer_errors import (
    AlreadyLinked,
    ClaimNotFound,
    ClaimPending,
    ClaimReviewed,
    LinkCodeExpired,
    LinkCodeWrong,
    LinkRateLimited,
    LinkTooManyTries,
    MailFailed,
    NoLinkPending,
    RecordLinkedElsewhere,
)
from bot.domain.signers import EMAIL_BAD, clean
from bot.email import MailError
from bot.i18n import N_, Lazy, localizer
from bot.services.cooldowns import Cooldowns
from bot.services.guilds import require_guild, require_organizer
from bot.services.signers import SignerConfig

CODE_LIFETIME = timedelta(minutes=15)
CODE_TRIES = 5
SENDS_PER_WINDOW = 3
SEND_WINDOW = timedelta(hours=1)

EMAIL_SUBJECT = N_("Your Rally code: {code}")
EMAIL_BODY = N_(
    "Your code to link your signatures to your Discord account is {code}.\n\n"
    "Type it in Discord within 15 minutes. If you did not ask for it, ignore this email: "
    "nothing happens without the code."
)


@dataclass(frozen=True, slots=True)
class LinkStarted:
    """`email`: a code is on its way; `review`: claim `claim_id` waits for the organizers."""

    mode: str
    claim_id: int | None = None


@dataclass(frozen=True, slots=True)
class Linked:
    """found_record: an earlier record had that email; merged: the member's own record was
    folded into it; lowered: petitions whose count went down because both records signed."""

    found_record: bool
    merged: bool
    lowered: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    """A claim as organizers see it: who, when, and what it would link — nothing personal."""

    claim: Claim
    matches_record: bool
    record_signatures: int
    record_source: str | None
    linked_elsewhere: bool


@dataclass(frozen=True, slots=True)
class Reviewed:
    claim: Claim
    approved: bool
    linked: Linked | None


class LinkService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        config: SignerConfig | None = None,
        *,
        cooldowns: Cooldowns | None = None,
    ):
        self.db = db
        self.clock = clock
        self.config = config or SignerConfig()
        self.cooldowns = cooldowns or Cooldowns(AbuseLimits())

    async def start(self, actor: Actor, email: str) -> LinkStarted:
        """Send a code to `email`, or file a claim for review where no SMTP is configured."""
        hasher = self.config.require_hasher()
        typed = clean(email)
        canonical = canonical_email(typed)
        if canonical is None:
            raise InvalidInput(
                N_("Rally could not use that address: {problem}."), problem=Lazy(EMAIL_BAD)
            )
        self.cooldowns.check(Action.LINK, actor.user_id)
        email_hash = hasher.email(canonical)
        sealed = self.config.sealer.seal(typed) if self.config.sealer else None
        now = self.clock()
        if self.config.mailer is None:
            guild_id = require_guild(actor)
            async with self.db.transaction() as conn:
                await self._refuse_own(conn, actor.user_id, email_hash)
                if await links.pending_claim_of(conn, actor.user_id) is not None:
                    raise ClaimPending()
                claim_id = await links.add_claim(
                    conn,
                    guild_id=guild_id,
                    user_id=actor.user_id,
                    email_hash=email_hash,
                    sealed_email=sealed,
                    now=now,
                )
                await audit.record(
                    conn,
                    guild_id=guild_id,
                    actor_id=actor.user_id,
                    action="me.link_claim",
                    subject=f"claim:{claim_id}",
                    now=now,
                )
            return LinkStarted("review", claim_id)

        code = f"{secrets.randbelow(10**6):06d}"
        async with self.db.transaction() as conn:
            await self._refuse_own(conn, actor.user_id, email_hash)
            previous = await links.pending_code(conn, actor.user_id)
            sends, window = 1, now
            if previous is not None and now < previous.window_started_at + SEND_WINDOW:
                if previous.sends >= SENDS_PER_WINDOW:
                    wait = previous.window_started_at + SEND_WINDOW - now
                    raise LinkRateLimited(minutes=max(1, math.ceil(wait.total_seconds() / 60)))
                sends, window = previous.sends + 1, previous.window_started_at
            await links.save_code(
                conn,
                PendingCode(
                    user_id=actor.user_id,
                    email_hash=email_hash,
                    sealed_email=sealed,
                    code_hash=hasher.link_code(actor.user_id, code),
                    expires_at=now + CODE_LIFETIME,
                    tries_left=CODE_TRIES,
                    sends=sends,
                    window_started_at=window,
                ),
                now,
            )
        tr = localizer(actor.language)
        try:
            await self.config.mailer.send(
                typed, tr.t(EMAIL_SUBJECT, code=code), tr.t(EMAIL_BODY, code=code)
            )
        except MailError:
            async with self.db.transaction() as conn:
                if previous is None:
                    await links.delete_code(conn, actor.user_id)
                else:
                    await links.save_code(conn, previous, now)
            raise MailFailed() from None
        return LinkStarted("email")

    async def confirm(self, actor: Actor, code: str) -> Linked:
        """Link on the right code. A wrong code spends a try and changes nothing else."""
        hasher = self.config.require_hasher()
        digits = "".join(code.split())
        self.cooldowns.check(Action.CODE, actor.user_id)
        now = self.clock()
        wrong: int | None = None
        async with self.db.transaction() as conn:
            pending = await links.pending_code(conn, actor.user_id)
            if pending is None:
                raise NoLinkPending()
            if pending.tries_left <= 0:
                raise LinkTooManyTries()
            if now >= pending.expires_at:
                raise LinkCodeExpired()
            right = hasher.same(hasher.link_code(actor.user_id, digits), pending.code_hash)
            if not right:
                wrong = await links.use_try(conn, actor.user_id)
            else:
                linked = await link_record(
                    conn, actor.user_id, pending.email_hash, pending.sealed_email, now
                )
                await links.delete_code(conn, actor.user_id)
                await _audit_link(conn, actor.guild_id, actor.user_id, "me.link", None, linked, now)
        if wrong is not None:
            if wrong == 0:
                raise LinkTooManyTries()
            raise LinkCodeWrong(tries=wrong)
        return linked

    async def _refuse_own(self, conn: Connection, user_id: int, email_hash: str) -> None:
        mine = await signers.for_user(conn, user_id)
        if mine is not None and await signers.by_email_hash(conn, email_hash) == mine:
            raise AlreadyLinked()

    # -- the organizers' queue ---------------------------------------------------------------
    async def claims(self, actor: Actor) -> list[ClaimInfo]:
        async with self.db.read() as conn:
            await require_organizer(conn, actor)
            found = []
            for claim in await links.pending_claims(conn, require_guild(actor)):
                target = await signers.by_email_hash(conn, claim.email_hash)
                record = None if target is None else await signers.get(conn, target)
                count = 0 if target is None else len(await signers.signed_petitions(conn, target))
                owner = None if target is None else await signers.user_of(conn, target)
                found.append(
                    ClaimInfo(
                        claim,
                        target is not None,
                        count,
                        record.source if record else None,
                        owner is not None and owner != claim.user_id,
                    )
                )
            return found

    async def review(self, actor: Actor, claim_id: int, *, approve: bool) -> Reviewed:
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            claim = await links.claim(conn, claim_id)
            if claim is None or claim.guild_id != actor.guild_id:
                raise ClaimNotFound(claim=claim_id)
            if claim.status != "pending":
                raise ClaimReviewed(claim=claim_id)
            linked = None
            if approve:
                linked = await link_record(
                    conn, claim.user_id, claim.email_hash, claim.sealed_email, now
                )
            await links.review_claim(
                conn, claim_id, approved=approve, reviewer=actor.user_id, now=now
            )
            action = "signers.claim_approve" if approve else "signers.claim_reject"
            await _audit_link(
                conn, claim.guild_id, actor.user_id, action, f"claim:{claim_id}", linked, now
            )
        return Reviewed(claim, approve, linked)


async def link_record(
    conn: Connection,
    user_id: int,
    email_hash: str,
    sealed_email: bytes | None,
    now: datetime,
) -> Linked:
    """Link `user_id` to the record with `email_hash`, merging their own record into it.

    No such record: the proven email is remembered on the member's own record, so a later import
    recognises them. A record linked to another member: `RecordLinkedElsewhere`, nothing changed.
    """
    target = await signers.by_email_hash(conn, email_hash)
    mine = await signers.for_user(conn, user_id)
    if target is None:
        if mine is None:
            mine = await signers.ensure_for_user(conn, user_id, now)
        await signers.add_email(conn, mine, email_hash, sealed_email)
        return Linked(found_record=False, merged=False)
    if target == mine:
        raise AlreadyLinked()
    owner = await signers.user_of(conn, target)
    if owner is not None and owner != user_id:
        raise RecordLinkedElsewhere()
    if mine is None:
        await signers.link(conn, user_id, target, now)
        return Linked(found_record=True, merged=False)
    lowered = await signers.merge(conn, loser=mine, survivor=target)
    return Linked(found_record=True, merged=True, lowered=lowered)


async def _audit_link(
    conn: Connection,
    guild_id: int | None,
    actor_id: int,
    action: str,
    subject: str | None,
    linked: Linked | None,
    now: datetime,
) -> None:
    details: dict[str, object] = {}
    if linked is not None:
        details = {
            "found_record": linked.found_record,
            "merged": linked.merged,
            "duplicates_removed": len(linked.lowered),
        }
    await audit.record(
        conn,
        guild_id=guild_id,
        actor_id=actor_id,
        action=action,
        subject=subject,
        now=now,
        details=details,
    )
