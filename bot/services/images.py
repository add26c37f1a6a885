"""Images of a petition: the share card, the printable flyer and the progress chart.

The service reads what an image needs (the petition, its public page or else the server's invite
as the QR fallback, the chart's timeline), and asks the render cache for the image: the cache
renders it in a thread, once per petition, kind, language, text and count bucket, however many
members ask at once.
The drawing itself is pure and lives in `bot.ui.images`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.db import Database, guilds, petitions, timeline
from bot.db.database import Connection
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import PetitionGone
from bot.domain.petitions import Petition, Status
from bot.services.lookups import find_visible_petition
from bot.services.public_pages import PublicPageService
from bot.ui.images.cache import RenderCache, RenderKey, count_bucket, fingerprint
from bot.ui.images.content import Sms, qr_target
from bot.ui.images.kinds import DayCount, MilestoneMark, Paper

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImageFile:
    """A rendered image, ready to attach: its bytes, a file name, and the petition it shows."""

    petition: Petition
    data: bytes
    filename: str


@dataclass(frozen=True, slots=True)
class _Subject:
    petition: Petition
    invite_url: str | None
    sms: Sms | None = None


class ImageService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        *,
        cache: RenderCache | None = None,
        pages: PublicPageService | None = None,
    ) -> None:
        self.db = db
        #: Where a QR code leads when the petition has no link of its own: its public page
        #: when there is one, else the server's invite.
        self.pages = pages
        self.clock = clock
        self.cache = cache if cache is not None else RenderCache()

    def close(self) -> None:
        """Stop the render threads (at shutdown)."""
        self.cache.close()

    # -- reading -----------------------------------------------------------------------------
    async def _subject(self, conn: Connection, petition: Petition) -> _Subject:
        settings = await guilds.get(conn, petition.guild_id)
        sms = None
        if settings.sms_number:
            sms = Sms(settings.sms_keyword or "sign", settings.sms_number)
        page = None if self.pages is None else await self.pages.link_in(conn, petition)
        return _Subject(petition, page or settings.invite_url, sms)

    async def _by_code(self, guild_id: int, raw_code: str) -> _Subject:
        async with self.db.read() as conn:
            petition = await find_visible_petition(conn, guild_id, raw_code)
            return await self._subject(conn, petition)

    async def _by_id(self, petition_id: int) -> _Subject:
        async with self.db.read() as conn:
            petition = await petitions.by_id(conn, petition_id)
            if petition is None or petition.status is Status.DELETED:
                raise PetitionGone()
            return await self._subject(conn, petition)

    # -- the share card ----------------------------------------------------------------------
    async def card(
        self,
        guild_id: int,
        raw_code: str,
        *,
        language: str | None = None,
        sms: Sms | None = None,
        fallback_url: str | None = None,
    ) -> ImageFile:
        """The share card of a petition of this server, by the code a member typed."""
        subject = await self._by_code(guild_id, raw_code)
        return await self._card(subject, language, sms or subject.sms, fallback_url)

    async def card_by_id(
        self,
        petition_id: int,
        *,
        language: str | None = None,
        sms: Sms | None = None,
        fallback_url: str | None = None,
    ) -> ImageFile:
        """The share card of a petition by id (for its Share button)."""
        subject = await self._by_id(petition_id)
        return await self._card(subject, language, sms or subject.sms, fallback_url)

    async def _card(
        self,
        subject: _Subject,
        language: str | None,
        sms: Sms | None,
        fallback_url: str | None,
    ) -> ImageFile:
        petition = subject.petition
        lang = language or petition.language
        url = qr_target(petition, fallback_url or subject.invite_url)
        key = RenderKey(
            petition.id,
            "card",
            lang,
            count_bucket(petition.total),
            fingerprint(
                petition.code,
                petition.title,
                petition.recipient,
                petition.organization,
                petition.goal,
                petition.status,
                url,
                sms,
            ),
        )

        async def produce() -> bytes:
            from bot.ui.images.card import render_card

            card = await self.cache.run(
                render_card, petition, language=lang, fallback_url=url, sms=sms
            )
            return card.png

        data = await self.cache.get(key, produce)
        return ImageFile(petition, data, f"rally-{petition.code}-card.png")

    # -- the flyer ---------------------------------------------------------------------------
    async def flyer(
        self,
        guild_id: int,
        raw_code: str,
        *,
        paper: Paper = Paper.A4,
        language: str | None = None,
        sms: Sms | None = None,
        fallback_url: str | None = None,
    ) -> ImageFile:
        """A printable PDF flyer (it shows no count, so it changes only with the text)."""
        subject = await self._by_code(guild_id, raw_code)
        petition = subject.petition
        sms = sms or subject.sms
        lang = language or petition.language
        url = qr_target(petition, fallback_url or subject.invite_url)
        key = RenderKey(
            petition.id,
            f"flyer:{paper.value}",
            lang,
            0,
            fingerprint(
                petition.code,
                petition.title,
                petition.recipient,
                petition.letter,
                petition.organization,
                url,
                sms,
            ),
        )

        async def produce() -> bytes:
            from bot.ui.images.flyer import render_flyer  # fpdf2 loads on first use

            return await self.cache.run(
                render_flyer, petition, paper=paper, language=lang, fallback_url=url, sms=sms
            )

        data = await self.cache.get(key, produce)
        name = f"rally-{petition.code}-flyer-{paper.value.lower()}.pdf"
        return ImageFile(petition, data, name)

    # -- the chart ---------------------------------------------------------------------------
    async def chart(
        self, guild_id: int, raw_code: str, *, language: str | None = None
    ) -> ImageFile:
        """Signers over time, with the goal and the milestones announced."""
        subject = await self._by_code(guild_id, raw_code)
        petition = subject.petition
        lang = language or petition.language
        now = self.clock()
        key = RenderKey(
            petition.id,
            "chart",
            lang,
            count_bucket(petition.total),
            # The x-axis runs to today: tomorrow's chart is a new one even with no signature.
            fingerprint(
                petition.title,
                petition.goal,
                petition.status,
                petition.external_count,
                now.date(),
            ),
        )

        async def produce() -> bytes:
            from bot.ui.images.chart import render_chart  # matplotlib loads on first use

            async with self.db.read() as conn:
                days = await timeline.daily_signatures(conn, petition.id)
                sent = await timeline.milestones_sent(conn, petition.id)
            daily = [DayCount(entry.day, entry.count) for entry in days]
            marks = [MilestoneMark(entry.threshold, entry.reached_at) for entry in sent]
            return await self.cache.run(
                render_chart, petition, daily, marks, now=now, language=lang
            )

        data = await self.cache.get(key, produce)
        return ImageFile(petition, data, f"rally-{petition.code}-chart.png")
