"""Server settings (`/setup`) and the organizer check every organizer command makes."""

from __future__ import annotations

import asyncio
import itertools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.db import Database, audit, guilds, signers
from bot.db.database import Connection
from bot.db.guilds import GuildSettings
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.errors import InvalidInput, NotAManager, NotAnOrganizer, NotInAServer
from bot.i18n import LANGUAGES, N_


def require_guild(actor: Actor) -> int:
    if actor.guild_id is None:
        raise NotInAServer()
    return actor.guild_id


async def require_organizer(conn: Connection, actor: Actor) -> GuildSettings:
    """The server's settings, when `actor` is an organizer there; else `NotAnOrganizer`."""
    settings = await guilds.get(conn, require_guild(actor))
    if not actor.is_organizer(settings.organizer_role_id):
        raise NotAnOrganizer()
    return settings


def parse_timezone(name: str) -> str:
    cleaned = name.strip()
    try:
        ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            N_("“{name}” is not a time zone Rally knows. Use an IANA name such as Europe/Vilnius."),
            name=cleaned[:64],
        ) from None
    return cleaned


def timezone_names(text: str, limit: int = 25) -> list[str]:
    needle = text.strip().lower()
    names = sorted(n for n in available_timezones() if "/" in n and needle in n.lower())
    return names[:limit]


LANGUAGE_BATCH = 500  # SQLite allows 32,766 parameters; a few hundred keep each read short


class GuildService:
    """Server settings, cached in memory: every interaction needs them (language, organizer
    role), and this process is the database's only writer, so the cache cannot go stale."""

    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        self._settings: dict[int, GuildSettings] = {}
        self._languages: dict[int, str | None] = {}
        self._wanted: dict[int, asyncio.Future[str | None]] = {}
        self._loader: asyncio.Task[None] | None = None

    async def settings(self, guild_id: int) -> GuildSettings:
        cached = self._settings.get(guild_id)
        if cached is None:
            async with self.db.read() as conn:
                cached = self._settings[guild_id] = await guilds.get(conn, guild_id)
        return cached

    def forget_cached(self, guild_id: int | None) -> None:
        """Drop what is cached about a server (after its data was purged)."""
        if guild_id is not None:
            self._settings.pop(guild_id, None)

    def remember_member_language(self, user_id: int, language: str | None) -> None:
        """Call after a member's language choice changed (or their record was erased)."""
        self._languages[user_id] = language

    async def require_organizer(self, actor: Actor) -> GuildSettings:
        settings = await self.settings(require_guild(actor))
        if not actor.is_organizer(settings.organizer_role_id):
            raise NotAnOrganizer()
        return settings

    async def is_organizer(self, actor: Actor) -> bool:
        if actor.guild_id is None:
            return False
        settings = await self.settings(actor.guild_id)
        return actor.is_organizer(settings.organizer_role_id)

    async def member_language(self, user_id: int) -> str | None:
        """The language a member chose for themselves (`/me language`), if any.

        Every interaction needs it and, in a surge, most come from members not seen before: the
        look-ups that wait meanwhile are made together, one query per `LANGUAGE_BATCH` members,
        instead of one turn at the database each."""
        if user_id in self._languages:
            return self._languages[user_id]
        wanted = self._wanted.get(user_id)
        if wanted is None:
            wanted = self._wanted[user_id] = asyncio.get_running_loop().create_future()
            if self._loader is None:
                self._loader = asyncio.create_task(self._load_wanted())
        return await asyncio.shield(wanted)  # one caller giving up cancels nobody else's

    async def _load_wanted(self) -> None:
        try:
            while self._wanted:
                batch: dict[int, asyncio.Future[str | None]] = {}
                try:
                    async with self.db.read() as conn:
                        # taken once the database is ours: look-ups that queued meanwhile join
                        batch = dict(itertools.islice(self._wanted.items(), LANGUAGE_BATCH))
                        found = await signers.languages_for_users(conn, list(batch))
                except Exception as error:
                    for user_id, future in batch.items():
                        self._wanted.pop(user_id, None)
                        if not future.done():
                            future.set_exception(error)
                            future.exception()  # retrieved: each waiting caller raises it
                    if not batch:
                        raise
                    continue
                for user_id, future in batch.items():
                    self._wanted.pop(user_id, None)
                    # a choice remembered while the query ran is newer than what it read
                    language = self._languages.setdefault(user_id, found.get(user_id))
                    if not future.done():
                        future.set_result(language)
        finally:
            self._loader = None
            for future in self._wanted.values():  # only if this task itself failed
                if not future.done():
                    future.set_exception(RuntimeError("the language look-up stopped"))
                    future.exception()
            self._wanted.clear()

    async def update(
        self,
        actor: Actor,
        *,
        organizer_role_id: int | None = None,
        announcement_channel_id: int | None = None,
        review_channel_id: int | None = None,
        timezone: str | None = None,
        language: str | None = None,
        organization_name: str | None = None,
        invite_url: str | None = None,
        sms_number: str | None = None,
        sms_keyword: str | None = None,
    ) -> GuildSettings:
        """Change the server's settings (Manage Server only; checked here, not only by Discord)."""
        guild_id = require_guild(actor)
        if not actor.manage_guild:
            raise NotAManager()
        changes: dict[str, object] = {}
        if organizer_role_id is not None:
            changes["organizer_role_id"] = organizer_role_id
        if announcement_channel_id is not None:
            changes["announcement_channel_id"] = announcement_channel_id
        if review_channel_id is not None:
            changes["organizers_channel_id"] = review_channel_id
        if timezone is not None:
            changes["timezone"] = parse_timezone(timezone)
        if language is not None:
            if language not in LANGUAGES:
                raise InvalidInput(N_("Rally speaks en, be, ru and uk."))
            changes["language"] = language
        if organization_name is not None:
            name = " ".join(organization_name.split())
            if not 1 <= len(name) <= 100:
                raise InvalidInput(N_("The organization's name must be 1 to 100 characters."))
            changes["organization_name"] = name
        if invite_url is not None:
            url = invite_url.strip()
            if (
                not url.startswith(("https://discord.gg/", "https://discord.com/invite/"))
                or len(url) > 200
            ):
                raise InvalidInput(
                    N_("The invite link must look like https://discord.gg/yourcode.")
                )
            changes["invite_url"] = url
        if sms_number is not None:
            number = "".join(sms_number.split())
            if not re.fullmatch(r"\+?[0-9]{3,15}", number):
                raise InvalidInput(
                    N_("The SMS number must be 3 to 15 digits, like 50409 or +15551234567.")
                )
            changes["sms_number"] = number
        if sms_keyword is not None:
            keyword = " ".join(sms_keyword.split())
            if not re.fullmatch(r"[^\W_]{1,20}", keyword):
                raise InvalidInput(
                    N_("The SMS keyword must be one word of 1 to 20 letters or digits.")
                )
            changes["sms_keyword"] = keyword
        now = self.clock()
        async with self.db.transaction() as conn:
            current = await guilds.get(conn, guild_id)
            updated = current.with_changes(**changes)
            await guilds.save(conn, updated, now)
            self._settings.pop(guild_id, None)
            await audit.record(
                conn,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="setup",
                subject=None,
                now=now,
                details={"changed": sorted(changes)},
            )
        return updated
