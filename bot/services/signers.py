"""Signer use cases: a member's profile, delivery details, privacy, language, export and forget.

Linking a member to a record lives in `services/links.py`; imports and exports beside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.db import Database, audit, links, petitions, signers
from bot.db.database import Connection
from bot.db.signers import ReferralCode, SealedDetails, SignedPetition, SignerRecord
from bot.domain.actors import Actor
from bot.domain.clock import Clock, to_text, utcnow
from bot.domain.errors import InvalidInput, PetitionGone
from bot.domain.petitions import Petition, Status
from bot.domain.sealing import Hasher, Sealer, canonical_email, load_public_key
from bot.domain.signer_errors import HashKeyMissing, SealingOff
from bot.domain.signers import SignerDetails, parse_public_name
from bot.email import Mailer, SmtpConfig, SmtpMailer
from bot.i18n import LANGUAGES, N_
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition

log = logging.getLogger(__name__)

DEFAULT_IMPORT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class SignerConfig:
    """The keys and mail server the signers area works with; each may be absent."""

    sealer: Sealer | None = None
    hasher: Hasher | None = None
    mailer: Mailer | None = None
    import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES

    @classmethod
    def from_settings(cls, settings: Settings) -> SignerConfig:
        sealer = hasher = None
        mailer: Mailer | None = None
        if settings.rally_public_key:
            sealer = Sealer(load_public_key(settings.rally_public_key))
        if settings.rally_hash_key is not None:
            hasher = Hasher(settings.rally_hash_key.get_secret_value().encode("utf-8"))
        if settings.smtp_host and settings.smtp_from:
            mailer = SmtpMailer(
                SmtpConfig(
                    host=settings.smtp_host,
                    port=settings.smtp_port,
                    sender=settings.smtp_from,
                    username=settings.smtp_username,
                    password=(
                        settings.smtp_password.get_secret_value()
                        if settings.smtp_password
                        else None
                    ),
                    starttls=settings.smtp_starttls,
                )
            )
        return cls(sealer, hasher, mailer, settings.import_max_bytes)

    def require_sealer(self) -> Sealer:
        if self.sealer is None:
            raise SealingOff()
        return self.sealer

    def require_hasher(self) -> Hasher:
        if self.hasher is None:
            raise HashKeyMissing()
        return self.hasher


@dataclass(frozen=True, slots=True)
class Profile:
    record: SignerRecord | None
    linked_at: datetime | None
    signatures: list[SignedPetition]
    referral_codes: list[ReferralCode]
    sealing_on: bool
    pending_link: bool
    pending_claim: int | None

    @property
    def recruits(self) -> int:
        return sum(code.recruits for code in self.referral_codes)


@dataclass(frozen=True, slots=True)
class ForgetResult:
    signatures_anonymized: int
    petitions: list[int] = field(default_factory=list)


class SignerService:
    def __init__(self, db: Database, clock: Clock = utcnow, config: SignerConfig | None = None):
        self.db = db
        self.clock = clock
        self.config = config or SignerConfig()

    @property
    def sealing_on(self) -> bool:
        return self.config.sealer is not None

    # -- reading -----------------------------------------------------------------------------
    async def profile(self, user_id: int) -> Profile:
        async with self.db.read() as conn:
            signer_id = await signers.for_user(conn, user_id)
            record = None if signer_id is None else await signers.get(conn, signer_id)
            signed = [] if signer_id is None else await signers.signed_petitions(conn, signer_id)
            pending = await links.pending_code(conn, user_id)
            claim = await links.pending_claim_of(conn, user_id)
            return Profile(
                record=record,
                linked_at=await signers.linked_at(conn, user_id),
                signatures=signed,
                referral_codes=await signers.referral_codes(conn, user_id),
                sealing_on=self.sealing_on,
                pending_link=pending is not None and pending.expires_at > self.clock(),
                pending_claim=claim.id if claim else None,
            )

    async def needs_details(self, user_id: int, petition: Petition) -> bool:
        """Ask this member for delivery details before they sign `petition`? Only when the
        petition collects them, a public key is set, and the member has not given them yet."""
        if not self.sealing_on:
            return False
        async with self.db.read() as conn:
            if not await signers.collects_details(conn, petition.id):
                return False
            signer_id = await signers.for_user(conn, user_id)
            record = None if signer_id is None else await signers.get(conn, signer_id)
        return record is None or not record.has_name

    async def public_name(self, user_id: int) -> str | None:
        """The name to show on leaderboards and announcements; None means "a member"."""
        async with self.db.read() as conn:
            return await signers.public_name_for_user(conn, user_id)

    # -- a member's own record ---------------------------------------------------------------
    async def save_details(self, actor: Actor, details: SignerDetails) -> SignerRecord:
        """Seal and store the member's delivery details (replacing earlier ones)."""
        sealer = self.config.require_sealer()
        hasher = self.config.hasher
        email_key = canonical_email(details.email) if details.email else None
        sealed = SealedDetails(
            sealer.seal(details.name),
            sealer.seal(details.postal_code),
            sealer.seal_optional(details.email),
            sealer.seal_optional(details.phone),
        )
        now = self.clock()
        async with self.db.transaction() as conn:
            signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
            await signers.set_details(
                conn,
                signer_id,
                sealed,
                email_hash=hasher.email(email_key) if hasher and email_key else None,
                name_postal_hash=(
                    hasher.name_postal(details.name, details.postal_code) if hasher else None
                ),
            )
            await self._audit(conn, actor, "me.details", now)
            record = await signers.get(conn, signer_id)
        assert record is not None
        return record

    async def set_privacy(
        self, actor: Actor, *, show_name: bool, public_name: str | None = None
    ) -> SignerRecord:
        name = parse_public_name(public_name or actor.display_name) if show_name else None
        now = self.clock()
        async with self.db.transaction() as conn:
            signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
            await signers.set_privacy(conn, signer_id, show_name=show_name, public_name=name)
            await self._audit(conn, actor, "me.privacy", now, {"show_name": show_name})
            record = await signers.get(conn, signer_id)
        assert record is not None
        return record

    async def set_language(self, actor: Actor, language: str | None) -> None:
        if language is not None and language not in LANGUAGES:
            raise InvalidInput(N_("Rally speaks en, be, ru and uk."))
        now = self.clock()
        async with self.db.transaction() as conn:
            signer_id = await signers.ensure_for_user(conn, actor.user_id, now)
            await signers.set_language(conn, signer_id, language)

    async def export_me(self, actor: Actor) -> dict[str, Any]:
        """Everything Rally holds about the member, sealed fields listed as sealed."""
        profile = await self.profile(actor.user_id)
        now = self.clock()
        async with self.db.transaction() as conn:
            actions = await conn.fetchall(
                "SELECT action, subject, created_at FROM audit_log WHERE actor_id = ? ORDER BY id",
                (actor.user_id,),
            )
            await self._audit(conn, actor, "me.export", now)
        record = profile.record
        return {
            "about": "Everything Rally holds about you. Sealed fields were encrypted with the "
            "organization's public key; Rally itself cannot read them back.",
            "generated_at": to_text(now),
            "discord_user_id": str(actor.user_id),
            "linked_at": to_text(profile.linked_at) if profile.linked_at else None,
            "record": None if record is None else _record_json(record),
            "signatures": [
                {
                    "petition": s.code,
                    "title": s.title,
                    "signed_at": to_text(s.signed_at),
                    "source": s.source,
                    "status": s.status,
                    "signer_number": s.signer_number,
                }
                for s in profile.signatures
            ],
            "referral_codes": [
                {"code": c.code, "drive": c.drive, "recruits": c.recruits}
                for c in profile.referral_codes
            ],
            "pending_link_code": profile.pending_link,
            "pending_claim": profile.pending_claim,
            "actions": [{"action": a[0], "subject": a[1], "at": a[2]} for a in actions],
        }

    async def forget(self, actor: Actor) -> ForgetResult:
        """Erase the member's personal data everywhere; petition totals do not change."""
        now = self.clock()
        async with self.db.transaction() as conn:
            signer_id = await signers.for_user(conn, actor.user_id)
            touched: list[int] = []
            if signer_id is not None:
                touched = [
                    int(r[0])
                    for r in await conn.fetchall(
                        "SELECT DISTINCT petition_id FROM signatures WHERE signer_id = ?",
                        (signer_id,),
                    )
                ]
            forgotten = await signers.forget(conn, actor.user_id, signer_id, now)
            await audit.record(
                conn,
                guild_id=actor.guild_id,
                actor_id=None,
                action="me.forget",
                subject=None,
                now=now,
                details={"signatures_anonymized": forgotten.signatures},
            )
        log.info("a member's data was erased (%d signatures anonymized)", forgotten.signatures)
        return ForgetResult(forgotten.signatures, touched)

    # -- organizers --------------------------------------------------------------------------
    async def set_collects_details(self, actor: Actor, raw_code: str, on: bool) -> Petition:
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
            if petition.status is Status.DELETED:
                raise PetitionGone()
            await signers.set_collects_details(conn, petition.id, on)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="petition.details",
                subject=petition.code,
                now=now,
                details={"collect": on},
            )
            updated = await petitions.by_id(conn, petition.id)
        assert updated is not None
        return updated

    async def collects_details(self, petition_id: int) -> bool:
        async with self.db.read() as conn:
            return self.sealing_on and await signers.collects_details(conn, petition_id)

    async def audit_trail(self, actor: Actor, limit: int = 20) -> list[audit.AuditEntry]:
        async with self.db.read() as conn:
            await require_organizer(conn, actor)
            return await audit.recent(conn, require_guild(actor), limit)

    async def _audit(
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        now: datetime,
        details: dict[str, object] | None = None,
    ) -> None:
        await audit.record(
            conn,
            guild_id=actor.guild_id,
            actor_id=actor.user_id,
            action=action,
            subject=None,
            now=now,
            details=details,
        )


def _record_json(record: SignerRecord) -> dict[str, Any]:
    def sealed(present: bool) -> str:
        return "sealed" if present else "not given"

    return {
        "created_at": to_text(record.created_at),
        "source": record.source,
        "name": sealed(record.has_name),
        "postal_code": sealed(record.has_postal_code),
        "email": sealed(record.has_email),
        "phone": sealed(record.has_phone),
        "email_lookup": "keyed hash" if record.has_email_hash else "none",
        "name_postal_lookup": "keyed hash" if record.has_name_postal_hash else "none",
        "show_name_publicly": record.show_name,
        "public_name": record.public_name,
        "language": record.language,
    }
