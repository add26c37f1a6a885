"""A petition's public web page: what it shows (no signer's name), a cache so that a viral link
does not load the database, and the organizers' switch that makes a petition unlisted.

The cache: one entry per petition code, the petition as the page shows it (a snapshot). An entry
lives `ttl` seconds at most, and is dropped at once when the petition changes in Rally (every
signature, withdrawal, count, edit, close, reopen and delete reaches `invalidate` through the live
messages' refresh), so the page is never older than the last change Rally made; the TTL only
bounds how long a change Rally is not told about (a `/setup` of the invite link) takes to show.
A burst of requests for one code while it loads shares one database read. Unknown codes are
cached too (bounded), so random addresses cannot make every request read the database.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.db import Database, audit, guilds, petitions, public_pages, timeline
from bot.db.database import Connection
from bot.db.timeline import DailySignatures
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.petitions import Petition, normalize_code
from bot.services.guilds import require_guild, require_organizer
from bot.services.lookups import find_petition
from bot.ui.images.content import Sms

DEFAULT_TTL = 30.0
MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class PublicPetition:
    """A listed petition as its public page shows it: the figures and texts, no personal data.
    A new object every time it is read from the database (the web layer keys its renders on it)."""

    petition: Petition
    organization: str | None
    invite_url: str | None
    sms: Sms | None
    days: tuple[DailySignatures, ...]


@dataclass(frozen=True, slots=True)
class Visibility:
    petition: Petition
    unlisted: bool
    url: str | None


@dataclass
class _Entry:
    value: PublicPetition | None
    expires: float


class PublicPageService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        *,
        ttl: float = DEFAULT_TTL,
        max_entries: int = MAX_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl
        self.max_entries = max_entries
        self.monotonic = monotonic
        #: WEB_PUBLIC_URL when the web server runs; None: no public pages to link to.
        self.base_url: str | None = None
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._codes: dict[int, str] = {}
        self._loading: dict[str, asyncio.Future[PublicPetition | None]] = {}
        #: Bumped by every invalidation: a load that a change overtook is not cached.
        self._epoch = 0
        #: How many times a page was read from the database (tests and /metrics-style checks).
        self.loads = 0

    # -- links -------------------------------------------------------------------------------
    def page_url(self, code: str) -> str | None:
        return None if self.base_url is None else f"{self.base_url}/p/{code}"

    async def link_in(self, conn: Connection, petition: Petition) -> str | None:
        """The public page's address for shares and QR codes, or None (unlisted, no server)."""
        if self.base_url is None or await public_pages.is_unlisted(conn, petition.id):
            return None
        return self.page_url(petition.code)

    async def share_url(self, petition: Petition) -> str | None:
        """`link_in` for a Share click: from the page cache, so a surge of clicks adds no reads
        (and none at all without a public address)."""
        if self.base_url is None or await self.find(petition.code) is None:
            return None
        return self.page_url(petition.code)

    # -- the page ----------------------------------------------------------------------------
    async def find(self, raw_code: str) -> PublicPetition | None:
        """The listed, not deleted petition with this code, or None (→ 404)."""
        code = normalize_code(raw_code)
        if code is None:
            return None
        entry = self._entries.get(code)
        if entry is not None and entry.expires > self.monotonic():
            self._entries.move_to_end(code)
            return entry.value
        loading = self._loading.get(code)
        if loading is None:
            # one read for a burst; a task, so a visitor who leaves does not cancel the others'
            loading = asyncio.ensure_future(self._load_and_store(code))
            self._loading[code] = loading
            loading.add_done_callback(lambda done: self._loaded(code, done))
        return await asyncio.shield(loading)

    def _loaded(self, code: str, done: asyncio.Future[PublicPetition | None]) -> None:
        if self._loading.get(code) is done:
            del self._loading[code]

    async def _load_and_store(self, code: str) -> PublicPetition | None:
        epoch = self._epoch
        value = await self._load(code)
        if epoch == self._epoch:  # no change overtook this read
            self._store(code, value)
        return value

    async def _load(self, code: str) -> PublicPetition | None:
        self.loads += 1
        async with self.db.read() as conn:
            petition_id = await public_pages.id_by_code(conn, code)
            if petition_id is None or await public_pages.is_unlisted(conn, petition_id):
                return None
            petition = await petitions.by_id(conn, petition_id)
            if petition is None:
                return None
            settings = await guilds.get(conn, petition.guild_id)
            days = await timeline.daily_signatures(conn, petition.id)
        sms = None
        if settings.sms_number:
            sms = Sms(settings.sms_keyword or "sign", settings.sms_number)
        return PublicPetition(
            petition=petition,
            organization=petition.organization or settings.organization_name,
            invite_url=settings.invite_url,
            sms=sms,
            days=tuple(days),
        )

    def _store(self, code: str, value: PublicPetition | None) -> None:
        self._entries[code] = _Entry(value, self.monotonic() + self.ttl)
        self._entries.move_to_end(code)
        if value is not None:
            self._codes[value.petition.id] = code
        while len(self._entries) > self.max_entries:
            _, old = self._entries.popitem(last=False)
            if old.value is not None:
                self._codes.pop(old.value.petition.id, None)

    def invalidate(self, petition_id: int) -> None:
        """The petition changed: its next request reads the database again."""
        self._epoch += 1
        code = self._codes.pop(petition_id, None)
        if code is not None:
            self._entries.pop(code, None)

    def clear(self) -> None:
        """Forget every page (after `/admin purge`: a purged petition's page goes at once)."""
        self._epoch += 1
        self._entries.clear()
        self._codes.clear()

    def invalidate_code(self, code: str) -> None:
        self._epoch += 1
        self._entries.pop(code, None)

    # -- unlisted ----------------------------------------------------------------------------
    async def set_unlisted(self, actor: Actor, raw_code: str, unlisted: bool) -> Visibility:
        """Organizers only: no public page (unlisted) or a public page (listed)."""
        now = self.clock()
        async with self.db.transaction() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
            await public_pages.set_unlisted(conn, petition.id, unlisted, now)
            await audit.record(
                conn,
                guild_id=petition.guild_id,
                actor_id=actor.user_id,
                action="petition.unlist" if unlisted else "petition.list",
                subject=petition.code,
                now=now,
            )
        self.invalidate(petition.id)
        self.invalidate_code(petition.code)
        return Visibility(petition, unlisted, None if unlisted else self.page_url(petition.code))
