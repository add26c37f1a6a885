"""The announcement dispatcher: sends the outbox in order, exactly once, and survives restarts.

Rows are written by the signing transaction; this sends them. Each send carries a nonce with
`enforce_nonce`, so Discord itself drops a repeat within minutes, and the Sign button's custom_id
carries the row id (":a12"), so after a crash between "Discord accepted it" and "marked sent"
Rally recognises its own message in the channel instead of posting again. 5xx, 429 and
timeouts are retried with backoff; a server's later rows wait for its earlier ones (order).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.background import Poller
from bot.db.announcements import Announcement
from bot.domain.petitions import Petition
from bot.i18n import localizer
from bot.review_outbox import deliver_review
from bot.services.images import ImageFile
from bot.services.reviews import REVIEW_KIND
from bot.ui.drives import DRIVE_KINDS, drive_announcement_embed
from bot.ui.milestones import announcement_embed, announcement_view
from bot.ui.petition_views import announcement_tag

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)

FaultHook = Callable[[str, Announcement], Awaitable[None]]
HISTORY_LOOKBACK = 50
#: The kinds that ping the milestone role (drive schedule posts and recruits never ping).
PINGED_KINDS = frozenset({"milestone", "goal", "drive_goal"})


LULL_QUIET_SECONDS = 0.25  # announcements wait for this long without an interaction …
LULL_LONGEST_SECONDS = 3.0  # … but never longer than this


class AnnouncementDispatcher(Poller):
    name = "rally-announcements"

    def __init__(self, bot: RallyBot, *, poll_seconds: float = 2.0) -> None:
        super().__init__(bot, interval=poll_seconds)
        self.fault_hook: FaultHook | None = None

    async def tick(self) -> int:
        # answering members first: a share card costs ~0.1 s of CPU (see `bot.activity`)
        await self.bot.interaction_activity.lull(LULL_QUIET_SECONDS, LULL_LONGEST_SECONDS)
        return await self.drain()

    async def drain(self) -> int:
        """Send every due row once, now; return how many were posted."""
        async with self.lock:
            posted = 0
            blocked: set[int] = set()
            for row in await self.bot.services.milestones.due():
                if row.guild_id in blocked:
                    continue
                outcome = await self._deliver(row)
                if outcome == "retry":
                    blocked.add(row.guild_id)
                elif outcome == "sent":
                    posted += 1
            return posted

    def _channel_id(self, row: Announcement) -> int | None:
        if row.channel_id is not None:
            return row.channel_id
        guild = self.bot.get_guild(row.guild_id)
        return guild.system_channel.id if guild and guild.system_channel else None

    async def _already_posted(
        self, channel: discord.abc.Messageable, row: Announcement
    ) -> discord.Message | None:
        """Find this row's message in the channel (after a crash between send and mark)."""
        assert row.petition_id is not None
        marker = f"rally:sign:{row.petition_id}{announcement_tag(row.id)}"
        share = f"rally:share:{row.petition_id}{announcement_tag(row.id)}"
        async for message in channel.history(limit=HISTORY_LOOKBACK):
            me = self.bot.user
            if me is None or message.author.id != me.id:
                continue
            for row_component in message.components:
                for child in getattr(row_component, "children", []):
                    if getattr(child, "custom_id", None) in (marker, share):
                        return message
        return None

    async def _card(self, petition_id: int) -> ImageFile | None:
        """The share card for the announcement; an announcement goes out even if it fails."""
        try:
            return await self.bot.services.images.card_by_id(petition_id)
        except Exception:
            log.exception("share card for petition %s failed; announcing without it", petition_id)
            return None

    async def _deliver(self, row: Announcement) -> str:
        services = self.bot.services.milestones
        petition = await services.petition_for(row.petition_id) if row.petition_id else None
        channel_id = self._channel_id(row)
        if petition is None or channel_id is None:
            await services.give_up(row.id, "no petition" if petition is None else "no channel")
            log.warning("announcement %s dropped: nowhere to post it", row.id)
            return "failed"
        if row.kind != REVIEW_KIND and not await services.still_shared(petition, row.guild_id):
            await services.give_up(row.id, "not shared")
            log.warning("announcement %s dropped: the server no longer follows it", row.id)
            return "failed"
        recruiter: str | None = None
        if row.kind == "recruit":
            # Named in the channel only if they chose to show their name; else thanked by DM.
            recruiter = await self.bot.services.drives.recruiter_name(int(row.payload["user_id"]))
            if recruiter is None:
                return await self._deliver_dm(row, petition)
        channel = self.bot.get_partial_messageable(channel_id, guild_id=row.guild_id)
        try:
            if row.kind == REVIEW_KIND:  # a held signature's report (bot/review_outbox.py)
                return await deliver_review(self.bot, row)
            if row.attempts > 0:
                found = await self._already_posted(channel, row)
                if found is not None:
                    await services.mark_sent(row.id, channel_id=channel_id, message_id=found.id)
                    log.info("announcement %s was already posted; marked", row.id)
                    return "found"
            await services.mark_attempt(row.id)
            settings = await services.settings(row.guild_id)
            tr = localizer((await self.bot.services.guilds.settings(row.guild_id)).language)
            content = None
            mentions = discord.AllowedMentions.none()
            if settings.ping_role_id and row.kind in PINGED_KINDS:
                content = f"<@&{settings.ping_role_id}>"
                mentions = discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(settings.ping_role_id)]
                )
            embed = (
                drive_announcement_embed(tr, petition, row, recruiter=recruiter)
                if row.kind in DRIVE_KINDS
                else announcement_embed(tr, petition, row)
            )
            files = []
            card = await self._card(petition.id)
            if card is not None:
                embed.set_image(url=f"attachment://{card.filename}")
                files.append(discord.File(io.BytesIO(card.data), filename=card.filename))
            message = await channel.send(
                content,
                embed=embed,
                files=files,
                view=announcement_view(tr, petition, row),
                allowed_mentions=mentions,
                nonce=f"rally-a{row.id}",
            )
            if self.fault_hook is not None:
                await self.fault_hook("after_send", row)
            await services.mark_sent(row.id, channel_id=channel_id, message_id=message.id)
            log.info("announcement %s posted", row.id)
            return "sent"
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:
                await services.retry_later(row, f"HTTP {exc.status}")
                log.warning("announcement %s: HTTP %s; retrying later", row.id, exc.status)
                return "retry"
            await services.give_up(row.id, f"HTTP {exc.status} code {exc.code}")
            log.warning("announcement %s refused by Discord: HTTP %s", row.id, exc.status)
            return "failed"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            await services.retry_later(row, type(exc).__name__)
            log.warning("announcement %s: %s; retrying later", row.id, type(exc).__name__)
            return "retry"

    async def _deliver_dm(self, row: Announcement, petition: Petition) -> str:
        """Congratulate a recruiter privately. A closed DM fails this row alone: it never holds
        up the server's other announcements."""
        services = self.bot.services.milestones
        user_id = int(row.payload["user_id"])
        try:
            channel = await self.bot.create_dm(discord.Object(user_id))
            if row.attempts > 0:
                found = await self._already_posted(channel, row)
                if found is not None:
                    await services.mark_sent(row.id, channel_id=channel.id, message_id=found.id)
                    return "found"
            await services.mark_attempt(row.id)
            tr = localizer(
                await self.bot.services.guilds.member_language(user_id)
                or (await self.bot.services.guilds.settings(row.guild_id)).language
            )
            message = await channel.send(
                embed=drive_announcement_embed(tr, petition, row),
                view=announcement_view(tr, petition, row),
                nonce=f"rally-a{row.id}",
            )
            await services.mark_sent(row.id, channel_id=channel.id, message_id=message.id)
            return "sent"
        except discord.HTTPException as exc:
            await services.give_up(row.id, f"DM: HTTP {exc.status} code {exc.code}")
            log.info("announcement %s: the recruiter's DM failed (HTTP %s)", row.id, exc.status)
            return "failed"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            await services.give_up(row.id, f"DM: {type(exc).__name__}")
            return "failed"
